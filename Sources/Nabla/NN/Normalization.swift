/// Layer normalisation over the last axes (`normalizedShape`): (x − mean)/√(var + ε)·γ + β,
/// with the biased variance, as PyTorch's `nn.LayerNorm`.
public final class LayerNorm<Scalar: TensorScalar>: Layer {
    /// The trailing shape normalised over (PyTorch's `normalized_shape`).
    public let normalizedShape: Shape
    /// ε, added to the variance (PyTorch's `eps`).
    public let epsilon: Double
    /// γ, ones initially; nil without an elementwise affine map.
    public let weight: Tensor<Scalar>?
    /// β, zeros initially.
    public let bias: Tensor<Scalar>?

    /// A layer with γ = 1 and β = 0 of `normalizedShape` when `elementwiseAffine` (PyTorch's
    /// `elementwise_affine`), without parameters otherwise.
    public init(_ normalizedShape: Shape, epsilon: Double = 1e-5, elementwiseAffine: Bool = true) {
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Tensor(NDArray.ones(normalizedShape), requiresGrad: true) : nil
        bias = elementwiseAffine ? Tensor(NDArray.zeros(normalizedShape), requiresGrad: true) : nil
    }

    /// Input [..., normalizedShape] → the same shape, each trailing block normalised by its own
    /// mean and variance. An input not ending in `normalizedShape` stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        let rank = input.shape.rank, count = normalizedShape.rank
        guard input.shapesHold(rank >= count && Array(input.shape.dimensions.suffix(count)) == normalizedShape.dimensions,
                               TensorShapeError(operation: "LayerNorm\(normalizedShape)", shapes: [input.shape],
                                                reason: "the input does not end in \(normalizedShape)"))
        else { return input }
        let axes = Array(rank - count..<rank)
        let centred = input - input.mean(axes: axes, keepingDimensions: true)
        let variance = (centred * centred).mean(axes: axes, keepingDimensions: true)
        var output = centred / sqrt(variance + epsilon)
        if let weight, let bias { output = output * context.parameter(weight) + context.parameter(bias) }
        return output
    }
}

/// Batch normalisation over the batch (and spatial) axes of [N, C], [N, C, L] (`BatchNorm1d`)
/// or [N, C, H, W] (`BatchNorm2d`) inputs, per channel C, as PyTorch: in training it uses the
/// batch's mean and biased variance and updates running averages (momentum 0.1, the running
/// variance from the unbiased one); in evaluation it uses the running averages.
///
/// y = (x − mean)/√(var + ε)·γ + β, and after each training batch
/// running ← (1 − momentum)·running + momentum·batch statistic.
public final class BatchNorm<Scalar: TensorScalar>: Layer, TrainingModeDependent {
    /// C, the number of channels (PyTorch's `num_features`).
    public let features: Int
    /// ε, added to the variance (PyTorch's `eps`).
    public let epsilon: Double
    /// The weight of each new batch statistic in the running averages.
    public let momentum: Double
    /// γ [C], ones initially.
    public let weight: Tensor<Scalar>
    /// β [C], zeros initially.
    public let bias: Tensor<Scalar>
    /// The running mean [C], zeros initially (PyTorch's `running_mean`).
    public let runningMean: Buffer<Scalar>
    /// The running variance [C], ones initially (PyTorch's `running_var`).
    public let runningVar: Buffer<Scalar>
    /// Whether batch statistics are used and the running averages updated; set by
    /// ``Module/train()`` and ``Module/eval()``.
    public var isTraining = true

    /// A layer for `features` channels: γ = 1, β = 0, running mean 0 and variance 1, as PyTorch.
    public init(_ features: Int, epsilon: Double = 1e-5, momentum: Double = 0.1) {
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Tensor(NDArray.ones([features]), requiresGrad: true)
        bias = Tensor(NDArray.zeros([features]), requiresGrad: true)
        runningMean = Buffer(NDArray.zeros([features]))
        runningVar = Buffer(NDArray.ones([features]))
    }

