// Line charts of training curves: loss or accuracy against epoch, one line per named series.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named series of (x, y) points drawn as lines over round ticks and a grid, with a legend.
/// Points with a NaN or infinite coordinate are left out, leaving a gap in the line (as are
/// points with y ≤ 0 on a logarithmic y axis); a point with no drawn neighbour is a dot.
///
/// ```swift
/// let chart = LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy", yRange: 0...1, series: [
///     .init("train", values: trainAccuracy),
///     .init("test", values: testAccuracy),
/// ])
/// try chart.document(width: 480, height: 320).write(to: "accuracy.svg")
/// ```
public struct LineChart: Chart {
    /// One line: a name for the legend and its points in order.
    public struct Series: Sendable {
        /// The label shown in the legend.
        public var name: String
        /// The points, joined in this order.
        public var points: [(x: Double, y: Double)]
        /// The line's colour; `nil` takes the palette's colour for the series' position.
        public var color: SVGColor?
        /// Whether the line is drawn dashed (6 on, 4 off) rather than solid.
        public var dashed: Bool

        /// A series through `points`, in order.
        public init(_ name: String, points: [(x: Double, y: Double)], color: SVGColor? = nil, dashed: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.dashed = dashed
        }

        /// A series of values at x = `firstX`, `firstX + 1`, ...: one value per epoch, say.
        public init(_ name: String, values: [Double], firstX: Double = 1, color: SVGColor? = nil, dashed: Bool = false) {
            self.init(name, points: values.enumerated().map { (firstX + Double($0.offset), $0.element) },
                      color: color, dashed: dashed)
        }
    }

    /// A bold title above the plot; empty for none.
    public var title: String
    /// The x axis's title; empty for none.
    public var xLabel: String
    /// The y axis's title, written upwards; empty for none.
    public var yLabel: String
    /// The lines, drawn in order, coloured by position in the palette unless given a colour.
    public var series: [Series]
    /// A fixed y range, such as `0...1` for accuracy; `nil` fits the data with round ends.
    public var yRange: ClosedRange<Double>?
    /// A fixed x range; `nil` fits the data with round ends.
    public var xRange: ClosedRange<Double>?
    /// Linear, or logarithmic for values spanning decades such as losses.
    public var yScale: Scale

    /// How values map to positions along the y axis.
    public enum Scale: Sendable {
        /// Equal differences equally spaced.
        case linear
        /// Powers of ten equally spaced; only positive values are drawn.
        case logarithmic
    }

    /// A chart of `series`; ranges left `nil` are fitted to the data.
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, yScale: Scale = .linear,
                series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.yScale = yScale
    }

    /// The grid, the lines clipped to the plot area, then axes, ticks, titles and legend.
    public func draw(in frame: PlotRect) -> [SVGElement] {
        let axes = CartesianAxes(title: title, xLabel: xLabel, yLabel: yLabel,
                                 xTicks: xTicks, yTicks: yTicks, legend: legendEntries)
        let layout = axes.layout(in: frame)
        var lines: [SVGElement] = []
        for (index, series) in series.enumerated() {
            let color = series.color ?? Palette.color(index)
            let stroke = SVGStyle.stroked(color, width: 2, dash: series.dashed ? [6, 4] : [])
            for run in Self.finiteRuns(of: series.points.map { ($0.x, scaled($0.y)) }) {
                let points = run.map { SVGPoint(x: layout.x($0.x), y: layout.y($0.y)) }
                if points.count == 1 {
                    lines.append(.circle(center: points[0], radius: 3, style: .filled(color)))
                } else {
                    lines.append(.polyline(points, style: stroke))
                }
            }
        }
        // A little room beyond the plot so that lines along its edges (accuracy 1.0) stay whole.
        return axes.background(layout) + [.group(lines, clip: layout.plot.inset(by: -2))] + axes.foreground(layout)
    }
}

extension LineChart {
    /// Ticks covering every finite x, in whole steps when all x are whole numbers (epochs).
    var xTicks: AxisTicks {
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let whole = !xs.isEmpty && xs.allSatisfy { $0 == $0.rounded() }
        if let xRange { return AxisTicks(within: PlotInterval(xRange), count: 6, minimumStep: whole ? 1 : 0) }
        let interval = PlotInterval(enclosing: xs) ?? PlotInterval(0, 1)
        return AxisTicks(covering: interval, count: 6, minimumStep: whole ? 1 : 0)
    }

    /// Ticks covering every drawn y (of points whose x is finite too), or the fixed range.
    var yTicks: AxisTicks {
        // A fixed range reaching zero or below has no logarithm: the data decides then.
        let fixed = yRange.flatMap { range in
            yScale == .linear || range.lowerBound > 0 ? PlotInterval(scaled(range.lowerBound), scaled(range.upperBound)) : nil
        }
        let ys = series.flatMap { $0.points.filter { $0.x.isFinite }.map { scaled($0.y) } }
        switch yScale {
        case .linear:
            if let fixed { return AxisTicks(within: fixed, count: 5) }
            return AxisTicks(covering: PlotInterval(enclosing: ys) ?? PlotInterval(0, 1), count: 5)
        case .logarithmic:
            return AxisTicks(logarithmicCovering: fixed ?? PlotInterval(enclosing: ys) ?? PlotInterval(-1, 0))
        }
    }

    /// `y` in the units of the y axis: itself, or its logarithm (NaN for y ≤ 0, so not drawn).
    func scaled(_ y: Double) -> Double {
        switch yScale {
        case .linear: return y
        case .logarithmic: return y > 0 ? log10(y) : .nan
        }
    }

    var legendEntries: [LegendEntry] {
        // A single unnamed series needs no legend.
        guard series.contains(where: { !$0.name.isEmpty }) else { return [] }
        return series.enumerated().map { index, series in
            LegendEntry(label: series.name, color: series.color ?? Palette.color(index), marker: .line)
        }
    }

    /// The stretches of consecutive points whose coordinates are both finite.
    static func finiteRuns(of points: [(x: Double, y: Double)]) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = []
        var run: [(x: Double, y: Double)] = []
        for point in points {
            if point.x.isFinite && point.y.isFinite {
                run.append(point)
            } else if !run.isEmpty {
                runs.append(run)
                run = []
            }
        }
        if !run.isEmpty { runs.append(run) }
        return runs
    }
}
