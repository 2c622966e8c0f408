// Colours for charts: sRGB values written as `#rrggbb`, blends, and a palette that colour-blind
// readers can tell apart.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An opaque sRGB colour with components in 0...1.
public struct SVGColor: Hashable, Sendable {
    /// The red component, 0...1 (clamped by the initialisers).
    public var red: Double
    /// The green component, 0...1 (clamped by the initialisers).
    public var green: Double
    /// The blue component, 0...1 (clamped by the initialisers).
    public var blue: Double

    /// A colour from components in 0...1; values outside are clamped, NaN reads as 0.
    public init(red: Double, green: Double, blue: Double) {
        self.red = Self.clamp(red)
        self.green = Self.clamp(green)
        self.blue = Self.clamp(blue)
    }

    /// A colour from a 24-bit value written in hex: `SVGColor(hex: 0x0072B2)`.
    public init(hex: UInt32) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255,
                  green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255)
    }

    /// The colour as SVG writes it: `#0072b2`.
    public var hexString: String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for component in [red, green, blue] {
            let byte = Int((component * 255).rounded())
            text.append(digits[byte / 16])
            text.append(digits[byte % 16])
        }
        return text
    }

    /// The colour a fraction `amount` (0...1) of the way towards `other`.
    public func mixed(with other: SVGColor, amount: Double) -> SVGColor {
        let t = Self.clamp(amount)
        return SVGColor(red: red + (other.red - red) * t,
                        green: green + (other.green - green) * t,
                        blue: blue + (other.blue - blue) * t)
    }

    /// Relative luminance (0 black ... 1 white), to choose dark or light text on a fill.
    public var luminance: Double {
        func linear(_ c: Double) -> Double {
            c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    private static func clamp(_ x: Double) -> Double {
        x.isNaN ? 0 : Swift.min(1, Swift.max(0, x))
    }
}

extension SVGColor {
    /// `#ffffff`: document backgrounds.
    public static let white = SVGColor(hex: 0xFFFFFF)
    /// `#000000`.
    public static let black = SVGColor(hex: 0x000000)
    /// Text and outlines.
    public static let ink = SVGColor(hex: 0x222222)
    /// Secondary text: tick labels, axis titles.
    public static let mutedInk = SVGColor(hex: 0x555555)
    /// Axis lines and frames.
    public static let axis = SVGColor(hex: 0x888888)
    /// Grid lines behind the data.
    public static let grid = SVGColor(hex: 0xE5E5E5)
}

/// Series and class colours from Okabe and Ito's palette, which stays distinguishable under the
/// common forms of colour blindness. The order puts the most contrasting pairs first (blue and
/// vermillion for two classes) and leaves yellow, weak on white, for last.
public enum Palette {
    /// The eight colours in order: blue, vermillion, bluish green, orange, reddish purple, sky
    /// blue, black, yellow.
    public static let colors: [SVGColor] = [
        SVGColor(hex: 0x0072B2), // blue
        SVGColor(hex: 0xD55E00), // vermillion
        SVGColor(hex: 0x009E73), // bluish green
        SVGColor(hex: 0xE69F00), // orange
        SVGColor(hex: 0xCC79A7), // reddish purple
        SVGColor(hex: 0x56B4E9), // sky blue
        SVGColor(hex: 0x000000), // black
        SVGColor(hex: 0xF0E442), // yellow
    ]

    /// The `index`th colour, cycling when there are more series than colours; negative indices
    /// count from the end.
    public static func color(_ index: Int) -> SVGColor {
        let n = colors.count
        return colors[((index % n) + n) % n]
    }
}
