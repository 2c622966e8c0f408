/// How Nabla prints numbers for people.
public enum NumberFormat {
    /// The shortest text that reads back as the same `Double`, without a trailing `.0` on whole
    /// numbers: `47`, `-0.5`, `1e-300`, `nan`, `inf`.
    public static func shortest(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        if x == x.rounded(), Swift.abs(x) < 1e15 { return x == 0 ? (x.sign == .minus ? "-0" : "0") : String(Int64(x)) }
        return "\(x)"
    }

    /// `x` rounded to a few significant digits, for errors and tolerances: `3.14e-09`.
    public static func significant(_ x: Double, digits: Int = 3) -> String {
        guard x.isFinite, x != 0 else { return shortest(x) }
        var exponent = 0
        var m = Swift.abs(x)
        while m >= 10 { m /= 10; exponent += 1 }
        while m < 1 { m *= 10; exponent -= 1 }
        var scale = 1.0
        for _ in 0..<(digits - 1) { scale *= 10 }
        let mantissa = (m * scale).rounded() / scale
        let sign = x < 0 ? "-" : ""
        if exponent >= -3 && exponent < 6 {
            var value = mantissa
            if exponent > 0 { for _ in 0..<exponent { value *= 10 } } else { for _ in 0..<(-exponent) { value /= 10 } }
            return sign + shortest((value * scale * 1000).rounded() / (scale * 1000))
        }
        return sign + shortest(mantissa) + "e" + (exponent < 0 ? "-" : "") + String(Swift.abs(exponent))
    }
}
