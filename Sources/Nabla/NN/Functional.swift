// Layers as functions (PyTorch's torch.nn.functional): the computations of the LayerNorm,
// BatchNorm, Dropout, Embedding and AdaptiveAvgPool2d modules, written once over
// DifferentiableTensor as composites, so they run on dynamic tensors and static symbols alike and
// every order of derivative comes from the primitives' rules. The modules call these.

/// Layer normalisation (PyTorch's `F.layer_norm(x, normalized_shape, weight, bias, eps)`): each
/// block of the trailing `normalizedShape` axes is normalised by its own mean and biased variance,
///
///     y = (x − mean)/√(var + ε) · weight + bias,   var = mean((x − mean)²),
///
/// with `weight` and `bias` (each optional) of shape `normalizedShape`. The input must end in
/// `normalizedShape` (at least one axis); the output has the input's shape. The `LayerNorm`
/// module's computation. Derivatives come from the mean, square root and division rules.
public func layerNorm<T: DifferentiableTensor>(_ input: T, shape normalizedShape: Shape, weight: T? = nil, bias: T? = nil,
                                               eps: Double = 1e-5) -> T {
    let rank = input.shape.rank, count = normalizedShape.rank
    let shapes = [input.shape] + [weight, bias].compactMap { $0?.shape }
    guard input.shapesHold(count >= 1 && rank >= count && Array(input.shape.dimensions.suffix(count)) == normalizedShape.dimensions
                            && [weight, bias].allSatisfy { $0 == nil || $0!.shape == normalizedShape },
                           TensorShapeError(operation: "layerNorm", shapes: shapes,
                                            reason: "expected an input ending in \(normalizedShape) (at least one axis), and a weight and bias of that shape"))
    else { return input }
    let axes = Array(rank - count..<rank)
    let centred = input - input.mean(axes: axes, keepingDimensions: true)
    let variance = (centred * centred).mean(axes: axes, keepingDimensions: true)
    var output = centred / sqrt(variance + eps)
    if let weight { output = output * weight }
    if let bias { output = output + bias }
    return output
}

