// Gradient checkpointing for dynamic tensors (PyTorch's `torch.utils.checkpoint`).
//
// Forward: the function runs on a private tape of its own (so its activations are freed as soon
// as it returns), which also shows which leaves it reads (the parameters its closure captured);
// the caller's tape gets a single node holding the output, whose operands are the computed
// inputs and those leaves. Backward: reaching that node, the function runs again from the saved
// input values on a fresh private tape, with the dropout generator put back as it was, and the
// node's gradient is propagated through that recomputation to the operands; the private tape is
// then freed. With `differentiableGradients` the recomputation is recorded on the caller's tape
// instead (its gradients must be differentiable again), so second order works.

/// Runs `body` on `inputs` without keeping its intermediate results for reverse mode
/// (PyTorch's `torch.utils.checkpoint.checkpoint(body, *inputs, use_reentrant=False)`): they are
/// freed as soon as `body` returns, and reverse mode runs `body` again to get them back, trading
/// a second forward computation of the segment for its activations' memory.
///
/// The result is `body(inputs)`, and gradients through it equal those of the plain call (bit for
/// bit, when each tensor is used only inside the checkpoint or only outside it; otherwise the
/// inside contributions are added up first, which may round differently). They reach the
/// computed `inputs` and every leaf (parameter) that `body` reads, whether passed in `inputs` or
/// captured by the closure; a tensor computed outside `body` must be passed in `inputs` (using a
/// captured one stops). Works with `backward()`, `gradients(wrt:)` and, to second order and
/// beyond, `differentiableGradients(wrt:)` (there the recomputation is recorded, so it is kept).
///
/// `body` must compute the same thing when run again: it runs twice, so it must not have other
/// side effects, and it must read the same leaves. Dropout masks drawn from
/// `DropoutRandomness.shared` (the `Dropout` module's source) replay identically: the generator's
/// state is saved before the first run, put back for the recomputation, and restored after it, as
/// PyTorch's `preserve_rng_state=True`. A `SeededGenerator` captured from outside the closure
/// would advance twice: make it inside the closure instead. Under `withoutRecording` this is
/// `body(inputs)`.
public func checkpoint<Scalar: TensorScalar>(_ inputs: [Tensor<Scalar>],
                                             _ body: @escaping ([Tensor<Scalar>]) -> Tensor<Scalar>) -> Tensor<Scalar> {
    let context = RecordingContext.forThisThread
    if context.noGradDepth > 0 { return body(inputs) }
    var outer: TensorTape<Scalar>?
    for input in inputs {
        guard let tape = input.tape else { continue }
        if let other = outer, other !== tape {
            requirementFailed("checkpoint: the inputs come from two different graphs (one ended by backward()); use detached() on the older one")
        }
        outer = tape
    }
    let randomness = DropoutRandomness.shared.generator.withLock { $0 }
    let node = CheckpointNode(body: body, inputs: inputs, randomness: randomness)

    // The first run, on a private tape freed on return.
    let first = CheckpointNode<Scalar>.isolatedTape(context)
    let substitutes = node.arguments(inputs.map(\.primal))
    let output = CheckpointNode.recording(on: first) { body(substitutes) }
    if let tape = output.tape, tape !== first {
        requirementFailed("checkpoint: the function used a tensor computed outside it; pass such tensors in the inputs")
    }
    let given = Set(zip(inputs, substitutes).compactMap { $0.tape != nil ? $1.leafIdentity : nil })
    let capturedLeaves = first.leaves.map(\.leaf).filter { !given.contains(ObjectIdentifier($0)) }

    // One node on the caller's tape.
    let tape = outer ?? context.currentTensorTape(Scalar.self)
    tape.requireThisThread("checkpoint")
    for (k, input) in inputs.enumerated() where input.tape != nil && tape.nodes[Int(input.index)].requiresGrad {
        node.operands.append((input.index, .input(k)))
    }
    for leaf in capturedLeaves { node.operands.append((tape.index(of: leaf), .leaf(ObjectIdentifier(leaf)))) }
    if node.operands.isEmpty { return Tensor(output.primal) }
    let index = tape.append(.leaf, -1, -1, output.primal, requiresGrad: true)
    tape.madeExtras.checkpoints[index] = node
    return Tensor(primal: output.primal, owner: tape, index: index)
}

/// ``checkpoint(_:_:)`` for a function of one tensor (and of the parameters it captures), as
/// `torch.utils.checkpoint.checkpoint(body, x)`.
///
/// ```swift
/// let weights = (0..<8).map { Tensor<Double>(NDArray.randomNormal([16, 16], seed: UInt64($0)), requiresGrad: true) }
/// var h = Tensor<Double>(NDArray.randomNormal([4, 16], seed: 9))
/// for block in stride(from: 0, to: 8, by: 4) {   // keep activations only every 4 layers
///     h = checkpoint(h) { x in weights[block..<block + 4].reduce(x) { tanh($0.matmul($1)) } }
/// }
/// h.sum().backward()                               // every layer's weight gets its gradient
/// ```
public func checkpoint<Scalar: TensorScalar>(_ input: Tensor<Scalar>,
                                             _ body: @escaping (Tensor<Scalar>) -> Tensor<Scalar>) -> Tensor<Scalar> {
    checkpoint([input]) { body($0[0]) }
}

