/// A scalar algebra the primitives can be applied in.
///
/// Four types conform: `Double` (plain numbers), ``Value`` (the dynamic graph: computes and
/// records), ``Symbol`` (the static graph: records without computing) and ``Formula`` (printable
/// expressions for explanations). Derivative rules are written once, generically, in this
/// algebra, so a gradient computed in ``Value`` or ``Symbol`` is itself differentiable.
///
/// A conforming type supplies only two things: how to apply a primitive, and how to make a
/// constant that lives where a given value lives. Every operator and function below is written
/// with those, so all four algebras lower `x - 3` or `2 / x` to the same primitives and give
/// bit-identical results.
///
/// Write your own functions generically over this protocol to run them in both modes:
///
/// ```swift
/// func tutorial<T: DifferentiableScalar>(_ a: T, _ o: T) -> T {
///     let b = 5 - 3 * a, c = 2 * b + 3, d = 5 * b + 6
///     let e = 7 * c + pow(d, 2), f = 2 * e
///     return 3 * f - o
/// }
/// ```
public protocol DifferentiableScalar {
    /// Applies `primitive` to `x` (and `y`, for binary primitives; unary ones ignore it) with the
    /// node constant `c`.
    static func apply(_ primitive: Primitive, _ x: Self, _ y: Self, constant c: Double) -> Self
    /// A constant living in the same graph as `self`.
    func constant(_ c: Double) -> Self
}

extension DifferentiableScalar {
    @inlinable @inline(__always)
    static func apply(_ primitive: Primitive, _ x: Self) -> Self { apply(primitive, x, x, constant: 0) }
    @inlinable @inline(__always)
    static func apply(_ primitive: Primitive, _ x: Self, constant c: Double) -> Self { apply(primitive, x, x, constant: c) }

    // MARK: Arithmetic between two values

    @inlinable @inline(__always) public static func + (x: Self, y: Self) -> Self { apply(.add, x, y, constant: 0) }
    @inlinable @inline(__always) public static func - (x: Self, y: Self) -> Self { apply(.subtract, x, y, constant: 0) }
    @inlinable @inline(__always) public static func * (x: Self, y: Self) -> Self { apply(.multiply, x, y, constant: 0) }
    @inlinable @inline(__always) public static func / (x: Self, y: Self) -> Self { apply(.divide, x, y, constant: 0) }
    @inlinable @inline(__always) public static prefix func - (x: Self) -> Self { apply(.negate, x) }

    // MARK: Arithmetic with a constant on either side

    /// `x + c`, one node.
    @inlinable @inline(__always) public static func + (x: Self, c: Double) -> Self { apply(.addConstant, x, constant: c) }
    /// `c + x`, one node (addition is commutative in IEEE arithmetic).
    @inlinable @inline(__always) public static func + (c: Double, x: Self) -> Self { apply(.addConstant, x, constant: c) }
    /// `x - c`, computed as `x + (-c)`, which IEEE arithmetic defines to be the same number.
    @inlinable @inline(__always) public static func - (x: Self, c: Double) -> Self { apply(.addConstant, x, constant: -c) }
    /// `c - x`, computed as `(-x) + c`, which is exactly `c - x` in IEEE arithmetic.
    @inlinable @inline(__always) public static func - (c: Double, x: Self) -> Self { apply(.addConstant, apply(.negate, x), constant: c) }
    /// `x · c`, one node.
    @inlinable @inline(__always) public static func * (x: Self, c: Double) -> Self { apply(.multiplyConstant, x, constant: c) }
    /// `c · x`, one node.
    @inlinable @inline(__always) public static func * (c: Double, x: Self) -> Self { apply(.multiplyConstant, x, constant: c) }
    /// `x / c`: a true division by a constant node (not a multiplication by `1/c`, which rounds
    /// differently).
    @inlinable @inline(__always) public static func / (x: Self, c: Double) -> Self { apply(.divide, x, x.constant(c), constant: 0) }
    /// `c / x`.
    @inlinable @inline(__always) public static func / (c: Double, x: Self) -> Self { apply(.divide, x.constant(c), x, constant: 0) }

