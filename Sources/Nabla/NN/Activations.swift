// Activation layers: each applies one elementwise function (the free functions of the op
// catalogue), so their derivatives are the catalogue's rules.

/// The rectified linear unit max(0, x), elementwise (PyTorch's `nn.ReLU`).
public final class ReLU<Scalar: TensorScalar>: Layer {
    /// The layer; it has no parameters.
    public init() {}
    /// max(0, x) for each element; the output has the input's shape.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { relu(input) }
}

/// x for x > 0, slope·x otherwise, elementwise (PyTorch's `nn.LeakyReLU`, default slope 0.01).
public final class LeakyReLU<Scalar: TensorScalar>: Layer {
    /// The slope for negative inputs (PyTorch's `negative_slope`).
    public let negativeSlope: Double
    /// The layer with the given slope for negative inputs.
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    /// ``leakyReLU(_:negativeSlope:)`` of the input; same shape.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        leakyReLU(input, negativeSlope: negativeSlope)
    }
}

/// The Gaussian error linear unit, x·Φ(x) with Φ the standard normal distribution function:
/// exactly, x·(1 + erf(x/√2))/2 (PyTorch's default), or with `approximation: .tanh`,
/// x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (PyTorch's `approximate='tanh'`). PyTorch's `nn.GELU`.
public final class GELU<Scalar: TensorScalar>: Layer {
    /// How Φ is computed: `none`, exactly with erf; `tanh`, with the tanh formula above.
    public enum Approximation: Sendable { case none, tanh }
    /// The formula used (exact by default).
    public let approximation: Approximation
    /// The layer with the given formula (PyTorch's `approximate`).
    public init(approximation: Approximation = .none) { self.approximation = approximation }
    /// ``gelu(_:approximation:)`` of the input; same shape.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        gelu(input, approximation: approximation)
    }
}

/// The hyperbolic tangent tanh(x), elementwise (PyTorch's `nn.Tanh`).
public final class Tanh<Scalar: TensorScalar>: Layer {
    /// The layer; it has no parameters.
    public init() {}
    /// tanh(x) for each element; same shape.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { tanh(input) }
}

/// The logistic function 1/(1 + e^−x), elementwise (PyTorch's `nn.Sigmoid`).
public final class Sigmoid<Scalar: TensorScalar>: Layer {
    /// The layer; it has no parameters.
    public init() {}
    /// 1/(1 + e^−x) for each element; same shape.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { sigmoid(input) }
}

/// exp(xᵢ)/Σⱼ exp(xⱼ) along `axis` (the last by default), computed with the maximum
/// subtracted first (PyTorch's `nn.Softmax(dim)`).
public final class Softmax<Scalar: TensorScalar>: Layer {
    /// The axis normalised over; negative values count from the end.
    public let axis: Int
    /// The layer normalising along `axis`.
    public init(axis: Int = -1) { self.axis = axis }
    /// The input's softmax along ``axis``; same shape, summing to 1 along it.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { input.softmax(axis: axis) }
}

/// x for x > 0, slope·x otherwise.
public func leakyReLU<T: DifferentiableTensor>(_ x: T, negativeSlope: Double = 0.01) -> T {
    // relu(x) − slope·relu(−x): both pieces are catalogue primitives, exact at every x.
    relu(x) - relu(-x) * negativeSlope
}

/// The Gaussian error linear unit (see ``GELU``).
public func gelu<T: DifferentiableTensor>(_ x: T, approximation: GELU<T.Scalar>.Approximation = .none) -> T {
    // Written once, in `Activation` (which fused matrix products evaluate too).
    switch approximation {
    case .none: return Activation.gelu(x)
    case .tanh: return Activation.geluTanh(x)
    }
}
