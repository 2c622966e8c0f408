/// A dual number `primal + tangent·ε` (ε² = 0): forward-mode differentiation by evaluation, as
/// PyTorch's `torch.autograd.forward_ad.make_dual` and JAX's `jvp` tracer.
///
/// Every function written generically over ``DifferentiableScalar`` runs on dual numbers: the
/// result's ``primal`` is the function's value and its ``tangent`` the directional derivative
/// along the inputs' tangents, f'(x)·ẋ. Each primitive's tangent is derived from its one pullback
/// rule (see `Primitive.tangent(_:_:output:constant:tangents:)`), so there is no second catalogue.
///
/// ```swift
/// let x = Dual(2.0, tangent: 1.0)
/// let y = x * x + sin(x)
/// print(y.primal, y.tangent)   // 4.909297426825682 3.5838531634528574  (2x + cos x)
/// ```
///
/// The base is any algebra: `Dual<Double>` is plain forward mode; `Dual<Dual<Double>>` gives
/// second directional derivatives (forward-over-forward); `Dual<Value>` records the tangent's
/// computation, so it can be differentiated in reverse (reverse-over-forward); `Dual<Symbol>`
/// builds the tangent's nodes in a static graph.
public struct Dual<Base: DifferentiableScalar> {
    /// The value, f(x).
    public var primal: Base
    /// The tangent, or `nil` for zero: a constant carries none, which keeps nested and recorded
    /// tangents from computing multiplications by zero.
    public var storedTangent: Base?

    /// A dual number with the given value and tangent (`nil`: zero, a constant).
    @inlinable
    public init(_ primal: Base, tangent: Base? = nil) {
        self.primal = primal
        self.storedTangent = tangent
    }

    /// The tangent (directional derivative) f'(x)·ẋ; a zero living where ``primal`` lives when
    /// nothing flowed into it.
    @inlinable
    public var tangent: Base { storedTangent ?? primal.constant(0) }
}

extension Dual: DifferentiableScalar, GraphScalar {
    /// Applies `primitive` to the primals, and to the tangents the primitive's derived tangent
    /// rule: ḟ = ∂f/∂x · ẋ + ∂f/∂y · ẏ.
    @inlinable @inline(__always)
    public static func apply(_ primitive: Primitive, _ x: Dual, _ y: Dual, constant c: Double) -> Dual {
        let output = Base.apply(primitive, x.primal, y.primal, constant: c)
        let tangent = primitive.tangent(x.primal, y.primal, output: output, constant: c,
                                        tangents: (x.storedTangent, primitive.arity == 2 ? y.storedTangent : nil))
        return Dual(output, tangent: tangent)
    }

    /// The constant `c` (in the primal's algebra), with a zero tangent.
    @inlinable
    public func constant(_ c: Double) -> Dual { Dual(primal.constant(c)) }
}

extension Dual: Sendable where Base: Sendable {}

extension Dual: CustomStringConvertible {
    /// `Dual(primal, tangent: t)`.
    public var description: String { "Dual(\(primal), tangent: \(tangent))" }
}