    @inlinable @inline(__always) public static func += (x: inout Self, y: Self) { x = x + y }
    @inlinable @inline(__always) public static func -= (x: inout Self, y: Self) { x = x - y }
    @inlinable @inline(__always) public static func *= (x: inout Self, y: Self) { x = x * y }
    @inlinable @inline(__always) public static func /= (x: inout Self, y: Self) { x = x / y }
    @inlinable @inline(__always) public static func += (x: inout Self, c: Double) { x = x + c }
    @inlinable @inline(__always) public static func -= (x: inout Self, c: Double) { x = x - c }
    @inlinable @inline(__always) public static func *= (x: inout Self, c: Double) { x = x * c }
    @inlinable @inline(__always) public static func /= (x: inout Self, c: Double) { x = x / c }
}

// MARK: Functions
// Free functions, so that `exp(a)` reads as in mathematics. For `Double` arguments the C library's
// functions are chosen first, as they are more specific.

/// `x^n` for a constant exponent `n`. Its derivative `n·x^(n−1)` is defined for negative `x`.
@inlinable @inline(__always) public func pow<T: DifferentiableScalar>(_ x: T, _ n: Double) -> T { T.apply(.powerConstant, x, constant: n) }
/// `x^y` for a value exponent. ∂/∂y = x^y · log x is undefined for x ≤ 0.
@inlinable @inline(__always) public func pow<T: DifferentiableScalar>(_ x: T, _ y: T) -> T { T.apply(.power, x, y, constant: 0) }
/// `c^y` for a constant base.
@inlinable @inline(__always) public func pow<T: DifferentiableScalar>(_ c: Double, _ y: T) -> T { T.apply(.power, y.constant(c), y, constant: 0) }
@inlinable @inline(__always) public func exp<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.exp, x) }
@inlinable @inline(__always) public func log<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.log, x) }
@inlinable @inline(__always) public func sqrt<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sqrt, x) }
@inlinable @inline(__always) public func sin<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sin, x) }
@inlinable @inline(__always) public func cos<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.cos, x) }
@inlinable @inline(__always) public func tanh<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.tanh, x) }
@inlinable @inline(__always) public func erf<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.erf, x) }
@inlinable @inline(__always) public func sigmoid<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sigmoid, x) }
@inlinable @inline(__always) public func relu<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.relu, x) }
@inlinable @inline(__always) public func abs<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.abs, x) }
/// sign(x) ∈ {−1, 0, 1}; its derivative is zero.
@inlinable @inline(__always) public func sign<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sign, x) }
/// The step function: 1 for x > 0, 0 for x < 0, and `atZero` at 0; its derivative is zero.
@inlinable @inline(__always) public func heaviside<T: DifferentiableScalar>(_ x: T, atZero: Double) -> T { T.apply(.heaviside, x, constant: atZero) }
/// `y` where `condition` > 0, else exactly 0 (see ``Rules/Masked``).
@inlinable @inline(__always) public func masked<T: DifferentiableScalar>(_ condition: T, _ y: T) -> T { T.apply(.masked, condition, y, constant: 0) }

/// The smaller of two values; at a tie each receives half the gradient, as in PyTorch.
@inlinable @inline(__always) public func min<T: GraphScalar>(_ x: T, _ y: T) -> T { T.apply(.minimum, x, y, constant: 0) }
/// The larger of two values; at a tie each receives half the gradient, as in PyTorch.
@inlinable @inline(__always) public func max<T: GraphScalar>(_ x: T, _ y: T) -> T { T.apply(.maximum, x, y, constant: 0) }
@inlinable @inline(__always) public func min<T: GraphScalar>(_ x: T, _ c: Double) -> T { min(x, x.constant(c)) }
@inlinable @inline(__always) public func max<T: GraphScalar>(_ x: T, _ c: Double) -> T { max(x, x.constant(c)) }
@inlinable @inline(__always) public func min<T: GraphScalar>(_ c: Double, _ x: T) -> T { min(x.constant(c), x) }
@inlinable @inline(__always) public func max<T: GraphScalar>(_ c: Double, _ x: T) -> T { max(x.constant(c), x) }

/// The algebras that build something (``Value``, ``Symbol``, ``Formula``): every conformer but
/// `Double`. `min` and `max` are offered on these only, so that `min(1.0, 2.0)` keeps meaning the
/// standard library's function.
public protocol GraphScalar: DifferentiableScalar {}

// MARK: Double

extension Double: DifferentiableScalar {
    @inlinable @inline(__always)
    public static func apply(_ primitive: Primitive, _ x: Double, _ y: Double, constant c: Double) -> Double {
        primitive.evaluate(x, y, c)
    }
    @inlinable @inline(__always)
    public func constant(_ c: Double) -> Double { c }
}
