// Legends: a swatch and a name per series or class, laid out in rows that wrap to the width
// available, above the plot so that they never cover data.

/// How a legend entry's swatch looks, matching how its data is drawn.
enum LegendMarker: Hashable, Sendable {
    /// A short line segment, for a series drawn as a line.
    case line
    /// A circle with a dark outline, for points.
    case dot
    /// A filled square, for areas.
    case square
}

/// One name in a legend.
struct LegendEntry: Hashable, Sendable {
    var label: String
    var color: SVGColor
    var marker: LegendMarker
}

/// Entries placed in rows no wider than a given width.
struct Legend {
    static let rowHeight = 18.0
    private static let swatchGap = 5.0
    private static let entryGap = 16.0

    /// An entry with its horizontal offset from the legend's left edge and its label, shortened
    /// with an ellipsis when the whole width cannot hold it.
    private struct Placed {
        var entry: LegendEntry
        var offset: Double
        var label: String
    }

    private var rows: [[Placed]] = []

    init(_ entries: [LegendEntry], width: Double) {
        var row: [Placed] = []
        var x = 0.0
        for entry in entries {
            let swatch = Self.swatchWidth(entry.marker)
            let label = TextMetrics.shortened(entry.label, toFit: width - swatch - Self.swatchGap, size: ChartStyle.legendSize)
            let entryWidth = swatch + Self.swatchGap + TextMetrics.width(of: label, size: ChartStyle.legendSize)
            if !row.isEmpty, x + entryWidth > width {
                rows.append(row)
                row = []
                x = 0
            }
            row.append(Placed(entry: entry, offset: x, label: label))
            x += entryWidth + Self.entryGap
        }
        if !row.isEmpty { rows.append(row) }
    }

    /// The height the legend takes; 0 without entries.
    var height: Double {
        Double(rows.count) * Self.rowHeight
    }

    /// The legend's elements with its top-left corner at `origin`.
    func draw(at origin: SVGPoint) -> [SVGElement] {
        var elements: [SVGElement] = []
        for (r, row) in rows.enumerated() {
            let middle = origin.y + (Double(r) + 0.5) * Self.rowHeight
            for placed in row {
                let x = origin.x + placed.offset
                let swatch = Self.swatchWidth(placed.entry.marker)
                elements.append(Self.swatch(placed.entry, x: x, width: swatch, middle: middle))
                elements.append(.text(placed.label, at: SVGPoint(x: x + swatch + Self.swatchGap, y: middle),
                                      style: SVGTextStyle(size: ChartStyle.legendSize, baseline: .middle)))
            }
        }
        return elements
    }

    private static func swatchWidth(_ marker: LegendMarker) -> Double {
        marker == .line ? 18 : 10
    }

    private static func swatch(_ entry: LegendEntry, x: Double, width: Double, middle: Double) -> SVGElement {
        switch entry.marker {
        case .line:
            return .line(from: SVGPoint(x: x, y: middle), to: SVGPoint(x: x + width, y: middle),
                         style: .stroked(entry.color, width: 2.5))
        case .dot:
            return .circle(center: SVGPoint(x: x + width / 2, y: middle), radius: width / 2,
                           style: SVGStyle(fill: entry.color, stroke: .ink, strokeWidth: 1))
        case .square:
            return .rect(PlotRect(x: x, y: middle - width / 2, width: width, height: width),
                         style: SVGStyle(fill: entry.color, stroke: .axis, strokeWidth: 0.5))
        }
    }
}
