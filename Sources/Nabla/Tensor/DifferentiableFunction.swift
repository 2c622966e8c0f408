// Custom differentiable functions (PyTorch's `torch.autograd.Function`, JAX's `custom_vjp` /
// `custom_jvp`): a user declares an operation once, its forward computation and its derivative
// rule, and Nabla differentiates through it with that rule instead of through the forward.
//
// On dynamic tensors, `apply` computes the forward on the inputs' values (nothing inside it is
// recorded) and records one node on the inputs' tape, as `checkpoint` does: a `.leaf` node holding
// the output, with a `CustomFunctionNode` in the tape's extras that knows the function (an
// existential) and the node indices of the inputs. Reverse mode, reaching that node, calls the
// rule: on numbers (`NDArray`) for `backward()` and `gradients(wrt:)`, on recorded tensors for
// `differentiableGradients(wrt:)`, so a rule written in the differentiable algebra is itself
// differentiated (second order). Forward mode calls the JVP, or, when the function gives none,
// derives it from the VJP by transposition (below). Nothing recurses over the graph: each node is
// one step of the existing loops.
//
// On static symbols (TensorGraph+CustomFunction.swift), `apply` records the forward as ordinary
// nodes topped by a marker node (a stop-gradient), and the graph's gradient and tangent
// transforms inline the rule at the marker, symbolically.

/// A differentiable operation declared once by its user: its forward computation and its
/// derivative rule, a vector-Jacobian product (and optionally a Jacobian-vector product), as
/// PyTorch's `torch.autograd.Function` (`forward`, `backward`, `jvp`) and JAX's
/// `jax.custom_vjp` / `jax.custom_jvp`.
///
/// For inputs x₀, x₁, … and output y = f(x): `vjp(_:output:seed:)` gets a seed s = ∂L/∂y
/// and returns ∂L/∂xₖ = sᵀ ∂y/∂xₖ for each input; `jvp(_:output:tangents:)` gets tangents ẋₖ
/// and returns ẏ = Σₖ ∂y/∂xₖ · ẋₖ. Both are generic over ``DifferentiableTensor``: written in that
/// algebra (the operators, `exp`, `sum`, `broadcast(to:)`, …), the rule is differentiated again,
/// so second derivatives (`differentiableGradients(wrt:)`, `hessian(at:_:)`) go through it. The
/// rule is used instead of the forward computation's own derivative, so the forward may use
/// anything: rounding, branches, a numerically stable form.
///
/// ```swift
/// struct StraightThrough: DifferentiableFunction {      // round forward, identity backward
///     func forward<T: DifferentiableTensor>(_ x: [T]) -> T { round(x[0]) }
///     func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed] }
/// }
/// let w = Tensor<Double>([0.3, 1.6], requiresGrad: true)
/// StraightThrough().apply(w).sum().backward()           // w.grad = [1, 1]
/// ```
///
/// Applies to dynamic ``Tensor``s (recorded as one node of their graph), to `NDArray`s (the
/// forward alone) and to ``DualTensor``s (the tangent by `jvp(_:output:tangents:)`, derived from
/// the VJP when not given and the base is `NDArray` or ``TensorSymbol``; a dual tensor over
/// ``Tensor`` needs the JVP). Forward mode over a dynamic graph (`tangent(wrt:along:)`,
/// `jvp(at:along:_:)`, `jacobian(at:mode:_:)`) likewise uses the JVP or derives it. On static
/// ``TensorSymbol``s the forward is recorded as ordinary nodes under one marker node, and
/// ``TensorGraph``'s `gradients(of:wrt:)` and `jvp(of:wrt:along:)` inline the rule there as
/// nodes of the graph (second order included), giving the dynamic numbers bit for bit.
public protocol DifferentiableFunction {
    /// The output f(x₀, x₁, …) computed from the inputs' values. On dynamic tensors it runs on
    /// `NDArray`s, unrecorded: its own derivative is never taken.
    func forward<T: DifferentiableTensor>(_ inputs: [T]) -> T

