// Figures: several charts in one picture, in a grid of equal panels, e.g. loss | accuracy |
// decision boundary for a training run.

/// Charts laid out in a grid of equal panels, filled row by row, under an optional title.
///
/// ```swift
/// let figure = Figure(title: "moons, 2-16-16-1 MLP", columns: 3, panels: [lossChart, accuracyChart, boundaryChart])
/// try figure.document(panelWidth: 420, panelHeight: 360).write(to: "training.svg")
/// ```
public struct Figure: Chart {
    /// A bold title centred above the panels; empty for none.
    public var title: String
    /// Panels per row; the number of rows follows from the number of panels.
    public var columns: Int
    /// The charts, placed row by row.
    public var panels: [any Chart]

    /// A figure of `panels`; fewer than one column becomes one.
    ///
    /// - Parameter columns: panels per row; `nil` puts all panels in one row.
    public init(title: String = "", columns: Int? = nil, panels: [any Chart]) {
        self.title = title
        self.columns = Swift.max(1, columns ?? panels.count)
        self.panels = panels
    }

    /// The number of rows of panels.
    public var rows: Int {
        (panels.count + columns - 1) / columns
    }

    /// The rectangle of each panel within `frame`, in the order of ``panels``.
    public func panelFrames(in frame: PlotRect) -> [PlotRect] {
        guard !panels.isEmpty else { return [] }
        let body = frame.inset(top: titleHeight)
        let width = body.width / Double(columns)
        let height = body.height / Double(rows)
        return panels.indices.map { index in
            PlotRect(x: body.minX + Double(index % columns) * width, y: body.minY + Double(index / columns) * height,
                     width: width, height: height)
        }
    }

    /// The title, then each panel drawn into its frame from ``panelFrames(in:)`` as a group.
    public func draw(in frame: PlotRect) -> [SVGElement] {
        var elements: [SVGElement] = []
        if !title.isEmpty {
            let size = ChartStyle.titleSize + 3
            let shown = TextMetrics.shortened(title, toFit: frame.width - 2 * ChartStyle.padding, size: size, bold: true)
            elements.append(.text(shown, at: SVGPoint(x: frame.midX, y: frame.minY + ChartStyle.padding),
                                  style: SVGTextStyle(size: size, anchor: .middle, baseline: .top, bold: true)))
        }
        for (panel, rect) in zip(panels, panelFrames(in: frame)) {
            elements.append(.group(panel.draw(in: rect)))
        }
        return elements
    }

    /// The figure in a document sized so that each panel gets the given size.
    public func document(panelWidth: Double = 420, panelHeight: Double = 340) -> SVGDocument {
        document(width: panelWidth * Double(columns), height: panelHeight * Double(Swift.max(1, rows)) + titleHeight)
    }

    private var titleHeight: Double {
        title.isEmpty ? 0 : ChartStyle.titleSize + 3 + ChartStyle.padding + 4
    }
}
