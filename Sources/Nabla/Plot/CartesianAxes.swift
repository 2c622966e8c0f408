// The frame around x-y charts: title, legend, axes with ticks and labels, and grid lines. Line
// charts and decision boundaries share it, so their panels line up in a figure.

/// The decorations of an x-y chart, and the layout that leaves room for them.
struct CartesianAxes {
    var title: String
    var xLabel: String
    var yLabel: String
    var xTicks: AxisTicks
    var yTicks: AxisTicks
    var legend: [LegendEntry]
    /// Grid lines at the ticks, behind the data.
    var showsGrid: Bool = true

    /// Where things go in a given frame.
    struct Layout {
        var frame: PlotRect
        /// The data area.
        var plot: PlotRect
        var x: LinearScale
        var y: LinearScale
        var legend: Legend
        var legendOrigin: SVGPoint
    }

    func layout(in frame: PlotRect) -> Layout {
        let area = frame.inset(by: ChartStyle.padding)
        let yLabelWidth = yTicks.labels.map { TextMetrics.width(of: $0, size: ChartStyle.tickLabelSize) }.max() ?? 0
        let left = yLabelWidth + ChartStyle.tickLength + 4 + (yLabel.isEmpty ? 0 : ChartStyle.axisTitleSize + 6)
        // Room for half of the last x label, which is centred on the plot's right edge.
        let lastXLabel = xTicks.labels.last.map { TextMetrics.width(of: $0, size: ChartStyle.tickLabelSize) } ?? 0
        let right = Swift.max(4, lastXLabel / 2 - ChartStyle.padding + 2)
        let bottom = ChartStyle.tickLength + ChartStyle.tickLabelSize + 6 + (xLabel.isEmpty ? 0 : ChartStyle.axisTitleSize + 8)
        let titleHeight = title.isEmpty ? 0 : ChartStyle.titleSize + 8
        let legend = Legend(self.legend, width: Swift.max(0, area.width - left - right))
        let top = titleHeight + legend.height + (legend.height > 0 ? 6 : 0)
        let plot = area.inset(top: top, left: left, bottom: bottom, right: right)
        return Layout(frame: frame, plot: plot,
                      x: LinearScale(domain: xTicks.interval, start: plot.minX, end: plot.maxX),
                      y: LinearScale(domain: yTicks.interval, start: plot.maxY, end: plot.minY),
                      legend: legend,
                      legendOrigin: SVGPoint(x: plot.minX, y: area.minY + titleHeight))
    }

    /// Grid lines, to draw before the data.
    func background(_ layout: Layout) -> [SVGElement] {
        guard showsGrid else { return [] }
        let plot = layout.plot
        var lines: [SVGElement] = []
        for value in xTicks.values {
            let x = layout.x(value)
            lines.append(.line(from: SVGPoint(x: x, y: plot.minY), to: SVGPoint(x: x, y: plot.maxY), style: SVGStyle()))
        }
        for value in yTicks.values {
            let y = layout.y(value)
            lines.append(.line(from: SVGPoint(x: plot.minX, y: y), to: SVGPoint(x: plot.maxX, y: y), style: SVGStyle()))
        }
        return [.group(lines, style: .stroked(.grid, width: 1))]
    }

    /// Axis lines, ticks, tick labels, axis titles, chart title and legend, to draw after the data.
    func foreground(_ layout: Layout) -> [SVGElement] {
        let plot = layout.plot
        var elements: [SVGElement] = [
            .rect(plot, style: SVGStyle(stroke: .axis, strokeWidth: 1)),
        ]
        let tickStyle = SVGTextStyle(size: ChartStyle.tickLabelSize, color: .mutedInk, anchor: .middle, baseline: .top)
        var marks: [SVGElement] = []
        // x labels: every one that fits, thinning to every second, third... when they would touch.
        let xLabels = xTicks.labels
        let widest = xLabels.map { TextMetrics.width(of: $0, size: ChartStyle.tickLabelSize) }.max() ?? 0
        let spacing = xTicks.values.count > 1 ? abs(layout.x(xTicks.values[1]) - layout.x(xTicks.values[0])) : .infinity
        let stride = spacing > 0 ? Swift.max(1, Int(((widest + 8) / spacing).rounded(.up))) : 1
        for (i, value) in xTicks.values.enumerated() {
            let x = layout.x(value)
            marks.append(.line(from: SVGPoint(x: x, y: plot.maxY), to: SVGPoint(x: x, y: plot.maxY + ChartStyle.tickLength),
                               style: SVGStyle()))
            if i % stride == 0 {
                elements.append(.text(xLabels[i], at: SVGPoint(x: x, y: plot.maxY + ChartStyle.tickLength + 3), style: tickStyle))
            }
        }
        var yStyle = tickStyle
        yStyle.anchor = .end
        yStyle.baseline = .middle
        for (value, label) in zip(yTicks.values, yTicks.labels) {
            let y = layout.y(value)
            marks.append(.line(from: SVGPoint(x: plot.minX - ChartStyle.tickLength, y: y), to: SVGPoint(x: plot.minX, y: y),
                               style: SVGStyle()))
            elements.append(.text(label, at: SVGPoint(x: plot.minX - ChartStyle.tickLength - 3, y: y), style: yStyle))
        }
        elements.append(.group(marks, style: .stroked(.axis, width: 1)))
        let axisTitle = SVGTextStyle(size: ChartStyle.axisTitleSize, color: .mutedInk, anchor: .middle)
        if !xLabel.isEmpty {
            elements.append(.text(xLabel, at: SVGPoint(x: plot.midX, y: layout.frame.maxY - ChartStyle.padding - 2), style: axisTitle))
        }
        if !yLabel.isEmpty {
            var rotated = axisTitle
            rotated.rotation = -90
            rotated.baseline = .top
            elements.append(.text(yLabel, at: SVGPoint(x: layout.frame.minX + ChartStyle.padding, y: plot.midY), style: rotated))
        }
        if !title.isEmpty {
            let shown = TextMetrics.shortened(title, toFit: layout.frame.width - 2 * ChartStyle.padding,
                                              size: ChartStyle.titleSize, bold: true)
            elements.append(.text(shown, at: SVGPoint(x: layout.frame.midX, y: layout.frame.minY + ChartStyle.padding),
                                  style: SVGTextStyle(size: ChartStyle.titleSize, anchor: .middle, baseline: .top, bold: true)))
        }
        elements.append(contentsOf: layout.legend.draw(at: layout.legendOrigin))
        return elements
    }
}
