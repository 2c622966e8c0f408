// Custom differentiable functions of scalars, the counterpart of `DifferentiableFunction` for the
// scalar engines (`Value`, `GradientTape`, the static `Graph`) and, elementwise, for tensors.
//
// Every engine records a custom function the same way: the forward, computed in the engine's own
// algebra, then one `custom` node on top of its result (`Rules.CustomFunctionOutput`), with the
// function and its inputs kept beside the graph, keyed by that node. The `custom` node passes no
// gradient into the forward's nodes; reverse mode, reaching it, calls the function's `vjp` in the
// algebra it runs in (numbers for `backward()`, recorded values or symbols for gradients that are
// differentiated again), and forward mode calls its `jvp` or derives one. The dynamic tape and the
// static graph so hold the same nodes in the same order, and agree bit for bit.

/// A differentiable function of scalars declared once by its user: its forward computation and
/// its derivative rule, a vector-Jacobian product (and optionally a Jacobian-vector product), as
/// PyTorch's `torch.autograd.Function`, JAX's `jax.custom_vjp` / `jax.custom_jvp` and Swift's
/// `@derivative(of:)`.
///
/// For inputs x₀, x₁, … and output y = f(x): `vjp(_:output:seed:)` gets a seed s = ∂L/∂y and
/// returns ∂L/∂xₖ = s · ∂f/∂xₖ for each input; `jvp(_:output:tangents:)` gets tangents ẋₖ and
/// returns ẏ = Σₖ ∂f/∂xₖ · ẋₖ. All three are generic over ``GraphScalar`` (the algebras of
/// ``DifferentiableScalar`` but `Double`, so that `min` and `max` are available), so one
/// declaration runs on every engine: ``Value``, ``TapeValue`` (in a ``GradientTape``), static
/// ``Symbol``s, ``Dual`` numbers, and elementwise on tensors (``Tensor``,
/// `NDArray`, ``DualTensor``, with NumPy broadcasting; see ``DifferentiableFunction`` for
/// functions that reduce or reshape). Written with the algebra's operators and functions, the
/// rule is itself differentiated, so second derivatives (`differentiableGradients`, `hessian`,
/// `Graph.hessian`) go through it.
///
/// ```swift
/// struct LogAddExp: DifferentiableScalarFunction {     // log(eˣ + eʸ), stable at ±1000
///     func forward<T: GraphScalar>(_ v: [T]) -> T {
///         let m = max(v[0], v[1])
///         return m + log(exp(v[0] - m) + exp(v[1] - m))
///     }
///     func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] {
///         [seed * exp(v[0] - output), seed * exp(v[1] - output)]    // softmax weights
///     }
/// }
/// let a = Value(1000, requiresGrad: true), b = Value(1000, requiresGrad: true)
/// LogAddExp().apply(a, b).backward()                   // a.grad = b.grad = 0.5
/// ```
public protocol DifferentiableScalarFunction {
    /// The output f(x₀, x₁, …). It runs in the algebra `apply` is called in, and is recorded
    /// there, but its own derivative is never taken: the rule below replaces it.
    func forward<T: GraphScalar>(_ inputs: [T]) -> T

    /// The pullback: for seed s = ∂L/∂output, ∂L/∂xₖ for each input (nil: no gradient flows into
    /// that input). `output` is f(inputs), to be reused. On tensors, where the inputs broadcast,
    /// a result of the broadcast shape is summed back to its input's shape.
    func vjp<T: GraphScalar>(_ inputs: [T], output: T, seed: T) -> [T?]

    /// The pushforward: for tangents ẋₖ (nil: zero), ẏ = Σₖ ∂f/∂xₖ · ẋₖ; nil to let Nabla
    /// derive it from `vjp(_:output:seed:)` (the default).
    ///
    /// The derivation uses that a pullback is linear in its seed: vjpₖ(s) = s · ∂f/∂xₖ, so
    /// ∂f/∂xₖ is the derivative of vjpₖ with respect to s, which forward mode (a ``Dual`` seed)
    /// gives exactly, and ẏ = Σₖ ∂f/∂xₖ · ẋₖ. For a rule that is not linear in the seed
    /// (clipping the gradient) it gives the rule's slope at a zero seed, as JAX's transposition
    /// of a custom VJP does.
    func jvp<T: GraphScalar>(_ inputs: [T], output: T, tangents: [T?]) -> T?

