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
/// primitives, ``heaviside``, ``softplus``, ``elu`` and ``hardtanh`` read. Composite functions (subtraction of a constant, division by
/// a constant, `c - x`, …) are written with these in ``DifferentiableScalar``.
public enum Primitive: UInt8, CaseIterable, Sendable {
    /// A leaf fed from outside: a named input of a static graph, or a dynamic leaf value.
    case input
    /// A constant; its value is the node's constant.
    case constant

    /// A binary primitive: x + y, x − y, x · y, x / y, xʸ, min, max, masked (see ``Rules``).
    case add, subtract, multiply, divide, power, minimum, maximum, masked
    /// A unary primitive: −x, eˣ, ln x, √x, sin, cos, tanh, erf, σ, relu, |x|, sign, step.
    case negate, exp, log, sqrt, sin, cos, tanh, erf, sigmoid, relu, abs, sign, heaviside
    /// A unary primitive with the node's constant c: x + c, c · x, x^c (see ``Rules``).
    case addConstant, multiplyConstant, powerConstant
    /// A unary primitive added with PyTorch's elementwise set: ln(1 + x), eˣ − 1 (primitives for
    /// accuracy near 0, where log(1 + x) and exp(x) − 1 lose every digit), and ⌊x⌋, ⌈x⌉ and
    /// round-half-to-even (no composite of the others exists; their derivative is zero).
    case log1p, expm1, floor, ceil, round
    /// atan2(y, x), binary: no composite of the others exists (there is no arctangent).
    case atan2
    /// PyTorch's activations softplus, log σ, ELU, HardTanh and SiLU, primitives for speed (one
    /// node instead of several; see `Ops/Rules/PyTorchActivations.swift`). The constant c is softplus's
    /// threshold, ELU's α and HardTanh's bound (the range [−c, c]).
    case softplus, logSigmoid, elu, hardtanh, silu
    /// The output of a custom differentiable function (``DifferentiableScalarFunction``),
    /// unary: its value is its operand's (the function's forward, recorded below it) and its
    /// derivative the function's own rule, which the graph keeps beside the node.
    case custom
    /// A value a static graph's loop supplies (`Graph.loop(count:carrying:_:)`): inside the
    /// loop's body, the step's index or a carried value; outside it, the loop's result. It has
    /// no operands: the graph keeps the loop beside the node, and every pass reaching it goes
    /// through the loop.
    case loopValue

    /// How many node operands the primitive reads (0, 1 or 2).
    @inlinable public var arity: Int {
        switch self {
        case .input, .constant, .loopValue: 0
        case .add, .subtract, .multiply, .divide, .power, .minimum, .maximum, .masked, .atan2: 2
        default: 1
        }
    }

