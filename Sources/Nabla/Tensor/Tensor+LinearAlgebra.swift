// Linear algebra and layers as functions, composites of matmul and broadcasting, so both modes
// and every order of derivative come from the primitives' rules.

extension DifferentiableTensor {
    /// The outer product of two vectors (PyTorch's `torch.outer`): [m] and [n] give [m, n] with
    /// entries aᵢ·bⱼ. ∂/∂a = seed·b, ∂/∂b = seedᵀ·a. Both operands must be vectors.
    public func outer(_ other: Self) -> Self {
        guard shapesHold(shape.rank == 1 && other.shape.rank == 1,
                         TensorShapeError(operation: "outer", shapes: [shape, other.shape], reason: "both operands must be vectors"))
        else { return self }
        return reshaped([shape[0], 1]) * other.reshaped([1, other.shape[0]])
    }

    /// The affine map of a fully connected layer (PyTorch's `F.linear`): y = x·Wᵀ + b, with
    /// `weight` of shape [out, in] as PyTorch stores it and `bias` [out] (or none). x is
    /// [..., in]; y is [..., out]. The same computation as ``Linear``, without a module. On
    /// `NDArray` and ``Tensor`` the matrix kernel adds the bias as it writes the product.
    public func linear(weight: Self, bias: Self? = nil) -> Self {
        linear(weight: weight, bias: bias, activation: .identity)
    }

    /// The fully connected layer's map with an activation: activation(x·Wᵀ + b), `weight`
    /// [out, in], `bias` [out] or none, x [..., in] (PyTorch's `F.linear` then the activation).
    /// On `NDArray` and ``Tensor`` the matrix kernel adds the bias and applies the activation as
    /// it writes the product, in one pass (the same numbers as the separate operations, bit for
    /// bit); see `matmul(_:_:transposingA:transposingB:bias:activation:)`.
    public func linear(weight: Self, bias: Self? = nil, activation: Activation) -> Self {
        let features = weight.shape.rank == 2 ? weight.shape[1] : -1
        guard shapesHold(weight.shape.rank == 2 && shape.rank >= 1 && shape[shape.rank - 1] == features
                            && (bias == nil || bias!.shape == [weight.shape[0]]),
                         TensorShapeError(operation: "linear", shapes: [shape, weight.shape] + (bias.map { [$0.shape] } ?? []),
                                          reason: "expected an input [..., in], a weight [out, in] and a bias [out]"))
        else { return self }
        let rows = shape.rank == 2 ? self : reshaped([shape.count / features, features])
        let output = Self.matmul(rows, weight, transposingA: false, transposingB: true, bias: bias, activation: activation)
        return shape.rank == 2 ? output : output.reshaped(Shape(shape.dimensions.dropLast() + [weight.shape[0]]))
    }
}
