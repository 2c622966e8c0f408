// Fixed-point and significant-digit text for charts and progress lines, in plain Swift (no
// `String(format:)`), so that the output is the same on every platform and locale.

extension NumberFormat {
    /// `x` with exactly `decimals` digits after the point: `fixed(3.14159, decimals: 2)` is
    /// `3.14`, `fixed(2, decimals: 3)` is `2.000`. Rounds half away from zero; never prints `-0`.
    /// Numbers too large for fixed-point text (beyond about 1e15) fall back to ``shortest(_:)``.
    public static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return shortest(x) }
        let decimals = Swift.max(0, Swift.min(decimals, 12))
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (Swift.abs(x) * scale).rounded()
        guard scaled < 9e15 else { return shortest(x) }
        let units = Int64(scaled)
        let power = Int64(scale)
        let whole = String(units / power)
        let sign = x < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return sign + whole }
        let fraction = String(units % power)
        return sign + whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// `x` with at most `decimals` digits after the point and no trailing zeros: `1.5`, `2`,
    /// `0.33`. For coordinates in markup, where a short text matters more than a fixed width.
    public static func compact(_ x: Double, decimals: Int = 2) -> String {
        var text = fixed(x, decimals: decimals)
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A fraction as a percentage with `decimals` decimals: `percent(0.9723)` is `97.2%`.
    public static func percent(_ fraction: Double, decimals: Int = 1) -> String {
        fraction.isFinite ? fixed(fraction * 100, decimals: decimals) + "%" : shortest(fraction)
    }

    /// `x` to `digits` significant digits, keeping trailing zeros so that the width stays steady
    /// as the value changes: `0.1000`, `1.235`, `123.5`, `1235`; in scientific notation below
    /// 0.001 and from 10^digits on (`1.235e-05`, `1.235e+04`).
    public static func significantFixed(_ x: Double, digits: Int = 4) -> String {
        guard x.isFinite else { return shortest(x) }
        let digits = Swift.max(1, digits)
        guard x != 0 else { return fixed(0, decimals: digits - 1) }
        var exponent = decimalExponent(of: x)
        // Rounding can carry into a new digit (9.99996 → 10.00): recompute from the rounded value.
        let rounded = roundedToSignificant(x, digits: digits, exponent: exponent)
        if rounded != 0 { exponent = decimalExponent(of: rounded) }
        if exponent >= -3 && exponent < digits {
            return fixed(x, decimals: Swift.max(0, digits - 1 - exponent))
        }
        var mantissa = rounded
        for _ in 0..<Swift.abs(exponent) { mantissa = exponent > 0 ? mantissa / 10 : mantissa * 10 }
        let magnitude = String(Swift.abs(exponent))
        let exponentText = (exponent < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
        return fixed(mantissa, decimals: digits - 1) + "e" + exponentText
    }

    /// The power of ten of `x`'s leading digit: 2 for 345, -3 for 0.0012. `x` must be finite and
    /// non-zero.
    static func decimalExponent(of x: Double) -> Int {
        var exponent = 0
        var m = Swift.abs(x)
        while m >= 10 { m /= 10; exponent += 1 }
        while m < 1 { m *= 10; exponent -= 1 }
        return exponent
    }

    private static func roundedToSignificant(_ x: Double, digits: Int, exponent: Int) -> Double {
        let shift = digits - 1 - exponent
        var scale = 1.0
        for _ in 0..<Swift.abs(shift) { scale *= 10 }
        guard scale.isFinite, scale > 0 else { return x }
        return shift >= 0 ? (x * scale).rounded() / scale : (x / scale).rounded() * scale
    }
}