    /// The declaration holding this primitive's name, notation and rules.
    public var rule: any PrimitiveRule.Type {
        switch self {
        case .input: Rules.Input.self
        case .constant: Rules.Constant.self
        case .add: Rules.Add.self
        case .subtract: Rules.Subtract.self
        case .multiply: Rules.Multiply.self
        case .divide: Rules.Divide.self
        case .power: Rules.Power.self
        case .minimum: Rules.Minimum.self
        case .maximum: Rules.Maximum.self
        case .negate: Rules.Negate.self
        case .exp: Rules.Exp.self
        case .log: Rules.Log.self
        case .sqrt: Rules.Sqrt.self
        case .sin: Rules.Sin.self
        case .cos: Rules.Cos.self
        case .tanh: Rules.Tanh.self
        case .erf: Rules.Erf.self
        case .sigmoid: Rules.Sigmoid.self
        case .relu: Rules.ReLU.self
        case .abs: Rules.Abs.self
        case .sign: Rules.Sign.self
        case .heaviside: Rules.Heaviside.self
        case .masked: Rules.Masked.self
        case .addConstant: Rules.AddConstant.self
        case .multiplyConstant: Rules.MultiplyConstant.self
        case .powerConstant: Rules.PowerConstant.self
        case .log1p: Rules.Log1p.self
        case .expm1: Rules.Expm1.self
        case .floor: Rules.Floor.self
        case .ceil: Rules.Ceil.self
        case .round: Rules.Round.self
        case .atan2: Rules.Atan2.self
        case .softplus: Rules.Softplus.self
        case .logSigmoid: Rules.LogSigmoid.self
        case .elu: Rules.ELU.self
        case .hardtanh: Rules.Hardtanh.self
        case .silu: Rules.SiLU.self
        case .custom: Rules.CustomFunctionOutput.self
        case .loopValue: Rules.LoopValue.self
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
        case .add: Rules.Add.evaluate(x, y, c)
        case .subtract: Rules.Subtract.evaluate(x, y, c)
        case .multiply: Rules.Multiply.evaluate(x, y, c)
        case .divide: Rules.Divide.evaluate(x, y, c)
        case .power: Rules.Power.evaluate(x, y, c)
        case .minimum: Rules.Minimum.evaluate(x, y, c)
        case .maximum: Rules.Maximum.evaluate(x, y, c)
        case .negate: Rules.Negate.evaluate(x, y, c)
        case .exp: Rules.Exp.evaluate(x, y, c)
        case .log: Rules.Log.evaluate(x, y, c)
        case .sqrt: Rules.Sqrt.evaluate(x, y, c)
        case .sin: Rules.Sin.evaluate(x, y, c)
        case .cos: Rules.Cos.evaluate(x, y, c)
        case .tanh: Rules.Tanh.evaluate(x, y, c)
        case .erf: Rules.Erf.evaluate(x, y, c)
        case .sigmoid: Rules.Sigmoid.evaluate(x, y, c)
        case .relu: Rules.ReLU.evaluate(x, y, c)
        case .abs: Rules.Abs.evaluate(x, y, c)
        case .sign: Rules.Sign.evaluate(x, y, c)
        case .heaviside: Rules.Heaviside.evaluate(x, y, c)
        case .masked: Rules.Masked.evaluate(x, y, c)
        case .addConstant: Rules.AddConstant.evaluate(x, y, c)
        case .multiplyConstant: Rules.MultiplyConstant.evaluate(x, y, c)
        case .powerConstant: Rules.PowerConstant.evaluate(x, y, c)
        case .log1p: Rules.Log1p.evaluate(x, y, c)
        case .expm1: Rules.Expm1.evaluate(x, y, c)
        case .floor: Rules.Floor.evaluate(x, y, c)
        case .ceil: Rules.Ceil.evaluate(x, y, c)
        case .round: Rules.Round.evaluate(x, y, c)
        case .atan2: Rules.Atan2.evaluate(x, y, c)
        case .softplus: Rules.Softplus.evaluate(x, y, c)
        case .logSigmoid: Rules.LogSigmoid.evaluate(x, y, c)
        case .elu: Rules.ELU.evaluate(x, y, c)
        case .hardtanh: Rules.Hardtanh.evaluate(x, y, c)
        case .silu: Rules.SiLU.evaluate(x, y, c)
        case .custom: Rules.CustomFunctionOutput.evaluate(x, y, c)
        case .loopValue: Rules.LoopValue.evaluate(x, y, c)
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
        case .add: Rules.Add.pullback(x, y, output, c, seed)
        case .subtract: Rules.Subtract.pullback(x, y, output, c, seed)
        case .multiply: Rules.Multiply.pullback(x, y, output, c, seed)
        case .divide: Rules.Divide.pullback(x, y, output, c, seed)
        case .power: Rules.Power.pullback(x, y, output, c, seed)
        case .minimum: Rules.Minimum.pullback(x, y, output, c, seed)
        case .maximum: Rules.Maximum.pullback(x, y, output, c, seed)
        case .negate: Rules.Negate.pullback(x, y, output, c, seed)
        case .exp: Rules.Exp.pullback(x, y, output, c, seed)
        case .log: Rules.Log.pullback(x, y, output, c, seed)
        case .sqrt: Rules.Sqrt.pullback(x, y, output, c, seed)
        case .sin: Rules.Sin.pullback(x, y, output, c, seed)
        case .cos: Rules.Cos.pullback(x, y, output, c, seed)
        case .tanh: Rules.Tanh.pullback(x, y, output, c, seed)
        case .erf: Rules.Erf.pullback(x, y, output, c, seed)
        case .sigmoid: Rules.Sigmoid.pullback(x, y, output, c, seed)
        case .relu: Rules.ReLU.pullback(x, y, output, c, seed)
        case .abs: Rules.Abs.pullback(x, y, output, c, seed)
        case .sign: Rules.Sign.pullback(x, y, output, c, seed)
        case .heaviside: Rules.Heaviside.pullback(x, y, output, c, seed)
        case .masked: Rules.Masked.pullback(x, y, output, c, seed)
        case .addConstant: Rules.AddConstant.pullback(x, y, output, c, seed)
        case .multiplyConstant: Rules.MultiplyConstant.pullback(x, y, output, c, seed)
        case .powerConstant: Rules.PowerConstant.pullback(x, y, output, c, seed)
        case .log1p: Rules.Log1p.pullback(x, y, output, c, seed)
        case .expm1: Rules.Expm1.pullback(x, y, output, c, seed)
        case .floor: Rules.Floor.pullback(x, y, output, c, seed)
        case .ceil: Rules.Ceil.pullback(x, y, output, c, seed)
        case .round: Rules.Round.pullback(x, y, output, c, seed)
        case .atan2: Rules.Atan2.pullback(x, y, output, c, seed)
        case .softplus: Rules.Softplus.pullback(x, y, output, c, seed)
        case .logSigmoid: Rules.LogSigmoid.pullback(x, y, output, c, seed)
        case .elu: Rules.ELU.pullback(x, y, output, c, seed)
        case .hardtanh: Rules.Hardtanh.pullback(x, y, output, c, seed)
        case .silu: Rules.SiLU.pullback(x, y, output, c, seed)
        case .custom: Rules.CustomFunctionOutput.pullback(x, y, output, c, seed)
        case .loopValue: Rules.LoopValue.pullback(x, y, output, c, seed)
        }
    }
}

/// The op catalogue: one ``PrimitiveRule`` per primitive (`Rules.Tanh`, `Rules.Multiply`, …),
/// each documenting its formula and derivative.
public enum Rules {}

/// The declaration of one primitive: everything Nabla knows about it, in one place.
///
/// To add a primitive: add its case to ``Primitive`` and to the three dispatch switches there,
/// and write one type conforming to this protocol beside its relatives in `Ops/Rules/`. Write the
/// derivative rule with the operators of ``DifferentiableScalar`` (never with `Double` maths), so
/// that it can be differentiated again, and state the formula in its doc comment. Then add the
/// primitive to the gradient-check table in the tests (first and second order).
///
/// <doc:AddingAPrimitive> walks through every step, the tensor engine's switches included.
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
