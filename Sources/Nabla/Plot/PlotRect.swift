// Geometry for drawing: points and rectangles in SVG user units (y grows downwards), and the
// linear map from data values to positions.

/// A point in SVG user units.
public struct SVGPoint: Hashable, Sendable {
    /// The horizontal position, growing rightwards.
    public var x: Double
    /// The vertical position, growing downwards.
    public var y: Double

    /// The point at (`x`, `y`).
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A rectangle in SVG user units: `(x, y)` is the top-left corner.
public struct PlotRect: Hashable, Sendable {
    /// The left edge.
    public var x: Double
    /// The top edge.
    public var y: Double
    /// The horizontal extent.
    public var width: Double
    /// The vertical extent, downwards from ``y``.
    public var height: Double

    /// The rectangle with top-left corner (`x`, `y`) and the given size (stored as given).
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The left edge, ``x``.
    public var minX: Double { x }
    /// The right edge, x + width.
    public var maxX: Double { x + width }
    /// The top edge, ``y``.
    public var minY: Double { y }
    /// The bottom edge, y + height.
    public var maxY: Double { y + height }
    /// The horizontal centre, x + width/2.
    public var midX: Double { x + width / 2 }
    /// The vertical centre, y + height/2.
    public var midY: Double { y + height / 2 }

    /// The rectangle shrunk by the given margins; never narrower or shorter than zero.
    public func inset(top: Double = 0, left: Double = 0, bottom: Double = 0, right: Double = 0) -> PlotRect {
        PlotRect(x: x + left, y: y + top,
                 width: Swift.max(0, width - left - right), height: Swift.max(0, height - top - bottom))
    }

    /// The rectangle shrunk by `amount` on every side.
    public func inset(by amount: Double) -> PlotRect {
        inset(top: amount, left: amount, bottom: amount, right: amount)
    }
}

/// A closed interval of data values that is always usable for drawing: finite, with
/// `lower < upper`. Built from anything, including NaN or equal bounds, without trapping (unlike
/// `ClosedRange`, whose initialiser traps on NaN).
public struct PlotInterval: Hashable, Sendable {
    /// The smaller bound, finite.
    public private(set) var lower: Double
    /// The larger bound, finite and above ``lower``.
    public private(set) var upper: Double

    /// The interval between `a` and `b` in either order. Equal bounds are widened around the value
    /// (by half its size, or by 1 around zero); non-finite bounds fall back to 0...1.
    public init(_ a: Double, _ b: Double) {
        guard a.isFinite, b.isFinite else {
            self.init(validLower: 0, upper: 1)
            return
        }
        var (lo, hi) = (Swift.min(a, b), Swift.max(a, b))
        // Spans beyond the largest Double (-1e308...1e308) are shrunk so that positions stay finite.
        if !(hi - lo).isFinite { (lo, hi) = (lo / 4, hi / 4) }
        if hi - lo <= Swift.max(Swift.abs(lo), Swift.abs(hi)) * 1e-12 {
            let middle = lo / 2 + hi / 2
            let pad = middle == 0 ? 1 : Swift.abs(middle) / 2
            let largest = Double.greatestFiniteMagnitude
            (lo, hi) = (Swift.max(middle - pad, -largest), Swift.min(middle + pad, largest))
        }
        self.init(validLower: lo, upper: hi)
    }

    /// The interval of a range.
    public init(_ range: ClosedRange<Double>) {
        self.init(range.lowerBound, range.upperBound)
    }

    /// The smallest interval holding every finite value, or `nil` when there are none.
    public init?<S: Sequence>(enclosing values: S) where S.Element == Double {
        var lo = Double.infinity
        var hi = -Double.infinity
        for v in values where v.isFinite {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        guard lo <= hi else { return nil }
        self.init(lo, hi)
    }

    private init(validLower: Double, upper: Double) {
        self.lower = validLower
        self.upper = upper
    }

    /// upper − lower, always positive.
    public var span: Double { upper - lower }

    /// The interval widened by `fraction` of its span on each side.
    public func padded(by fraction: Double) -> PlotInterval {
        let pad = span * fraction
        return PlotInterval(lower - pad, upper + pad)
    }

    /// Where `value` lies, 0 at `lower` and 1 at `upper`.
    public func fraction(of value: Double) -> Double {
        (value - lower) / span
    }

    /// Whether lower ≤ `value` ≤ upper (false for NaN).
    public func contains(_ value: Double) -> Bool {
        value >= lower && value <= upper
    }
}

/// A linear map from a data interval to a span of positions, such as x values to pixels.
struct LinearScale: Sendable {
    var domain: PlotInterval
    /// The positions of `domain.lower` and `domain.upper`; `start > end` flips the axis (for y).
    var start: Double
    var end: Double

    func callAsFunction(_ value: Double) -> Double {
        start + domain.fraction(of: value) * (end - start)
    }
}
