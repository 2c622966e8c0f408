import NablaKernels

/// The primitive operations every Nabla graph is made of.
///
/// Each primitive is declared once, as a small type conforming to ``PrimitiveRule`` (in
/// `Ops/Rules/`), holding its name, its notation, its forward computation and its derivative
/// rule. This enum is only the op code stored in graphs and the switch that dispatches to those
/// declarations; it repeats no mathematics. The dynamic tape, the static graph, the explainer and
/// the gradient checker all go through it.
///
/// Every primitive takes one or two operands and a constant (`c`), which only the `…Constant`
/// primitives and ``heaviside`` read. Composite functions (subtraction of a constant, division by
/// a constant, `c - x`, …) are written with these in ``DifferentiableScalar``.
public enum Primitive: UInt8, CaseIterable, Sendable {
    /// A leaf fed from outside: a named input of a static graph, or a dynamic leaf value.
    case input
    /// A constant; its value is the node's constant.
    case constant

    case add, subtract, multiply, divide, power, minimum, maximum, masked
    case negate, exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, sign, heaviside
    case addConstant, multiplyConstant, powerConstant

    /// How many node operands the primitive reads (0, 1 or 2).
    @inlinable public var arity: Int {
        switch self {
        case .input, .constant: 0
        case .add, .subtract, .multiply, .divide, .power, .minimum, .maximum, .masked: 2
        default: 1
        }
    }

    /// The declaration holding this primitive's name, notation and rules.
    public var rule: any PrimitiveRule.Type {
        switch self {
        case .input: Input.self
        case .constant: Constant.self
        case .add: Add.self
        case .subtract: Subtract.self
        case .multiply: Multiply.self
        case .divide: Divide.self
        case .power: Power.self
        case .minimum: Minimum.self
        case .maximum: Maximum.self
        case .negate: Negate.self
        case .exp: Exp.self
        case .log: Log.self
        case .sqrt: Sqrt.self
        case .sin: Sin.self
        case .cos: Cos.self
        case .tanh: Tanh.self
        case .sigmoid: Sigmoid.self
        case .relu: ReLU.self
        case .abs: Abs.self
        case .sign: Sign.self
        case .heaviside: Heaviside.self
        case .masked: Masked.self
        case .addConstant: AddConstant.self
        case .multiplyConstant: MultiplyConstant.self
        case .powerConstant: PowerConstant.self
        }
    }

    /// The primitive's name, as the command-line tool and graph exports print it.
    public var name: String { rule.name }

    /// Evaluates the primitive on numbers (`Double`, or `Float` elements of tensors): `x` and `y`
    /// are the operands (`y` is ignored by unary primitives), `c` the node's constant.
    @inlinable @inline(__always)
    public func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
        switch self {
        case .input: x
        case .constant: c
        case .add: Add.evaluate(x, y, c)
        case .subtract: Subtract.evaluate(x, y, c)
        case .multiply: Multiply.evaluate(x, y, c)
        case .divide: Divide.evaluate(x, y, c)
        case .power: Power.evaluate(x, y, c)
        case .minimum: Minimum.evaluate(x, y, c)
        case .maximum: Maximum.evaluate(x, y, c)
        case .negate: Negate.evaluate(x, y, c)
        case .exp: Exp.evaluate(x, y, c)
        case .log: Log.evaluate(x, y, c)
        case .sqrt: Sqrt.evaluate(x, y, c)
        case .sin: Sin.evaluate(x, y, c)
        case .cos: Cos.evaluate(x, y, c)
        case .tanh: Tanh.evaluate(x, y, c)
        case .sigmoid: Sigmoid.evaluate(x, y, c)
        case .relu: ReLU.evaluate(x, y, c)
        case .abs: Abs.evaluate(x, y, c)
        case .sign: Sign.evaluate(x, y, c)
        case .heaviside: Heaviside.evaluate(x, y, c)
        case .masked: Masked.evaluate(x, y, c)
        case .addConstant: AddConstant.evaluate(x, y, c)
        case .multiplyConstant: MultiplyConstant.evaluate(x, y, c)
        case .powerConstant: PowerConstant.evaluate(x, y, c)
        }
    }

    /// The vector-Jacobian product: given the operands, the output and the incoming gradient
    /// `seed` (∂L/∂output), returns ∂L/∂x and ∂L/∂y, `nil` meaning zero. Generic over the algebra
    /// it is evaluated in, so the same rule gives numbers (`Double`), recorded differentiable
    /// values (``Value``), graph nodes (``Symbol``) and printed formulas (``Formula``).
    @inlinable @inline(__always)
    public func pullback<T: DifferentiableScalar>(
        _ x: T, _ y: T, output: T, constant c: Double, seed: T
    ) -> (T?, T?) {
        switch self {
        case .input, .constant: (nil, nil)
        case .add: Add.pullback(x, y, output, c, seed)
        case .subtract: Subtract.pullback(x, y, output, c, seed)
        case .multiply: Multiply.pullback(x, y, output, c, seed)
        case .divide: Divide.pullback(x, y, output, c, seed)
        case .power: Power.pullback(x, y, output, c, seed)
        case .minimum: Minimum.pullback(x, y, output, c, seed)
        case .maximum: Maximum.pullback(x, y, output, c, seed)
        case .negate: Negate.pullback(x, y, output, c, seed)
        case .exp: Exp.pullback(x, y, output, c, seed)
        case .log: Log.pullback(x, y, output, c, seed)
        case .sqrt: Sqrt.pullback(x, y, output, c, seed)
        case .sin: Sin.pullback(x, y, output, c, seed)
        case .cos: Cos.pullback(x, y, output, c, seed)
        case .tanh: Tanh.pullback(x, y, output, c, seed)
        case .sigmoid: Sigmoid.pullback(x, y, output, c, seed)
        case .relu: ReLU.pullback(x, y, output, c, seed)
        case .abs: Abs.pullback(x, y, output, c, seed)
        case .sign: Sign.pullback(x, y, output, c, seed)
        case .heaviside: Heaviside.pullback(x, y, output, c, seed)
        case .masked: Masked.pullback(x, y, output, c, seed)
        case .addConstant: AddConstant.pullback(x, y, output, c, seed)
        case .multiplyConstant: MultiplyConstant.pullback(x, y, output, c, seed)
        case .powerConstant: PowerConstant.pullback(x, y, output, c, seed)
        }
    }
}

/// The declaration of one primitive: everything Nabla knows about it, in one place.
///
/// To add a primitive: add its case to ``Primitive`` and to the three dispatch switches there,
/// and write one type conforming to this protocol beside its relatives in `Ops/Rules/`. Write the
/// derivative rule with the operators of ``DifferentiableScalar`` (never with `Double` maths), so
/// that it can be differentiated again, and state the formula in its doc comment. Then add the
/// primitive to the gradient-check table in the tests (first and second order).
public protocol PrimitiveRule {
    /// A short lower-case name (`"mul"`, `"tanh"`), used in exports and error messages.
    static var name: String { get }
    /// How the primitive is written in formulas.
    static var notation: Notation { get }
    /// The forward computation on numbers.
    static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T
    /// The vector-Jacobian product (see ``Primitive/pullback(_:_:output:constant:seed:)``).
    static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?)
}

/// How a primitive is written in formulas and explanations.
public enum Notation: Sendable, Equatable {
    /// `x ⊙ y` with the given symbol and binding strength (higher binds tighter).
    case infix(String, precedence: Int)
    /// `name(x)` or `name(x, y)`.
    case function(String)
    /// Written by ``Formula`` with its own rule (negation, constants, …).
    case special
}