    /// The name shown in messages and explanations; the type's name by default.
    var name: String { get }
}

extension DifferentiableScalarFunction {
    /// nil: forward mode derives the tangent from `vjp(_:output:seed:)`.
    public func jvp<T: GraphScalar>(_ inputs: [T], output: T, tangents: [T?]) -> T? { nil }

    /// The type's name.
    public var name: String { String(describing: Self.self) }

    /// f(inputs), recorded so that reverse and forward mode use this function's rule (PyTorch's
    /// `Function.apply(*inputs)`). On ``Value``s, ``TapeValue``s and ``Symbol``s the forward is
    /// recorded and one `custom` node joins the graph above it (none when no input is recorded);
    /// on ``Dual`` numbers the tangent comes from the rule; on tensors it applies elementwise
    /// (through ``DifferentiableFunction``); in other algebras (``Formula``) it is the forward.
    public func apply<T: GraphScalar>(_ inputs: [T]) -> T {
        require(!inputs.isEmpty, "\(name).apply: a differentiable function needs at least one input")
        if let recording = T.self as? any CustomScalarFunctionApplying.Type {
            return applyOpening(recording, inputs)
        }
        if let tensors = T.self as? any DifferentiableTensor.Type {
            return applyElementwise(tensors, inputs)
        }
        return forward(inputs)
    }

    private func applyOpening<T: DifferentiableScalar, A: CustomScalarFunctionApplying>(_: A.Type, _ inputs: [T]) -> T {
        A.applying(self, inputs.map { $0 as! A }) as! T
    }

    private func applyElementwise<T: DifferentiableScalar, A: DifferentiableTensor>(_: A.Type, _ inputs: [T]) -> T {
        ElementwiseFunction(self).apply(inputs.map { $0 as! A }) as! T
    }

    /// f(inputs) on plain numbers: the forward alone.
    public func apply(_ inputs: [Double]) -> Double {
        forward(inputs.map { Dual($0) }).primal
    }

    /// f(x) for a function of one input: `apply(_:)` on `[x]`.
    public func apply<T: GraphScalar>(_ x: T) -> T { apply([x]) }

    /// f(x, y) for a function of two inputs: `apply(_:)` on `[x, y]`.
    public func apply<T: GraphScalar>(_ x: T, _ y: T) -> T { apply([x, y]) }

    /// f(x, y, z) for a function of three inputs: `apply(_:)` on `[x, y, z]`.
    public func apply<T: GraphScalar>(_ x: T, _ y: T, _ z: T) -> T { apply([x, y, z]) }
}

/// The scalar algebras that record a custom function (a `custom` node with the function kept
/// beside the graph), or, for ``Dual``, compute its tangent by its rule.
protocol CustomScalarFunctionApplying: GraphScalar {
    static func applying(_ function: some DifferentiableScalarFunction, _ inputs: [Self]) -> Self
}

/// A scalar function applied elementwise to tensors: the tensor engines' custom-function
/// machinery (``DifferentiableFunction``) with the scalar function's forward and rules, which
/// run on tensors since every tensor type is a ``DifferentiableScalar`` elementwise.
struct ElementwiseFunction<Base: DifferentiableScalarFunction>: DifferentiableFunction {
    let base: Base
    init(_ base: Base) { self.base = base }

    func forward<T: DifferentiableTensor>(_ inputs: [T]) -> T { base.forward(inputs) }
    func vjp<T: DifferentiableTensor>(_ inputs: [T], output: T, seed: T) -> [T?] { base.vjp(inputs, output: output, seed: seed) }
    func jvp<T: DifferentiableTensor>(_ inputs: [T], output: T, tangents: [T?]) -> T? { base.jvp(inputs, output: output, tangents: tangents) }
    var name: String { base.name }
}