    /// The pullback: for seed s = ∂L/∂output (of the output's shape), ∂L/∂xₖ for each input
    /// (nil: no gradient flows into that input). A result may have the shape the input was
    /// broadcast to: it is summed back to the input's shape. `output` is f(inputs), to be reused
    /// (it is differentiable too: at second order its gradient flows back through this rule).
    func vjp<T: DifferentiableTensor>(_ inputs: [T], output: T, seed: T) -> [T?]

    /// The pushforward: for tangents ẋₖ (nil: zero), ẏ = Σₖ ∂f/∂xₖ · ẋₖ, of the output's shape;
    /// nil to let Nabla derive it from `vjp(_:output:seed:)` (the default).
    ///
    /// The derivation transposes the VJP: as u ↦ vjp(u) is linear, ẏ is the gradient with respect
    /// to u of Σₖ ⟨vjpₖ(u), ẋₖ⟩, taken by reverse mode at u = 0 (JAX's `linear_transpose`). It is
    /// exact for every true VJP written in the algebra; for a rule that is not linear in the seed
    /// (gradient clipping), it gives the rule's linearisation at a zero seed.
    func jvp<T: DifferentiableTensor>(_ inputs: [T], output: T, tangents: [T?]) -> T?

    /// The name shown in messages; the type's name by default.
    var name: String { get }
}

extension DifferentiableFunction {
    /// nil: forward mode derives the tangent from `vjp(_:output:seed:)` by transposition.
    public func jvp<T: DifferentiableTensor>(_ inputs: [T], output: T, tangents: [T?]) -> T? { nil }

    /// The type's name.
    public var name: String { String(describing: Self.self) }

    /// f(inputs), recorded so that reverse and forward mode use this function's rule (PyTorch's
    /// `Function.apply(*inputs)`). Dynamic tensors: the forward runs on their values and one node
    /// joins their graph (none when no input requires gradients, or under `withoutRecording`);
    /// symbols: the forward's nodes under one marker node whose rule is this function's;
    /// numbers: the forward alone.
    public func apply<T: DifferentiableTensor>(_ inputs: [T]) -> T {
        require(!inputs.isEmpty, "\(name).apply: a differentiable function needs at least one input")
        if let applying = T.self as? any CustomFunctionApplying.Type {
            return applyOpening(applying, inputs)
        }
        let error = TensorShapeError(operation: "\(name).apply", shapes: inputs.map(\.shape),
                                     reason: "custom differentiable functions apply to Tensor, TensorSymbol, DualTensor and NDArray only (not to \(T.self))")
        _ = inputs[0].shapesHold(false, error)
        return forward(inputs)
    }

    private func applyOpening<T: DifferentiableTensor, A: CustomFunctionApplying>(_: A.Type, _ inputs: [T]) -> T {
        A.applying(self, inputs.map { $0 as! A }) as! T
    }

    /// f(x) for a function of one input: `apply(_:)` on `[x]`.
    public func apply<T: DifferentiableTensor>(_ x: T) -> T { apply([x]) }

    /// f(x, y) for a function of two inputs: `apply(_:)` on `[x, y]`.
    public func apply<T: DifferentiableTensor>(_ x: T, _ y: T) -> T { apply([x, y]) }

    /// f(x, y, z) for a function of three inputs: `apply(_:)` on `[x, y, z]`.
    public func apply<T: DifferentiableTensor>(_ x: T, _ y: T, _ z: T) -> T { apply([x, y, z]) }
}

