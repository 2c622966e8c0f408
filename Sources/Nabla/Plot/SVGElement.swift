// The drawing vocabulary of SVG that charts use: lines, polylines, rectangles, circles, text and
// groups, with their presentation styles.

/// One SVG element. Charts produce arrays of these; ``SVGDocument`` writes them out as markup.
public indirect enum SVGElement: Hashable, Sendable {
    /// A straight segment between two points.
    case line(from: SVGPoint, to: SVGPoint, style: SVGStyle)
    /// Connected segments through the points; a polyline is never filled.
    case polyline([SVGPoint], style: SVGStyle)
    /// A rectangle.
    case rect(PlotRect, style: SVGStyle)
    /// A circle of `radius` around `center`.
    case circle(center: SVGPoint, radius: Double, style: SVGStyle)
    /// Text placed at a point; how it sits around the point is up to the style.
    case text(String, at: SVGPoint, style: SVGTextStyle)
    /// Elements drawn together: clipped to a rectangle, and with a style they inherit when given.
    case group([SVGElement], clip: PlotRect? = nil, style: SVGStyle? = nil)
}

/// How a shape is filled and stroked. A `nil` colour is not written, so it is inherited from an
/// enclosing group's style; a rectangle or circle with a stroke and no fill is drawn unfilled.
public struct SVGStyle: Hashable, Sendable {
    /// The interior's colour (SVG's `fill`).
    public var fill: SVGColor?
    /// The outline's or line's colour (SVG's `stroke`).
    public var stroke: SVGColor?
    /// The outline's width in user units (SVG's `stroke-width`); `nil` is not written.
    public var strokeWidth: Double?
    /// Dash and gap lengths; empty for a solid line.
    public var dash: [Double]
    /// Opacity of the whole element, 0...1.
    public var opacity: Double
    /// Draw edges on pixel boundaries without anti-aliasing: for tiled cells, which otherwise
    /// show hairline seams between neighbours.
    public var crispEdges: Bool

    /// A style with the given attributes; by default nothing is written, so everything is
    /// inherited.
    public init(fill: SVGColor? = nil, stroke: SVGColor? = nil, strokeWidth: Double? = nil,
                dash: [Double] = [], opacity: Double = 1, crispEdges: Bool = false) {
        self.fill = fill
        self.stroke = stroke
        self.strokeWidth = strokeWidth
        self.dash = dash
        self.opacity = opacity
        self.crispEdges = crispEdges
    }

    /// A filled shape without outline.
    public static func filled(_ color: SVGColor, opacity: Double = 1) -> SVGStyle {
        SVGStyle(fill: color, opacity: opacity)
    }

    /// An outline or line of the given colour and width.
    public static func stroked(_ color: SVGColor, width: Double = 1, dash: [Double] = []) -> SVGStyle {
        SVGStyle(stroke: color, strokeWidth: width, dash: dash)
    }
}

/// Where text sits horizontally around its point.
public enum SVGTextAnchor: String, Hashable, Sendable {
    /// The text starts, is centred, or ends at its point (SVG's `text-anchor` values).
    case start, middle, end
}

/// Where text sits vertically around its point.
public enum SVGTextBaseline: Hashable, Sendable {
    /// The point is on the text's baseline (SVG's default).
    case alphabetic
    /// The point is at the middle of lowercase letters and digits.
    case middle
    /// The point is at the top of capital letters.
    case top
}

/// The look and placement of a text element.
public struct SVGTextStyle: Hashable, Sendable {
    /// The font size in user units.
    public var size: Double
    /// The text's fill colour.
    public var color: SVGColor
    /// The horizontal placement around the point.
    public var anchor: SVGTextAnchor
    /// The vertical placement around the point.
    public var baseline: SVGTextBaseline
    /// Whether the text is set in bold.
    public var bold: Bool
    /// Degrees clockwise about the text's point: -90 for a y-axis title reading upwards.
    public var rotation: Double

    /// A style with the given attributes: by default 12-unit ``SVGColor/ink`` text starting at
    /// its point, on its baseline, upright.
    public init(size: Double = 12, color: SVGColor = .ink, anchor: SVGTextAnchor = .start,
                baseline: SVGTextBaseline = .alphabetic, bold: Bool = false, rotation: Double = 0) {
        self.size = size
        self.color = color
        self.anchor = anchor
        self.baseline = baseline
        self.bold = bold
        self.rotation = rotation
    }
}
