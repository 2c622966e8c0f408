#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Nabla's own hyperbolic tangent in `Double`, used by every engine (dynamic, static, tensors,
/// loops) and written out by `nabla emit`, so that all of them agree bit for bit.
///
/// The C library's `tanh` goes through `expm1` with several branches and takes about 35 ns on
/// the machines Nabla is measured on; a chain such as W2 (`x = tanh(1.01x + 0.1)`, a million
/// steps) waits for each result before the next step can start, so that latency is the whole
/// forward pass. This one takes about half of it and stays within 1.5 ulp of the exact value
/// (the C library's is within about 2 ulp):
///
/// - |x| < 0.55: tanh x = x + x³·P(x²), with P of degree 10 fitted to (tanh x − x)/x³ at the
///   Chebyshev nodes of [0, 0.55²] (fit error below 10⁻¹⁷, so rounding dominates). The terms
///   are grouped as Estrin's scheme does, to shorten the chain of dependent operations.
/// - 0.55 ≤ |x| < 22: tanh x = 1 − 2/(e^(2x) + 1), with the C library's `exp`. From 0.55 on the
///   quotient is below ½, so the subtraction does not cancel.
/// - |x| ≥ 22: ±1 (1 − tanh 22 ≈ 1.6·10⁻¹⁹ is below half an ulp of 1).
///
/// It is odd (tanh(−x) = −tanh x, −0 included), and NaN gives NaN.
public enum HyperbolicTangent {
    /// The coefficients of P, constant term first, as `tanh(_:)` uses them and as emitted
    /// source writes them (each literal round-trips exactly).
    public static let polynomial: [Double] = [
        -0.3333333333333333, 0.13333333333332714, -0.053968253967434016, 0.021869488493666944,
        -0.008863234397814355, 0.003592110378689024, -0.001455661830100716, 0.0005889360520074057,
        -0.0002346347410887237, 8.511313685577672e-05, -2.060276537636634e-05,
    ]
    /// Below this magnitude the polynomial is used, from it on the exponential.
    public static let polynomialBound = 0.55
    /// From this magnitude on the result is ±1.
    public static let saturationBound = 22.0

    /// tanh x, as described above.
    @inlinable
    public static func tanh(_ x: Double) -> Double {
        let a = x.magnitude
        let r: Double
        if a < 0.55 {
            let u = a * a, u2 = u * u, u4 = u2 * u2, u8 = u4 * u4
            let p01 = -0.3333333333333333 + 0.13333333333332714 * u
            let p23 = -0.053968253967434016 + 0.021869488493666944 * u
            let p45 = -0.008863234397814355 + 0.003592110378689024 * u
            let p67 = -0.001455661830100716 + 0.0005889360520074057 * u
            let p89 = -0.0002346347410887237 + 8.511313685577672e-05 * u
            let p0123 = p01 + p23 * u2
            let p4567 = p45 + p67 * u2
            let p8910 = p89 + -2.060276537636634e-05 * u2
            let p = (p0123 + p4567 * u4) + p8910 * u8
            r = a + a * u * p
        } else if a < 22 {
            r = 1 - 2 / (Glibc_exp(2 * a) + 1)
        } else if a.isNaN {
            return x
        } else {
            r = 1
        }
        return Double(signOf: x, magnitudeOf: r)
    }
}