extension DifferentiableFunction {
    /// The rule's results, checked: one per input, each summed back to its input's shape. A
    /// wrong count or a shape that does not sum to its input's is a `TensorShapeError` through
    /// `shapesHold`: numbers and dynamic tensors stop with it, symbols record it in their graph
    /// (and get no gradient from the rule).
    func checkedVJP<T: DifferentiableTensor>(_ values: [T], output: T, seed: T) -> [T?] {
        let results = vjp(values, output: output, seed: seed)
        guard output.shapesHold(results.count == values.count,
                                TensorShapeError(operation: "\(name).vjp", shapes: values.map(\.shape),
                                                 reason: "returned \(results.count) gradients for \(values.count) inputs")) else {
            return values.map { _ in nil }
        }
        return zip(results, values).map { result, input in
            guard let result else { return nil }
            guard output.shapesHold(Shape.broadcast(input.shape, result.shape) == result.shape,
                                    TensorShapeError(operation: "\(name).vjp", shapes: [result.shape, input.shape],
                                                     reason: "a gradient of shape \(result.shape) for an input of shape \(input.shape)")) else {
                return nil
            }
            return result.summed(toShape: input.shape)
        }
    }
}

/// The tensor types `apply` knows how to record a custom function on.
protocol CustomFunctionApplying: DifferentiableTensor {
    static func applying(_ function: some DifferentiableFunction, _ inputs: [Self]) -> Self
}

extension NDArray: CustomFunctionApplying {
    /// Numbers carry no gradient: the forward alone.
    static func applying(_ function: some DifferentiableFunction, _ inputs: [NDArray]) -> NDArray {
        function.forward(inputs)
    }
}

extension Tensor: CustomFunctionApplying {
    /// The forward on the values, recorded as one node whose rule is `function`'s.
    static func applying(_ function: some DifferentiableFunction, _ inputs: [Tensor]) -> Tensor {
        let value = function.forward(inputs.map(\.data))
        let context = RecordingContext.forThisThread
        guard context.noGradDepth == 0, inputs.contains(where: \.requiresGrad) else { return Tensor(value) }
        var owner: TensorTape<Scalar>?
        for input in inputs {
            guard let tape = input.tape else { continue }
            if let other = owner, other !== tape {
                requirementFailed("\(function.name).apply: the inputs come from two different graphs (one ended by backward()); use detached() on the older one")
            }
            owner = tape
        }
        let tape = owner ?? context.currentTensorTape(Scalar.self)
        tape.requireThisThread("\(function.name).apply")
        let indices = inputs.map { $0.index(on: tape) }
        let index = tape.append(.leaf, -1, -1, value, requiresGrad: true)
        tape.madeExtras.customFunctions[index] = CustomFunctionNode(function: function, inputs: indices)
        return Tensor(primal: value, owner: tape, index: index)
    }
}

/// A custom function's node on a tensor tape: the function, and the node index of each input
/// (constants were recorded as nodes that do not require gradients).
final class CustomFunctionNode<Scalar: TensorScalar> {
    let function: any DifferentiableFunction
    let inputs: [Int32]

    init(function: any DifferentiableFunction, inputs: [Int32]) {
        self.function = function
        self.inputs = inputs
    }

    /// Reverse mode on numbers: adds ∂L/∂input, for `g` = ∂L/∂output at node `index`, into `grads`.
    func pullback(_ g: NDArray<Scalar>, at index: Int32, on tape: TensorTape<Scalar>, into grads: inout [NDArray<Scalar>?]) {
        let values = inputs.map { tape.nodes[Int($0)].value }
        let results = withoutRecording { function.checkedVJP(values, output: tape.nodes[Int(index)].value, seed: g) }
        for (input, result) in zip(inputs, results) where tape.nodes[Int(input)].requiresGrad {
            if let result { TensorTape.accumulateInPlace(result, into: &grads[Int(input)]) }
        }
    }

    /// Reverse mode recorded on the tape (`differentiableGradients`): the rule runs on the
    /// inputs' nodes, so the gradients it adds into `grads` are differentiable again.
    func differentiablePullback(_ g: Tensor<Scalar>, at index: Int32, on tape: TensorTape<Scalar>, into grads: inout [Tensor<Scalar>?]) {
        let values = inputs.map { tape.node($0) }
        let results = function.checkedVJP(values, output: tape.node(index), seed: g)
        for (input, result) in zip(inputs, results) where tape.nodes[Int(input)].requiresGrad {
            if let result { TensorTape<Scalar>.accumulate(result, into: &grads[Int(input)]) }
        }
    }

