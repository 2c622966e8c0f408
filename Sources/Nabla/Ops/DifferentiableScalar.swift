/// A scalar algebra the primitives can be applied in.
///
/// The scalar conformers are `Double` (plain numbers), ``Value`` (the dynamic graph: computes
/// and records), ``TapeValue`` (the same, in a ``GradientTape`` scope), ``Symbol`` (the static
/// graph: records without computing) and ``Formula`` (printable expressions for explanations);
/// the tensor types (`NDArray`, ``Tensor``, ``TensorSymbol``) conform elementwise, with NumPy
/// broadcasting. Derivative rules are written once, generically, in this algebra, so a gradient
/// computed in ``Value`` or ``Symbol`` is itself differentiable.
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

    /// x + y, one `add` node.  ∂/∂x = ∂/∂y = 1. Tensors broadcast (PyTorch's `add`).
    @inlinable @inline(__always) public static func + (x: Self, y: Self) -> Self { apply(.add, x, y, constant: 0) }
    /// x − y, one `sub` node.  ∂/∂x = 1, ∂/∂y = −1. Tensors broadcast (PyTorch's `sub`).
    @inlinable @inline(__always) public static func - (x: Self, y: Self) -> Self { apply(.subtract, x, y, constant: 0) }
    /// x · y, one `mul` node.  ∂/∂x = y, ∂/∂y = x. Tensors broadcast (PyTorch's `mul`).
    @inlinable @inline(__always) public static func * (x: Self, y: Self) -> Self { apply(.multiply, x, y, constant: 0) }
    /// x / y, one `div` node.  ∂/∂x = 1/y, ∂/∂y = −x/y². Division by zero gives ±∞ or NaN (IEEE).
    /// Tensors broadcast (PyTorch's `div`).
    @inlinable @inline(__always) public static func / (x: Self, y: Self) -> Self { apply(.divide, x, y, constant: 0) }
    /// −x, one `neg` node.  d/dx = −1.
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

    /// `x = x + y`: rebinds `x` to a new node (nothing recorded is changed in place).
    @inlinable @inline(__always) public static func += (x: inout Self, y: Self) { x = x + y }
    /// `x = x - y`, a new node.
    @inlinable @inline(__always) public static func -= (x: inout Self, y: Self) { x = x - y }
    /// `x = x * y`, a new node.
    @inlinable @inline(__always) public static func *= (x: inout Self, y: Self) { x = x * y }
    /// `x = x / y`, a new node.
    @inlinable @inline(__always) public static func /= (x: inout Self, y: Self) { x = x / y }
    /// `x = x + c`, one `add_const` node.
    @inlinable @inline(__always) public static func += (x: inout Self, c: Double) { x = x + c }
    /// `x = x - c`, one `add_const` node (adding −c).
    @inlinable @inline(__always) public static func -= (x: inout Self, c: Double) { x = x - c }
    /// `x = x * c`, one `mul_const` node.
    @inlinable @inline(__always) public static func *= (x: inout Self, c: Double) { x = x * c }
    /// `x = x / c`, a true division by a constant node.
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
/// eˣ (elementwise on tensors; PyTorch's `exp`).  d/dx = eˣ.
@inlinable @inline(__always) public func exp<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.exp, x) }
/// The natural logarithm ln x (PyTorch's `log`).  d/dx = 1/x. ln 0 = −∞; ln x < 0 is NaN.
@inlinable @inline(__always) public func log<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.log, x) }
/// √x (PyTorch's `sqrt`).  d/dx = 1/(2√x), infinite at 0.
@inlinable @inline(__always) public func sqrt<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sqrt, x) }
/// sin x, x in radians (PyTorch's `sin`).  d/dx = cos x.
@inlinable @inline(__always) public func sin<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sin, x) }
/// cos x, x in radians (PyTorch's `cos`).  d/dx = −sin x.
@inlinable @inline(__always) public func cos<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.cos, x) }
/// tanh x (PyTorch's `tanh`).  d/dx = 1 − tanh²x.
@inlinable @inline(__always) public func tanh<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.tanh, x) }
/// The error function (2/√π) ∫₀ˣ e^(−t²) dt (PyTorch's `erf`).  d/dx = (2/√π) e^(−x²).
@inlinable @inline(__always) public func erf<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.erf, x) }
/// σ(x) = 1 / (1 + e^(−x)), evaluated without overflow (PyTorch's `sigmoid`).  dσ/dx = σ(1 − σ).
@inlinable @inline(__always) public func sigmoid<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sigmoid, x) }
/// max(x, 0), NaN passing through (PyTorch's `relu`).  d/dx = 1 for x > 0, else 0 (0 at x = 0).
@inlinable @inline(__always) public func relu<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.relu, x) }
/// |x| (PyTorch's `abs`).  d/dx = sign x, 0 at x = 0 as in PyTorch.
@inlinable @inline(__always) public func abs<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.abs, x) }
/// sign(x) ∈ {−1, 0, 1}; its derivative is zero.
@inlinable @inline(__always) public func sign<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.sign, x) }
/// The step function: 1 for x > 0, 0 for x < 0, and `atZero` at 0; its derivative is zero.
@inlinable @inline(__always) public func heaviside<T: DifferentiableScalar>(_ x: T, atZero: Double) -> T { T.apply(.heaviside, x, constant: atZero) }
/// `y` where `condition` > 0, else exactly 0, even for ±∞ or NaN (see ``Rules/Masked``).
@inlinable @inline(__always) public func masked<T: DifferentiableScalar>(_ condition: T, _ y: T) -> T { T.apply(.masked, condition, y, constant: 0) }