/// A checkpointed segment on its caller's tape: what it needs to run the function again.
final class CheckpointNode<Scalar: TensorScalar> {
    let body: ([Tensor<Scalar>]) -> Tensor<Scalar>
    /// The inputs, computed ones as their node index on the caller's tape (a `Tensor` would keep
    /// that tape alive from its own side table), leaves and constants as themselves.
    let inputs: [Input]
    let randomness: SeededGenerator
    /// The node index on the caller's tape of each operand, and what stands for it in a
    /// recomputation: the substitute leaf of input k, or a captured leaf.
    var operands: [(index: Int32, source: Source)] = []

    enum Source {
        case input(Int)
        case leaf(ObjectIdentifier)
    }

    enum Input {
        case computed(Int32)
        case given(Tensor<Scalar>)
    }

    init(body: @escaping ([Tensor<Scalar>]) -> Tensor<Scalar>, inputs: [Tensor<Scalar>], randomness: SeededGenerator) {
        self.body = body
        self.inputs = inputs.map { $0.tape != nil ? .computed($0.index) : .given($0) }
        self.randomness = randomness
    }

    /// The arguments of a run on a private tape: each computed input replaced by a fresh leaf
    /// holding `values[k]`, the others as given.
    func arguments(_ values: [NDArray<Scalar>]) -> [Tensor<Scalar>] {
        zip(inputs, values).map { input, value in
            switch input {
            case .computed: Tensor(value, requiresGrad: true)
            case .given(let tensor): tensor
            }
        }
    }

    /// A tape that keeps leaves' positions to itself.
    static func isolatedTape(_ context: RecordingContext) -> TensorTape<Scalar> {
        let tape = TensorTape<Scalar>(context: context)
        tape.madeExtras.isolatedLeaves = [:]
        return tape
    }

    /// Runs `body` recording on `tape` (leaves alone go to it too), even under no-grad (a
    /// backward pass may run there), then puts the thread's recording state back.
    static func recording<R>(on tape: TensorTape<Scalar>, _ body: () -> R) -> R {
        let context = tape.context
        let key = ObjectIdentifier(Scalar.self)
        let saved = context.tensorTapes[key]
        let keptAlive = saved?.takeUnretainedValue()   // so the saved entry cannot dangle
        let depth = context.noGradDepth
        context.tensorTapes[key] = Unmanaged.passUnretained(tape)
        context.noGradDepth = 0
        defer {
            context.tensorTapes[key] = saved
            context.noGradDepth = depth
            withExtendedLifetime(keptAlive) {}
        }
        return body()
    }

    /// Runs `body` with the dropout generator as it was at the first run, then restores it.
    func replaying<R>(_ body: () -> R) -> R {
        let shared = DropoutRandomness.shared
        let now = shared.generator.withLock { $0 }
        shared.generator.withLock { $0 = randomness }
        defer { shared.generator.withLock { $0 = now } }
        return body()
    }

    /// Reverse mode through the segment: runs it again on a private tape from the saved input
    /// values and adds ∂L/∂operand, for `g` = ∂L/∂output, into `grads`.
    func pullback(_ g: NDArray<Scalar>, on tape: TensorTape<Scalar>, into grads: inout [NDArray<Scalar>?]) {
        let values = inputs.map { input -> NDArray<Scalar> in
            switch input {
            case .computed(let index): tape.nodes[Int(index)].value
            case .given(let tensor): tensor.primal
            }
        }
        let arguments = self.arguments(values)
        let again = Self.isolatedTape(tape.context)
        let output = replaying { Self.recording(on: again) { body(arguments) } }
        let innerGrads: [NDArray<Scalar>?] = output.tape === again ? again.gradients(from: output.index, seed: g) : []
        let positions = again.extras?.isolatedLeaves ?? [:]
        for (operand, leaf) in zip(operands, leaves(in: arguments)) {
            guard let leaf else { continue }
            var gradient: NDArray<Scalar>?
            if output.leafIdentity == leaf {
                gradient = g
            } else if let position = positions[leaf], Int(position) < innerGrads.count {
                gradient = innerGrads[Int(position)]
            }
            if let gradient { TensorTape.accumulateInPlace(gradient, into: &grads[Int(operand.index)]) }
        }
    }

    /// The leaf standing for each operand in a run with `arguments`.
    func leaves(in arguments: [Tensor<Scalar>]) -> [ObjectIdentifier?] {
        operands.map { operand in
            switch operand.source {
            case .input(let k): arguments[k].leafIdentity
            case .leaf(let identity): identity
            }
        }
    }

    /// `differentiableGradients` through the segment: runs it again recorded on the caller's
    /// tape (from the inputs' nodes), so the gradients it adds into `grads` are differentiable.
    func differentiablePullback(_ g: Tensor<Scalar>, on tape: TensorTape<Scalar>, into grads: inout [Tensor<Scalar>?]) {
        let arguments = inputs.map { input -> Tensor<Scalar> in
            switch input {
            case .computed(let index): tape.node(index)
            case .given(let tensor): tensor
            }
        }
        let start = Int32(tape.nodes.count)
        let output = replaying { Self.recording(on: tape) { body(arguments) } }
        guard let root = output.index(in: tape) else { return }
        if root < start {
            TensorTape<Scalar>.accumulate(g, into: &grads[Int(root)])
            return
        }
        let inner = tape.differentiableGradients(from: root, seed: g, through: start)
        for index in Set(operands.map(\.index)) where Int(index) < inner.count {
            if let gradient = inner[Int(index)] { TensorTape<Scalar>.accumulate(gradient, into: &grads[Int(index)]) }
        }
    }
}