/// Batch normalisation (PyTorch's `F.batch_norm(x, running_mean, running_var, weight, bias,
/// training, momentum, eps)`) of an input [N, C, …], per channel C over the batch and any
/// further (spatial) axes:
///
///     y = (x − mean)/√(var + ε) · weight[c] + bias[c]
///
/// In training, mean and var are the batch's (the biased variance normalises), and the running
/// statistics, when given, are replaced by
///
///     running_mean ← (1 − momentum)·running_mean + momentum·mean
///     running_var  ← (1 − momentum)·running_var  + momentum·var·n/(n − 1)
///
/// (the unbiased variance, n values per channel), as PyTorch updates its buffers. In evaluation
/// (`training: false`) the running statistics are used and left unchanged; they must be given.
///
/// The running statistics are passed `inout` as values of `T` of shape [C], because in the static
/// mode their new values are only known when the program runs: with dynamic ``Tensor``s the
/// updated tensors hold the numbers at once (read `.data`); with ``TensorSymbol``s they are the
/// symbols of the updated statistics, to compile as outputs and feed back in on the next run (the
/// `BatchNorm` module does this through its `ForwardContext`). The updates carry no gradient from
/// the input. `weight` and `bias` are [C] or absent; training needs more than one value per
/// channel. The `BatchNorm` module's computation.
public func batchNorm<T: DifferentiableTensor>(_ input: T, runningMean: inout T?, runningVar: inout T?, weight: T? = nil, bias: T? = nil,
                                               training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5) -> T {
    require(training || (runningMean != nil && runningVar != nil),
            "batchNorm: evaluation (training: false) needs the running mean and variance")
    let rank = input.shape.rank, channels = rank >= 2 ? input.shape[1] : 0
    let vectors = [runningMean, runningVar, weight, bias]
    guard input.shapesHold(rank >= 2 && vectors.allSatisfy { $0 == nil || $0!.shape == [channels] },
                           TensorShapeError(operation: "batchNorm", shapes: [input.shape] + vectors.compactMap { $0?.shape },
                                            reason: "expected an input [N, C, …] and running statistics, weight and bias of shape [C]"))
    else { return input }
    // Per-channel vectors broadcast as [1, C, 1, …].
    let channelShape = Shape([1, channels] + Array(repeating: 1, count: rank - 2))
    let axes = [0] + Array(2..<rank)
    let mean: T, variance: T
    if training {
        let count = axes.reduce(1) { $0 * input.shape[$1] }
        guard input.shapesHold(count > 1, TensorShapeError(operation: "batchNorm", shapes: [input.shape],
                                                           reason: "training needs more than one value per channel"))
        else { return input }
        mean = input.mean(axes: axes, keepingDimensions: true)
        let centred = input - mean
        variance = (centred * centred).mean(axes: axes, keepingDimensions: true)
        // The constants are rounded to Scalar before they multiply, so Float statistics are
        // (1 − m)·r + m·b and (1 − m)·r + (m·u)·b computed in Float, u = n/(n − 1).
        let m = T.Scalar(momentum)
        let keep = Double(1 - m), meanWeight = Double(m), varianceWeight = Double(m * T.Scalar(Double(count) / Double(count - 1)))
        if let running = runningMean { runningMean = running * keep + mean.stoppingGradient().reshaped([channels]) * meanWeight }
        if let running = runningVar { runningVar = running * keep + variance.stoppingGradient().reshaped([channels]) * varianceWeight }
    } else {
        mean = runningMean!.reshaped(channelShape)
        variance = runningVar!.reshaped(channelShape)
    }
    var output = (input - mean) / sqrt(variance + eps)
    if let weight { output = output * weight.reshaped(channelShape) }
    if let bias { output = output + bias.reshaped(channelShape) }
    return output
}

/// Batch normalisation with the batch's statistics and no running statistics (PyTorch's
/// `F.batch_norm(x, None, None, weight, bias, training=True, eps=eps)`): input [N, C, …],
/// y = (x − mean)/√(var + ε)·weight[c] + bias[c], the biased variance over every axis but 1.
public func batchNorm<T: DifferentiableTensor>(_ input: T, weight: T? = nil, bias: T? = nil, eps: Double = 1e-5) -> T {
    var runningMean: T? = nil, runningVar: T? = nil
    return batchNorm(input, runningMean: &runningMean, runningVar: &runningVar, weight: weight, bias: bias, training: true, eps: eps)
}

/// Dropout (PyTorch's `F.dropout(x, p, training)`), inverted: in training each element is zeroed
/// with probability p and the others are scaled by 1/(1 − p), so the expected value is x; not in
/// training, or with p = 0, the input itself; with p = 1, x·0 (zeros, NaN stays NaN, as PyTorch).
/// The mask draws one number per element, in row-major order, from `generator` (an element is
/// kept when the number is below 1 − p), so a seed fixes it. ∂/∂x: the seed times the same mask.
/// In a static graph the mask is drawn once, when the graph is built, and is a constant of it; the
/// `Dropout` module in a `CompiledModel` draws a fresh mask on every run instead. A probability
/// outside [0, 1] stops (a programmer error).
public func dropout<T: DifferentiableTensor>(_ input: T, probability: Double = 0.5, training: Bool = true,
                                             generator: inout SeededGenerator) -> T {
    dropout(input, probability: probability, training: training) { shape, keep in
        input.constant(DropoutRandomness.mask(shape, keep: keep, generator: &generator))
    }
}

/// Dropout with the mask from `mask(shape, keep)`: the one place its rule is written, for
/// `dropout(_:probability:training:generator:)` and the `Dropout` module (whose masks come from
/// its `ForwardContext`).
func dropout<T: DifferentiableTensor>(_ input: T, probability: Double, training: Bool, mask: (Shape, Double) -> T) -> T {
    require(probability >= 0 && probability <= 1, "dropout: probability \(probability) is not in [0, 1]")
    guard training, probability > 0 else { return input }
    if probability == 1 { return input * 0 }
    return input * mask(input.shape, 1 - probability)
}

