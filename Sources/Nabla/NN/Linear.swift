/// A fully connected layer: y = x·Wᵀ + b, with W of shape [out, in] as PyTorch stores it (so
/// saved weights move between the two unchanged). Inputs of any rank ≥ 1: the last axis is the
/// features. PyTorch's `nn.Linear`.
public final class Linear<Scalar: TensorScalar>: Layer {
    /// [outputSize, inputSize].
    public let weight: Tensor<Scalar>
    /// [outputSize], or nil without bias.
    public let bias: Tensor<Scalar>?

    /// A layer initialised as PyTorch does (uniform on ±1/√inputSize, weights then bias), from
    /// `generator`.
    public init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true, generator: inout SeededGenerator) {
        require(inputSize > 0 && outputSize > 0, "Linear: sizes must be positive, got \(inputSize) → \(outputSize)")
        weight = Tensor(Initialization.kaimingUniform([outputSize, inputSize], fanIn: inputSize, generator: &generator), requiresGrad: true)
        self.bias = bias ? Tensor(Initialization.kaimingUniform([outputSize], fanIn: inputSize, generator: &generator), requiresGrad: true) : nil
    }

    /// A layer initialised from its own generator seeded with `seed`.
    public convenience init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(inputSize, outputSize, bias: bias, generator: &generator)
    }

    /// A layer with the given weight [out, in] and bias [out].
    public init(weight: NDArray<Scalar>, bias: NDArray<Scalar>?) {
        require(weight.shape.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        require(bias == nil || bias!.shape == [weight.shape[0]], "Linear: bias of shape \(bias!.shape) for weight \(weight.shape)")
        self.weight = Tensor(weight, requiresGrad: true)
        self.bias = bias.map { Tensor($0, requiresGrad: true) }
    }

    /// The number of input features (PyTorch's `in_features`).
    public var inputSize: Int { weight.shape[1] }
    /// The number of output features (PyTorch's `out_features`).
    public var outputSize: Int { weight.shape[0] }

    // Its own body rather than a call of `forward(_:_:activation:)`, which is never specialised.
    /// x·Wᵀ + b over the last axis: input [..., inputSize] → output [..., outputSize]. An input
    /// whose last axis is not `inputSize` stops (a programmer error) on ``Tensor``; on ``TensorSymbol`` it is thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        guard input.shapesHold(input.shape.rank >= 1 && input.shape[input.shape.rank - 1] == inputSize,
                               TensorShapeError(operation: "Linear(\(inputSize) → \(outputSize))", shapes: [input.shape],
                                                reason: "the input does not end in \(inputSize) features"))
        else { return input }
        return input.linear(weight: context.parameter(weight), bias: bias.map(context.parameter))
    }

    // Never specialised: its specialisation for `TensorSymbol<Double>` made Swift 6.3.1's
    // optimiser crash (an ownership verification failure in CopyPropagation). Layers reached
    // through `any Layer` run unspecialised anyway; the work is in the kernels.
    /// activation(x·Wᵀ + b) over the last axis, the activation applied by the matrix kernel as it
    /// writes the product (on ``Tensor``; a ``TensorSymbol`` records the operations, which
    /// `TensorGraph.compile` fuses): the same numbers as this layer followed by the activation's
    /// layer, in one pass. ``Sequential`` calls it for a `Linear` followed by ``ReLU``, ``Tanh``
    /// or ``GELU``.
    @_semantics("optimize.sil.specialize.generic.never")
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>, activation: Activation) -> T where T.Scalar == Scalar {
        guard input.shapesHold(input.shape.rank >= 1 && input.shape[input.shape.rank - 1] == inputSize,
                               TensorShapeError(operation: "Linear(\(inputSize) → \(outputSize))", shapes: [input.shape],
                                                reason: "the input does not end in \(inputSize) features"))
        else { return input }
        return input.linear(weight: context.parameter(weight), bias: bias.map(context.parameter), activation: activation)
    }
}
