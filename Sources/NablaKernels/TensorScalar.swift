#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element types of tensors: `Float` and `Double`. The elementary functions are the C
/// library's (`expf`/`exp`, …), so results match C, NumPy and PyTorch on the same machine,
/// except `Double`'s `tanh`, which is Nabla's own (``HyperbolicTangent``): within 1.5 ulp of
/// the exact value, as the C library's is within about 2.
public protocol TensorScalar: BinaryFloatingPoint, Sendable, MatmulScalar, SummationScalar, PatchScalar where Self.RawSignificand: FixedWidthInteger {
    /// eˣ, the C library's `expf`/`exp`.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm ln x (`logf`/`log`): −∞ at 0, NaN below 0.
    static func log(_ x: Self) -> Self
    /// sin x, x in radians (`sinf`/`sin`).
    static func sin(_ x: Self) -> Self
    /// cos x, x in radians (`cosf`/`cos`).
    static func cos(_ x: Self) -> Self
    /// The hyperbolic tangent, (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) (`tanhf`/`tanh`).
    static func tanh(_ x: Self) -> Self
    /// The error function, (2/√π) ∫₀ˣ e^(−t²) dt (`erff`/`erf`).
    static func erf(_ x: Self) -> Self
    /// ln(1 + x), accurate for small x (`log1pf`/`log1p`).
    static func log1p(_ x: Self) -> Self
    /// eˣ − 1, accurate for small x (`expm1f`/`expm1`).
    static func expm1(_ x: Self) -> Self
    /// The angle of the point (x, y) in (−π, π] (`atan2f`/`atan2`, with y first).
    static func atan2(_ y: Self, _ x: Self) -> Self
    /// xʸ as C's `pow` defines it (a negative base with an integral exponent is allowed).
    static func pow(_ x: Self, _ y: Self) -> Self
    /// The type's name as NumPy and PyTorch print it: `float32`, `float64`.
    static var dtypeName: String { get }
    /// `condition ? a : b`, computed with bit masks rather than a branch, so loops over tensors
    /// vectorise and do not mispredict on data-dependent conditions.
    static func select(_ condition: Bool, _ a: Self, _ b: Self) -> Self
}

extension Double: TensorScalar {
    /// eˣ, by C's `exp`.
    @inlinable public static func exp(_ x: Double) -> Double { Glibc_exp(x) }
    /// ln x, by C's `log`.
    @inlinable public static func log(_ x: Double) -> Double { Glibc_log(x) }
    /// sin x, by C's `sin`.
    @inlinable public static func sin(_ x: Double) -> Double { Glibc_sin(x) }
    /// cos x, by C's `cos`.
    @inlinable public static func cos(_ x: Double) -> Double { Glibc_cos(x) }
    /// tanh x, by Nabla's own ``HyperbolicTangent/tanh(_:)`` (about half the C library's
    /// latency, within 1.5 ulp), the same bits in every engine and in emitted code.
    @inlinable public static func tanh(_ x: Double) -> Double { HyperbolicTangent.tanh(x) }
    /// erf x, by C's `erf`.
    @inlinable public static func erf(_ x: Double) -> Double { Glibc_erf(x) }
    /// ln(1 + x), by C's `log1p`.
    @inlinable public static func log1p(_ x: Double) -> Double { Glibc_log1p(x) }
    /// eˣ − 1, by C's `expm1`.
    @inlinable public static func expm1(_ x: Double) -> Double { Glibc_expm1(x) }
    /// atan2(y, x), by C's `atan2`.
    @inlinable public static func atan2(_ y: Double, _ x: Double) -> Double { Glibc_atan2(y, x) }
    /// xʸ, by C's `pow`.
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Glibc_pow(x, y) }
    /// The dtype name NumPy and PyTorch print, `"float64"`.
    public static var dtypeName: String { "float64" }
    /// `condition ? a : b` by masking the 64-bit patterns, without a branch.
    @inlinable @inline(__always)
    public static func select(_ condition: Bool, _ a: Double, _ b: Double) -> Double {
        let mask = UInt64(0) &- UInt64(condition ? 1 : 0)
        return Double(bitPattern: (a.bitPattern & mask) | (b.bitPattern & ~mask))
    }
}

extension Float: TensorScalar {
    /// eˣ, by C's `expf`.
    @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
    /// ln x, by C's `logf`.
    @inlinable public static func log(_ x: Float) -> Float { logf(x) }
    /// sin x, by C's `sinf`.
    @inlinable public static func sin(_ x: Float) -> Float { sinf(x) }
    /// cos x, by C's `cosf`.
    @inlinable public static func cos(_ x: Float) -> Float { cosf(x) }
    /// tanh x, by C's `tanhf`.
    @inlinable public static func tanh(_ x: Float) -> Float { tanhf(x) }
    /// erf x, by C's `erff`.
    @inlinable public static func erf(_ x: Float) -> Float { erff(x) }
    /// ln(1 + x), by C's `log1pf`.
    @inlinable public static func log1p(_ x: Float) -> Float { log1pf(x) }
    /// eˣ − 1, by C's `expm1f`.
    @inlinable public static func expm1(_ x: Float) -> Float { expm1f(x) }
    /// atan2(y, x), by C's `atan2f`.
    @inlinable public static func atan2(_ y: Float, _ x: Float) -> Float { atan2f(y, x) }
    /// xʸ, by C's `powf`.
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    /// The dtype name NumPy and PyTorch print, `"float32"`.
    public static var dtypeName: String { "float32" }
    /// `condition ? a : b` by masking the 32-bit patterns, without a branch.
    @inlinable @inline(__always)
    public static func select(_ condition: Bool, _ a: Float, _ b: Float) -> Float {
        let mask = UInt32(0) &- UInt32(condition ? 1 : 0)
        return Float(bitPattern: (a.bitPattern & mask) | (b.bitPattern & ~mask))
    }
}

// The C functions under names that the static methods above do not shadow.
@inlinable func Glibc_exp(_ x: Double) -> Double { exp(x) }
@inlinable func Glibc_log(_ x: Double) -> Double { log(x) }
@inlinable func Glibc_sin(_ x: Double) -> Double { sin(x) }
@inlinable func Glibc_cos(_ x: Double) -> Double { cos(x) }
@inlinable func Glibc_erf(_ x: Double) -> Double { erf(x) }
@inlinable func Glibc_log1p(_ x: Double) -> Double { log1p(x) }
@inlinable func Glibc_expm1(_ x: Double) -> Double { expm1(x) }
@inlinable func Glibc_atan2(_ y: Double, _ x: Double) -> Double { atan2(y, x) }
@inlinable func Glibc_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
