// Estimated text sizes, so that charts can leave room for labels without a font engine.

/// Rough widths of text in a sans-serif font such as Helvetica, from average glyph widths per
/// kind of character. Good to a few percent for labels and numbers, which is enough to keep
/// labels from overlapping or being clipped.
enum TextMetrics {
    /// The width of `text` at font size `size`, in the same units as `size`.
    static func width(of text: String, size: Double, bold: Bool = false) -> Double {
        var ems = 0.0
        for character in text {
            ems += advance(of: character)
        }
        return ems * size * (bold ? 1.06 : 1)
    }

    private static func advance(of character: Character) -> Double {
        switch character {
        case "i", "j", "l", ".", ",", ":", ";", "'", "|", "!", "I": return 0.25
        case "f", "t", "r", "(", ")", "[", "]", " ", "-", "/": return 0.33
        case "m", "w", "M", "W", "%", "@": return 0.86
        case _ where character.isUppercase: return 0.68
        case _ where character.isNumber: return 0.556
        case _ where character.isASCII: return 0.52
        // Wide characters (CJK) take a full em; other scripts about as much as Latin capitals.
        default: return character.unicodeScalars.first.map { $0.value >= 0x2E80 } == true ? 1 : 0.68
        }
    }

    /// `text`, or its longest prefix followed by "…" that fits `width`.
    static func shortened(_ text: String, toFit width: Double, size: Double, bold: Bool = false) -> String {
        guard self.width(of: text, size: size, bold: bold) > width else { return text }
        var prefix = text
        while !prefix.isEmpty, self.width(of: prefix + "…", size: size, bold: bold) > width {
            prefix.removeLast()
        }
        return prefix.isEmpty ? "" : prefix + "…"
    }
}
