// Writing SVG documents as text: one element per line, numbers with at most two decimals, and
// text escaped for XML.

extension SVGDocument {
    /// The document as SVG markup, ready to save as a `.svg` file or embed in HTML.
    public var markup: String {
        var writer = SVGMarkupWriter()
        let w = SVGMarkupWriter.number(width)
        let h = SVGMarkupWriter.number(height)
        writer.line("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\""
            + " font-family=\"\(SVGMarkupWriter.escape(fontFamily))\">")
        if let background {
            writer.line("<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"\(background.hexString)\"/>")
        }
        for element in elements { writer.write(element) }
        writer.line("</svg>")
        return writer.text
    }
}

/// Builds SVG markup element by element, numbering clip paths as it goes so that their ids are
/// unique within the document.
struct SVGMarkupWriter {
    private(set) var text = ""
    private var clipCount = 0
    private var depth = 0

    mutating func line(_ content: String) {
        text += String(repeating: " ", count: depth) + content + "\n"
    }

    mutating func write(_ element: SVGElement) {
        let n = Self.number
        switch element {
        case let .line(from, to, style):
            line("<line x1=\"\(n(from.x))\" y1=\"\(n(from.y))\" x2=\"\(n(to.x))\" y2=\"\(n(to.y))\"\(Self.attributes(style))/>")
        case let .polyline(points, style):
            let coordinates = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
            var unfilled = style
            unfilled.fill = nil
            line("<polyline points=\"\(coordinates)\" fill=\"none\"\(Self.attributes(unfilled))/>")
        case let .rect(rect, style):
            line("<rect x=\"\(n(rect.x))\" y=\"\(n(rect.y))\" width=\"\(n(Swift.max(0, rect.width)))\""
                + " height=\"\(n(Swift.max(0, rect.height)))\"\(Self.attributes(style, shape: true))/>")
        case let .circle(center, radius, style):
            line("<circle cx=\"\(n(center.x))\" cy=\"\(n(center.y))\" r=\"\(n(Swift.max(0, radius)))\"\(Self.attributes(style, shape: true))/>")
        case let .text(content, point, style):
            line("<text x=\"\(n(point.x))\" y=\"\(n(point.y))\"\(Self.attributes(style, at: point))>\(Self.escape(content))</text>")
        case let .group(children, clip, style):
            var opening = "<g"
            if let clip {
                clipCount += 1
                let id = "clip\(clipCount)"
                line("<clipPath id=\"\(id)\"><rect x=\"\(n(clip.x))\" y=\"\(n(clip.y))\" width=\"\(n(Swift.max(0, clip.width)))\""
                    + " height=\"\(n(Swift.max(0, clip.height)))\"/></clipPath>")
                opening += " clip-path=\"url(#\(id))\""
            }
            if let style { opening += Self.attributes(style) }
            line(opening + ">")
            depth += 1
            for child in children { write(child) }
            depth -= 1
            line("</g>")
        }
    }

    /// A coordinate or length: at most two decimals, no trailing zeros. Non-finite values (from
    /// degenerate data) become 0 and huge ones are clamped, so the markup always parses.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        return NumberFormat.compact(Swift.min(1e7, Swift.max(-1e7, x)), decimals: 2)
    }

    /// Text made safe for XML content and attribute values: markup characters become entities,
    /// and control characters that XML 1.0 forbids become spaces.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                escaped += " "
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// The style's attributes. A `shape` (rectangle, circle) with a stroke but no fill is
    /// unfilled, rather than SVG's default black.
    private static func attributes(_ style: SVGStyle, shape: Bool = false) -> String {
        var text = ""
        if let fill = style.fill {
            text += " fill=\"\(fill.hexString)\""
        } else if shape, style.stroke != nil {
            text += " fill=\"none\""
        }
        if let stroke = style.stroke { text += " stroke=\"\(stroke.hexString)\"" }
        if let width = style.strokeWidth { text += " stroke-width=\"\(number(width))\"" }
        if !style.dash.isEmpty { text += " stroke-dasharray=\"\(style.dash.map(number).joined(separator: " "))\"" }
        if style.opacity < 1 { text += " opacity=\"\(number(Swift.max(0, style.opacity)))\"" }
        if style.crispEdges { text += " shape-rendering=\"crispEdges\"" }
        return text
    }

    private static func attributes(_ style: SVGTextStyle, at point: SVGPoint) -> String {
        var text = " font-size=\"\(number(style.size))\" fill=\"\(style.color.hexString)\""
        if style.anchor != .start { text += " text-anchor=\"\(style.anchor.rawValue)\"" }
        if style.bold { text += " font-weight=\"bold\"" }
        // Offsets in em rather than dominant-baseline, which not every renderer honours.
        switch style.baseline {
        case .alphabetic: break
        case .middle: text += " dy=\"0.35em\""
        case .top: text += " dy=\"0.75em\""
        }
        if style.rotation != 0, style.rotation.isFinite {
            text += " transform=\"rotate(\(number(style.rotation)) \(number(point.x)) \(number(point.y)))\""
        }
        return text
    }
}