/// The rows of `weight` [count, dimension] at `indices` (PyTorch's `F.embedding(indices, weight)`
/// for a 1-d index tensor): [indices.count, dimension]. ∂/∂weight: the seed's rows added into
/// the rows looked up (repeated indices accumulate). An index outside `0..<count` stops with a
/// message naming it (a programmer error; the `Embedding` module's `callAsFunction(checking:)`
/// throws instead). The `Embedding` module's computation.
public func embedding<T: DifferentiableTensor>(_ indices: [Int], weight: T) -> T {
    guard weight.shapesHold(weight.shape.rank == 2, TensorShapeError(operation: "embedding", shapes: [weight.shape],
                                                                     reason: "expected a weight [count, dimension]"))
    else { return weight }
    let count = weight.shape[0]
    for (position, index) in indices.enumerated() {
        require(index >= 0 && index < count, "embedding: index \(index) at position \(position) is out of range 0..<\(count)")
    }
    return weight.indexSelect(indices, axis: 0)
}

extension DifferentiableTensor {
    /// Adaptive average pooling (PyTorch's `F.adaptive_avg_pool2d(x, output_size)`) of [N, C, H, W]
    /// or [C, H, W] to (OH, OW): output (i, j) is the mean of rows ⌊i·H/OH⌋ ..< ⌈(i + 1)·H/OH⌉ and
    /// columns ⌊j·W/OW⌋ ..< ⌈(j + 1)·W/OW⌉ (windows may overlap, and repeat when OH > H).
    /// Computed as A·x·Bᵀ with the averaging matrices A [OH, H] and B [OW, W] (A[i, r] = 1/(window
    /// i's length) inside window i, 0 elsewhere): two matmuls, exact up to rounding (PyTorch sums
    /// the window, then divides). ∂/∂x = Aᵀ·seed·B. Sizes must be positive.
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Self {
        let rank = shape.rank
        guard shapesHold((rank == 3 || rank == 4) && shape[rank - 2] > 0 && shape[rank - 1] > 0 && outputSize.0 > 0 && outputSize.1 > 0,
                         TensorShapeError(operation: "adaptiveAvgPool2d", shapes: [shape],
                                          reason: "expected a non-empty input [N, C, H, W] or [C, H, W] and a positive output size, got \(outputSize)"))
        else { return self }
        let rows = constant(Self.adaptiveAveraging(shape[rank - 2], to: outputSize.0))
        let columns = constant(Self.adaptiveAveraging(shape[rank - 1], to: outputSize.1))
        let across = Self.matmul(self, columns, transposingA: false, transposingB: true)      // [..., H, OW]
        return Self.matmul(rows, across, transposingA: false, transposingB: false)          // [..., OH, OW]
    }

    /// Adaptive average pooling to a square `outputSize` × `outputSize`.
    public func adaptiveAvgPool2d(outputSize: Int) -> Self { adaptiveAvgPool2d(outputSize: (outputSize, outputSize)) }

    /// [outputs, size]: row i is 1/(end − start) on start ..< end, start = ⌊i·size/outputs⌋,
    /// end = ⌈(i + 1)·size/outputs⌉, 0 elsewhere.
    private static func adaptiveAveraging(_ size: Int, to outputs: Int) -> NDArray<Scalar> {
        var scalars = [Scalar](repeating: 0, count: outputs * size)
        for i in 0..<outputs {
            let start = i * size / outputs, end = ((i + 1) * size + outputs - 1) / outputs
            let weight = 1 / Scalar(end - start)
            for r in start..<end { scalars[i * size + r] = weight }
        }
        return NDArray(shape: [outputs, size], checkedScalars: scalars)
    }
}