    /// Input [N, C, …] → the same shape. An input without C channels on axis 1, or in training
    /// one with a single value per channel, stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        let rank = input.shape.rank
        guard input.shapesHold(rank >= 2 && input.shape[1] == features,
                               TensorShapeError(operation: "BatchNorm(\(features))", shapes: [input.shape],
                                                reason: "the input does not have \(features) channels on axis 1"))
        else { return input }
        // Per-channel vectors broadcast as [1, C, 1, …].
        let channelShape = Shape([1, features] + Array(repeating: 1, count: rank - 2))
        let axes = [0] + Array(2..<rank)
        let mean: T, variance: T
        if isTraining {
            let count = axes.reduce(1) { $0 * input.shape[$1] }
            guard input.shapesHold(count > 1, TensorShapeError(operation: "BatchNorm(\(features))", shapes: [input.shape],
                                                               reason: "training needs more than one value per channel"))
            else { return input }
            mean = input.mean(axes: axes, keepingDimensions: true)
            let centred = input - mean
            variance = (centred * centred).mean(axes: axes, keepingDimensions: true)
            let momentum = Scalar(self.momentum), unbiased = Scalar(Double(count) / Double(count - 1))
            let (runningMean, runningVar) = (self.runningMean, self.runningVar)
            context.observe(mean.stoppingGradient().reshaped([features])) { batchMean in
                runningMean.value = NDArray.combine(runningMean.value, batchMean) { (1 - momentum) * $0 + momentum * $1 }
            }
            context.observe(variance.stoppingGradient().reshaped([features])) { batchVariance in
                runningVar.value = NDArray.combine(runningVar.value, batchVariance) { (1 - momentum) * $0 + momentum * unbiased * $1 }
            }
        } else {
            mean = context.buffer(runningMean).reshaped(channelShape)
            variance = context.buffer(runningVar).reshaped(channelShape)
        }
        let normalized = (input - mean) / sqrt(variance + epsilon)
        return normalized * context.parameter(weight).reshaped(channelShape) + context.parameter(bias).reshaped(channelShape)
    }
}

/// Batch normalisation of [N, C] or [N, C, L] inputs.
public typealias BatchNorm1d<Scalar: TensorScalar> = BatchNorm<Scalar>
/// Batch normalisation of [N, C, H, W] inputs.
public typealias BatchNorm2d<Scalar: TensorScalar> = BatchNorm<Scalar>

/// A table of `count` vectors of `dimension` numbers, looked up by integer index (word
/// embeddings); initialised from N(0, 1) as PyTorch's `nn.Embedding` does.
public final class Embedding<Scalar: TensorScalar>: Module {
    /// [count, dimension].
    public let weight: Tensor<Scalar>

    /// A table drawn from `generator`; sizes must be positive (a stop otherwise).
    public init(_ count: Int, _ dimension: Int, generator: inout SeededGenerator) {
        require(count > 0 && dimension > 0, "Embedding: sizes must be positive")
        weight = Tensor(Initialization.normal([count, dimension], generator: &generator), requiresGrad: true)
    }

    /// A table drawn from its own generator seeded with `seed`.
    public convenience init(_ count: Int, _ dimension: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(count, dimension, generator: &generator)
    }

    /// The rows at `indices`: shape [indices.count, dimension]. Its gradient adds into the rows
    /// looked up (repeated indices accumulate). An index outside `0..<count` stops (a
    /// programmer error); see ``callAsFunction(checking:)`` for untrusted indices.
    public func forward<T: DifferentiableTensor>(indices: [Int], _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        let count = weight.shape[0]
        for (position, index) in indices.enumerated() {
            require(index >= 0 && index < count, "Embedding(\(count)): index \(index) at position \(position) is out of range")
        }
        return context.parameter(weight).indexSelect(indices, axis: 0)
    }

    /// The rows at `indices`, recorded dynamically.
    public func callAsFunction(_ indices: [Int]) -> Tensor<Scalar> { forward(indices: indices, .dynamic()) }

    /// The rows at `indices` after checking each is in `0..<count`: an index from outside (a
    /// request's token ids) that is out of range is thrown, not a stop.
    public func callAsFunction(checking indices: [Int]) throws(TensorShapeError) -> Tensor<Scalar> {
        let count = weight.shape[0]
        if let position = indices.firstIndex(where: { $0 < 0 || $0 >= count }) {
            throw TensorShapeError(operation: "Embedding(\(count))", shapes: [weight.shape],
                                   reason: "index \(indices[position]) at position \(position) is out of range 0..<\(count)")
        }
        return self(indices)
    }
}
