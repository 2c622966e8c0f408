// Decision boundaries of 2-D classifiers: the model's output over a region as coloured cells,
// with the data points on top, as in micrograd's demo of a network learning the two moons.

/// A classifier's decisions over a rectangle of the plane, drawn as a grid of coloured cells
/// with the labelled data points on top.
///
/// The grid's rows go up the y range (row 0 is the bottom) and its columns along the x range;
/// each cell covers an equal part of the region. A grid of ``Grid/scores(_:threshold:)`` colours
/// two classes by the score's side of the threshold, paler where the model is less sure; a grid
/// of ``Grid/classes(_:)`` colours each cell by its predicted class.
///
/// ```swift
/// let chart = DecisionBoundaryChart(title: "Decision boundary", points: moons, classNames: ["-1", "+1"]) { x, y in
///     model.score(x, y)   // > 0 for the second class
/// }
/// try chart.document(width: 480, height: 420).write(to: "boundary.svg")
/// ```
public struct DecisionBoundaryChart: Chart {
    /// The model's outputs at the cells of the grid.
    public enum Grid: Sendable {
        /// Two classes: a cell is class 1 where its score is above `threshold` (0 for a margin,
        /// 0.5 for a probability), class 0 otherwise. NaN scores are drawn grey.
        case scores([[Double]], threshold: Double = 0)
        /// A class index per cell; negative indices are drawn grey.
        case classes([[Int]])
    }

    /// A data point and its true class.
    public struct Sample: Hashable, Sendable {
        /// The horizontal coordinate.
        public var x: Double
        /// The vertical coordinate.
        public var y: Double
        /// The true class index, which picks the point's colour.
        public var label: Int

        /// A point at (`x`, `y`) of class `label`.
        public init(x: Double, y: Double, label: Int) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    /// A bold title above the plot; empty for none.
    public var title: String
    /// The x axis's title; empty for none.
    public var xLabel: String
    /// The y axis's title; empty for none.
    public var yLabel: String
    /// The horizontal extent of the grid and of the plot.
    public var xRange: ClosedRange<Double>
    /// The vertical extent of the grid and of the plot.
    public var yRange: ClosedRange<Double>
    /// The model's outputs over the region, one per cell.
    public var grid: Grid
    /// The data points drawn over the cells; those with a non-finite coordinate are left out.
    public var points: [Sample]
    /// Names for the legend, by class index; missing names read "class 0", "class 1"...
    public var classNames: [String]
    /// The distance from the threshold at which a score's colour is strongest; `nil` takes the
    /// largest in the grid.
    public var scoreScale: Double?

    /// A chart of a precomputed grid over the given ranges.
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, grid: Grid,
                points: [Sample], classNames: [String] = [], scoreScale: Double? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange
        self.yRange = yRange
        self.grid = grid
        self.points = points
        self.classNames = classNames
        self.scoreScale = scoreScale
    }

    /// A two-class chart of scores sampled at the nodes of a grid: `scores[r][c]` is the score
    /// at (`xs[c]`, `ys[r]`), with `xs` and `ys` ascending and evenly spaced (as `linspace` makes
    /// them). Each node is drawn as the cell around it.
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                xs: [Double], ys: [Double], scores: [[Double]], threshold: Double = 0,
                points: [Sample], classNames: [String] = []) {
        let region = Self.region(around: points)
        self.init(title: title, xLabel: xLabel, yLabel: yLabel,
                  xRange: Self.cellExtent(of: xs) ?? region.x, yRange: Self.cellExtent(of: ys) ?? region.y,
                  grid: .scores(scores, threshold: threshold), points: points, classNames: classNames)
    }

    /// A two-class chart whose grid is `score` evaluated at the centre of each cell of a
    /// `resolution` × `resolution` grid over the ranges (by default the points' bounding box
    /// with a margin).
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                points: [Sample], classNames: [String] = [], threshold: Double = 0, resolution: Int = 80,
                score: (Double, Double) throws -> Double) rethrows {
        let region = Self.region(around: points)
        let (xs, ys) = (xRange ?? region.x, yRange ?? region.y)
        self.init(title: title, xLabel: xLabel, yLabel: yLabel, xRange: xs, yRange: ys,
                  grid: .scores(try Self.evaluate(score, x: xs, y: ys, resolution: resolution), threshold: threshold),
                  points: points, classNames: classNames)
    }

    /// A chart of any number of classes whose grid is `classify` evaluated at the centre of each
    /// cell of a `resolution` × `resolution` grid over the ranges (by default the points'
    /// bounding box with a margin).
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                points: [Sample], classNames: [String] = [], resolution: Int = 80,
                classify: (Double, Double) throws -> Int) rethrows {
        let region = Self.region(around: points)
        let (xs, ys) = (xRange ?? region.x, yRange ?? region.y)
        self.init(title: title, xLabel: xLabel, yLabel: yLabel, xRange: xs, yRange: ys,
                  grid: .classes(try Self.evaluate(classify, x: xs, y: ys, resolution: resolution)),
                  points: points, classNames: classNames)
    }

    /// The cells, the points over them, then axes, titles and a legend of the classes.
    public func draw(in frame: PlotRect) -> [SVGElement] {
        let xInterval = PlotInterval(xRange)
        let yInterval = PlotInterval(yRange)
        let axes = CartesianAxes(title: title, xLabel: xLabel, yLabel: yLabel,
                                 xTicks: AxisTicks(within: xInterval, count: 5),
                                 yTicks: AxisTicks(within: yInterval, count: 5),
                                 legend: legendEntries, showsGrid: false)
        let layout = axes.layout(in: frame)
        // Points shrink in small panels and in crowds.
        let radius = Swift.min(Swift.max(Swift.min(layout.plot.width, layout.plot.height) / 80, 2), points.count > 400 ? 2.5 : 4.5)
        let dots: [SVGElement] = points.compactMap { point in
            guard point.x.isFinite, point.y.isFinite else { return nil }
            return .circle(center: SVGPoint(x: layout.x(point.x), y: layout.y(point.y)), radius: radius,
                           style: .filled(classColor(point.label)))
        }
        return [
            .group(cells(in: layout.plot), clip: layout.plot, style: SVGStyle(crispEdges: true)),
            .group(dots, clip: layout.plot.inset(by: -radius - 1), style: SVGStyle(stroke: .ink, strokeWidth: 0.8)),
        ] + axes.foreground(layout)
    }
}