/// The smaller of two values; at a tie each receives half the gradient, as in PyTorch.
@inlinable @inline(__always) public func min<T: GraphScalar>(_ x: T, _ y: T) -> T { T.apply(.minimum, x, y, constant: 0) }
/// The larger of two values; at a tie each receives half the gradient, as in PyTorch.
@inlinable @inline(__always) public func max<T: GraphScalar>(_ x: T, _ y: T) -> T { T.apply(.maximum, x, y, constant: 0) }
/// min(x, c) against a constant node; x receives the gradient where x < c, half of it at a tie.
@inlinable @inline(__always) public func min<T: GraphScalar>(_ x: T, _ c: Double) -> T { min(x, x.constant(c)) }
/// max(x, c) against a constant node; x receives the gradient where x > c, half of it at a tie
/// (so `max(x, 0)` differs from `relu` at 0, where relu's derivative is 0).
@inlinable @inline(__always) public func max<T: GraphScalar>(_ x: T, _ c: Double) -> T { max(x, x.constant(c)) }
/// min(c, x): as `min(x, c)`.
@inlinable @inline(__always) public func min<T: GraphScalar>(_ c: Double, _ x: T) -> T { min(x.constant(c), x) }
/// max(c, x): as `max(x, c)`.
@inlinable @inline(__always) public func max<T: GraphScalar>(_ c: Double, _ x: T) -> T { max(x.constant(c), x) }

/// The algebras that build something (``Value``, ``TapeValue``, ``Symbol``, ``Formula``, and the
/// tensor types): every conformer but `Double`. `min` and `max` are offered on these only, so
/// that `min(1.0, 2.0)` keeps meaning the standard library's function.
public protocol GraphScalar: DifferentiableScalar {}

// MARK: Double

extension Double: DifferentiableScalar {
    /// Evaluates `primitive` on the numbers at once; nothing is recorded.
    @inlinable @inline(__always)
    public static func apply(_ primitive: Primitive, _ x: Double, _ y: Double, constant c: Double) -> Double {
        primitive.evaluate(x, y, c)
    }
    /// `c` itself: a plain number has no graph to live in.
    @inlinable @inline(__always)
    public func constant(_ c: Double) -> Double { c }
}