    /// Forward mode on numbers: the output's tangent from the inputs' tangents (nil: zero), by
    /// the function's JVP or, when it gives none, by transposing its VJP.
    func tangent(at index: Int32, on tape: TensorTape<Scalar>, tangents: [NDArray<Scalar>?]) -> NDArray<Scalar>? {
        guard tangents.contains(where: { $0 != nil }) else { return nil }
        let values = inputs.map { tape.nodes[Int($0)].value }
        let output = tape.nodes[Int(index)].value
        if let given = withoutRecording({ function.jvp(values, output: output, tangents: tangents) }) {
            require(given.shape == output.shape,
                    "\(function.name).jvp: a tangent of shape \(given.shape) for an output of shape \(output.shape)")
            return given
        }
        return NDArray.transposedTangent(function, values, output: output, tangents: tangents)
    }
}

extension NDArray {
    /// The tangent of `function`'s output derived from its VJP: ẏ = ∇ᵤ Σₖ ⟨vjpₖ(u), ẋₖ⟩ at u = 0,
    /// by reverse mode on a private tape (the thread's current one is left alone).
    static func transposedTangent(_ function: any DifferentiableFunction, _ values: [NDArray], output: NDArray,
                                  tangents: [NDArray?]) -> NDArray {
        let privateTape = TensorTape<Scalar>(context: RecordingContext.forThisThread)
        return CheckpointNode<Scalar>.recording(on: privateTape) {
            let u = Tensor(NDArray.zeros(output.shape), requiresGrad: true)
            let results = function.checkedVJP(values.map { Tensor($0) }, output: Tensor(output), seed: u)
            var total: Tensor<Scalar>?
            for (result, tangent) in zip(results, tangents) {
                guard let result, let tangent else { continue }
                let term = (result * Tensor(tangent)).sum()
                total = total.map { $0 + term } ?? term
            }
            guard let total, total.requiresGrad else { return NDArray.zeros(output.shape) }
            return total.gradients(wrt: [u])[0]
        }
    }
}

extension DualTensor: CustomFunctionApplying {
    /// The primal by `Base`'s `apply` (recorded when `Base` records), the tangent by the
    /// function's JVP; without one, derived from the VJP when `Base` is `NDArray` or
    /// `TensorSymbol`, else stops.
    static func applying(_ function: some DifferentiableFunction, _ inputs: [DualTensor]) -> DualTensor {
        let primals = inputs.map(\.primal)
        let primal = function.apply(primals)
        let tangents = inputs.map(\.storedTangent)
        guard tangents.contains(where: { $0 != nil }) else { return DualTensor(primal) }
        if let given = function.jvp(primals, output: primal, tangents: tangents) {
            require(given.shape == primal.shape,
                    "\(function.name).jvp: a tangent of shape \(given.shape) for an output of shape \(primal.shape)")
            return DualTensor(primal, tangent: given)
        }
        if let numbers = Base.self as? any CustomFunctionTransposing.Type {
            return DualTensor(primal, tangent: numbers.transposing(function, primals, output: primal, tangents: tangents))
        }
        requirementFailed("\(function.name).apply: forward mode on DualTensor<\(Base.self)> needs the function's jvp (it is derived from the vjp only over NDArray and TensorSymbol)")
    }
}

/// Tensor types whose tangents a custom function can derive from its VJP (`NDArray`, `TensorSymbol`).
protocol CustomFunctionTransposing {
    static func transposing<T: DifferentiableTensor>(_ function: some DifferentiableFunction, _ values: [T], output: T, tangents: [T?]) -> T
}

extension NDArray: CustomFunctionTransposing {
    static func transposing<T: DifferentiableTensor>(_ function: some DifferentiableFunction, _ values: [T], output: T, tangents: [T?]) -> T {
        transposedTangent(function, values.map { $0 as! NDArray }, output: output as! NDArray,
                          tangents: tangents.map { $0.map { $0 as! NDArray } }) as! T
    }
}