extension DecisionBoundaryChart {
    /// The points' bounding box widened by `margin` of its size on every side (and by at least
    /// a little when the points lie on a line), or -1...1 without finite points.
    public static func region(around points: [Sample], margin: Double = 0.1) -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        func range(_ values: [Double]) -> ClosedRange<Double> {
            let interval = (PlotInterval(enclosing: values) ?? PlotInterval(-1, 1)).padded(by: margin)
            return interval.lower...interval.upper
        }
        return (range(points.map(\.x)), range(points.map(\.y)))
    }

    /// The range covered by cells centred on evenly spaced `nodes`: half a spacing beyond the
    /// first and last (half a unit for a single node); `nil` without finite nodes.
    static func cellExtent(of nodes: [Double]) -> ClosedRange<Double>? {
        let finite = nodes.filter(\.isFinite)
        guard let lower = finite.min(), let upper = finite.max() else { return nil }
        let half = finite.count > 1 ? (upper - lower) / Double(finite.count - 1) / 2 : 0.5
        let extent = PlotInterval(lower - half, upper + half)
        return extent.lower...extent.upper
    }

    /// `model` at the centres of a `resolution` × `resolution` grid of cells over the ranges,
    /// row 0 at the bottom.
    static func evaluate<Output>(_ model: (Double, Double) throws -> Output, x: ClosedRange<Double>, y: ClosedRange<Double>,
                                 resolution: Int) rethrows -> [[Output]] {
        let n = Swift.min(Swift.max(resolution, 1), 1000)
        let (xs, ys) = (PlotInterval(x), PlotInterval(y))
        let centres = { (interval: PlotInterval) in
            (0..<n).map { interval.lower + (Double($0) + 0.5) / Double(n) * interval.span }
        }
        let columns = centres(xs)
        return try centres(ys).map { y in try columns.map { x in try model(x, y) } }
    }

    /// How many classes the chart shows: enough for every label, name and predicted class.
    var classCount: Int {
        var count = classNames.count
        if let largest = points.map(\.label).max() { count = Swift.max(count, largest + 1) }
        switch grid {
        case .scores: count = Swift.max(count, 2)
        case .classes(let classes): count = Swift.max(count, (classes.lazy.compactMap { $0.max() }.max() ?? -1) + 1)
        }
        return count
    }

    var legendEntries: [LegendEntry] {
        (0..<Swift.min(classCount, 50)).map { index in
            LegendEntry(label: index < classNames.count ? classNames[index] : "class \(index)",
                        color: classColor(index), marker: .dot)
        }
    }

    func classColor(_ index: Int) -> SVGColor {
        index >= 0 ? Palette.color(index) : SVGColor(hex: 0x999999)
    }

    /// One rectangle per cell, slightly overlapping its neighbours so that no seams show.
    func cells(in plot: PlotRect) -> [SVGElement] {
        let colors = cellColors
        let rows = colors.count
        let columns = colors.map(\.count).max() ?? 0
        guard rows > 0, columns > 0 else { return [] }
        let width = plot.width / Double(columns)
        let height = plot.height / Double(rows)
        var cells: [SVGElement] = []
        cells.reserveCapacity(rows * columns)
        for (r, row) in colors.enumerated() {
            let top = plot.maxY - Double(r + 1) * height
            for (c, color) in row.enumerated() {
                let cell = PlotRect(x: plot.minX + Double(c) * width, y: top, width: width + 0.5, height: height + 0.5)
                cells.append(.rect(cell, style: .filled(color)))
            }
        }
        return cells
    }

    /// The colour of each cell: a pale tint of its class, stronger with the model's confidence.
    var cellColors: [[SVGColor]] {
        let unknown = SVGColor(hex: 0xEEEEEE)
        switch grid {
        case let .classes(classes):
            return classes.map { row in row.map { $0 >= 0 ? SVGColor.white.mixed(with: classColor($0), amount: 0.4) : unknown } }
        case let .scores(scores, threshold):
            let margins = scores.joined().map { abs($0 - threshold) }.filter(\.isFinite)
            var scale = scoreScale ?? margins.max() ?? 1
            if !(scale.isFinite && scale > 0) { scale = 1 }
            return scores.map { row in
                row.map { score in
                    guard !score.isNaN else { return unknown }
                    let confidence = Swift.min(1, abs(score - threshold) / scale)
                    return SVGColor.white.mixed(with: classColor(score > threshold ? 1 : 0), amount: 0.18 + 0.42 * confidence)
                }
            }
        }
    }
}