/// A custom function's node in a scalar graph (the dynamic tape or a static graph): the function,
/// and the node index of each of its inputs. The `custom` node itself holds the output.
struct CustomScalarFunctionCall {
    let function: any DifferentiableScalarFunction
    let inputs: [Int32]

    /// The function's VJP on numbers (run on ``Dual`` numbers without tangents, which compute
    /// exactly what `Double` does), with the number of its results checked.
    func cotangents(_ values: [Double], output: Double, seed: Double) -> [Double?] {
        cotangents(values.map { Dual($0) }, output: Dual(output), seed: Dual(seed)).map { $0?.primal }
    }

    /// The output's tangent on numbers, as ``tangent(_:output:tangents:)`` computes it.
    func tangent(_ values: [Double], output: Double, tangents: [Double?]) -> Double? {
        tangent(values.map { Dual($0) }, output: Dual(output), tangents: tangents.map { $0.map { Dual($0) } })?.primal
    }

    /// The function's VJP, with the number of its results checked.
    func cotangents<T: GraphScalar>(_ values: [T], output: T, seed: T) -> [T?] {
        Self.cotangents(function, values, output: output, seed: seed)
    }

    static func cotangents<T: GraphScalar>(_ function: any DifferentiableScalarFunction, _ values: [T], output: T, seed: T) -> [T?] {
        let results = function.vjp(values, output: output, seed: seed)
        require(results.count == values.count,
                "\(function.name).vjp: returned \(results.count) gradients for \(values.count) inputs")
        return results
    }

    /// The output's tangent from the inputs' (nil: zero).
    func tangent<T: GraphScalar>(_ values: [T], output: T, tangents: [T?]) -> T? {
        Self.tangent(function, values, output: output, tangents: tangents)
    }

    /// ẏ = Σₖ ∂f/∂xₖ · ẋₖ by the function's JVP or, when it gives none, with ∂f/∂xₖ read off its
    /// VJP as the derivative of vjpₖ(s) with respect to the seed s at s = 0 (a ``Dual`` seed in
    /// the same algebra, so the result is differentiable again where `T` records).
    static func tangent<T: GraphScalar>(_ function: any DifferentiableScalarFunction, _ values: [T], output: T, tangents: [T?]) -> T? {
        require(tangents.count == values.count,
                "\(function.name): \(tangents.count) tangents for \(values.count) inputs")
        guard tangents.contains(where: { $0 != nil }) else { return nil }
        if let given = function.jvp(values, output: output, tangents: tangents) { return given }
        let seed = Dual(output.constant(0), tangent: output.constant(1))
        let slopes = cotangents(function, values.map { Dual($0) }, output: Dual(output), seed: seed)
        var total: T?
        for (slope, tangent) in zip(slopes, tangents) {
            guard let slope = slope?.storedTangent, let tangent else { continue }
            let term = slope * tangent
            total = total.map { $0 + term } ?? term
        }
        return total
    }
}

extension Dual: CustomScalarFunctionApplying {
    /// The primal by the function applied in `Base` (recorded there when `Base` records), the
    /// tangent by the function's JVP, or derived from its VJP. Both run on the primals lifted to
    /// dual numbers without tangents, which compute exactly what `Base` does (and work for
    /// `Base == Double`, which is no ``GraphScalar``).
    static func applying(_ function: some DifferentiableScalarFunction, _ inputs: [Dual]) -> Dual {
        let primals = inputs.map(\.primal)
        let primal: Base
        if let recording = Base.self as? any GraphScalar.Type {
            primal = applyingInBase(function, recording, primals)
        } else {
            primal = function.forward(primals.map { Dual($0) }).primal
        }
        let lifted = CustomScalarFunctionCall.tangent(function, primals.map { Dual($0) }, output: Dual(primal),
                                                      tangents: inputs.map { $0.storedTangent.map { Dual($0) } })
        return Dual(primal, tangent: lifted?.primal)
    }

    private static func applyingInBase<G: GraphScalar>(_ function: some DifferentiableScalarFunction, _: G.Type, _ primals: [Base]) -> Base {
        function.apply(primals.map { $0 as! G }) as! Base
    }
}
