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
}
