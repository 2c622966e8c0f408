/// A model's training step and prediction compiled into static programs, as `jax.jit` compiles
/// a step: the layers' forward pass is traced on ``TensorSymbol``s with each parameter, buffer
/// and dropout mask an input, the loss's gradients are graph nodes, and one program per input
/// shape (and per training/evaluation mode) is compiled and cached. Parameters are read when a
/// program runs, so optimiser updates between runs are seen.
///
/// ```swift
/// let compiled = CompiledModel(model, loss: .crossEntropy())
/// let result = try compiled.trainingStep(inputs: batch.inputs, targets: targets)
/// optimizer.step(gradients: result.gradients)
/// ```
public final class CompiledModel<Model: Layer> {
    /// The model's element type.
    public typealias Scalar = Model.Scalar
    /// The model compiled: its parameters are read, and its buffers updated, on each run.
    public let model: Model
    /// The objective whose gradients ``trainingStep(inputs:targets:)`` computes.
    public let loss: Loss
    /// Where dropout masks are drawn from, fresh on each run.
    public let randomness: DropoutRandomness
    private let parameters: [(name: String, tensor: Tensor<Scalar>)]
    private let buffers: [(name: String, buffer: Buffer<Scalar>)]
    private var programs: [Key: Compiled] = [:]

    private struct Key: Hashable {
        var input: Shape, targets: Shape?, training: Bool
    }

    private struct Compiled {
        let program: TensorProgram<Scalar>
        /// The inputs the program reads (compilation drops those it does not need).
        let needs: Set<String>
        let masks: [(name: String, shape: Shape, keep: Double)]
        let observers: [(NDArray<Scalar>) -> Void]
    }

    /// The result of one training step: the loss, the model's output, and one gradient per
    /// parameter (in ``Module/parameters`` order).
    public struct StepResult {
        /// The loss on the batch.
        public let loss: Scalar
        /// The model's output on the batch, in training mode.
        public let output: NDArray<Scalar>
        /// ∂loss/∂p for each parameter p, in ``Module/parameters`` order, each of p's shape.
        public let gradients: [NDArray<Scalar>]
    }

    /// A compiled model with nothing compiled yet: each program is compiled on its first run.
    /// The model's parameters and buffers are listed once, here.
    public init(_ model: Model, loss: Loss, randomness: DropoutRandomness = .shared) {
        self.model = model
        self.loss = loss
        self.randomness = randomness
        parameters = model.namedParameters
        buffers = model.namedBuffers
    }

    /// How many programs have been compiled (one per input shape and mode).
    public var compiledCount: Int { programs.count }

    /// Forward and backward on one batch: the loss, the output and the gradients. Batch-norm
    /// running statistics are updated, as in the dynamic mode. Throws the `TensorShapeError`
    /// of a shape mismatch in the model or loss, found when these shapes are first compiled.
    public func trainingStep(inputs: NDArray<Scalar>, targets: NDArray<Scalar>) throws -> StepResult {
        let compiled = try program(Key(input: inputs.shape, targets: targets.shape, training: true))
        let outputs = try run(compiled, inputs: inputs, targets: targets)
        let gradientCount = parameters.count
        for (observer, value) in zip(compiled.observers, outputs[(2 + gradientCount)...]) { observer(value) }
        return StepResult(loss: outputs[0].scalar, output: outputs[1], gradients: Array(outputs[2..<2 + gradientCount]))
    }

    /// The model's output on `inputs` in evaluation mode (dropout off, running statistics).
    /// Throws the `TensorShapeError` of a shape mismatch, found when the shape is first compiled.
    public func predict(_ inputs: NDArray<Scalar>) throws -> NDArray<Scalar> {
        let compiled = try program(Key(input: inputs.shape, targets: nil, training: false))
        return try run(compiled, inputs: inputs, targets: nil)[0]
    }

    private func run(_ compiled: Compiled, inputs: NDArray<Scalar>, targets: NDArray<Scalar>?) throws -> [NDArray<Scalar>] {
        var feeds: [String: NDArray<Scalar>] = [:]
        func feed(_ name: String, _ value: @autoclosure () -> NDArray<Scalar>) {
            if compiled.needs.contains(name) { feeds[name] = value() }
        }
        feed("input", inputs)
        if let targets { feed("targets", targets) }
        for (name, tensor) in parameters { feed("parameter " + name, tensor.data) }
        for (name, buffer) in buffers { feed("buffer " + name, buffer.value) }
        for mask in compiled.masks { feed(mask.name, randomness.mask(mask.shape, keep: mask.keep)) }
        return try compiled.program.run(feeds)
    }

    private func program(_ key: Key) throws -> Compiled {
        if let compiled = programs[key] { return compiled }
        let graph = TensorGraph<Scalar>()
        var lifted: [ObjectIdentifier: TensorSymbol<Scalar>] = [:]
        var parameterSymbols: [TensorSymbol<Scalar>] = []
        for (name, tensor) in parameters {
            let symbol = graph.input("parameter " + name, shape: tensor.shape)
            lifted[tensor.leafIdentity!] = symbol
            parameterSymbols.append(symbol)
        }
        var bufferSymbols: [ObjectIdentifier: TensorSymbol<Scalar>] = [:]
        for (name, buffer) in buffers { bufferSymbols[ObjectIdentifier(buffer)] = graph.input("buffer " + name, shape: buffer.value.shape) }
        var masks: [(name: String, shape: Shape, keep: Double)] = []
        var observed: [(TensorSymbol<Scalar>, (NDArray<Scalar>) -> Void)] = []
        let context = ForwardContext<TensorSymbol<Scalar>>(
            parameter: { tensor in
                guard let id = tensor.leafIdentity, let symbol = lifted[id] else {
                    requirementFailed("CompiledModel: the forward pass used a parameter that is not a stored property of the model")
                }
                return symbol
            },
            buffer: { buffer in
                guard let symbol = bufferSymbols[ObjectIdentifier(buffer)] else {
                    requirementFailed("CompiledModel: the forward pass used a buffer that is not a stored property of the model")
                }
                return symbol
            },
            dropoutMask: { shape, keep in
                let name = "dropout mask \(masks.count)"
                masks.append((name, shape, keep))
                return graph.input(name, shape: shape)
            },
            observe: { statistic, update in observed.append((statistic, update)) })

        let input = graph.input("input", shape: key.input)
        let output = model.withMode(training: key.training) { model.forward(input, context) }
        let outputs: [TensorSymbol<Scalar>]
        if let targetShape = key.targets {
            let targets = graph.input("targets", shape: targetShape)
            let value = loss(output, targets, parameters: parameterSymbols)
            outputs = [value, output] + (try graph.gradients(of: value, wrt: parameterSymbols)) + observed.map(\.0)
        } else {
            outputs = [output]
        }
        let program = try graph.compile(outputs)
        let compiled = Compiled(program: program, needs: Set(program.inputShapes.map(\.name)), masks: masks, observers: observed.map(\.1))
        programs[key] = compiled
        return compiled
    }
}
