// Activation layers: each applies one elementwise function (the free functions of the op
// catalogue), so their derivatives are the catalogue's rules.

/// max(0, x).
public final class ReLU<Scalar: TensorScalar>: Layer {
    public init() {}
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { relu(input) }
}

/// x for x > 0, slope·x otherwise (PyTorch's default slope 0.01).
public final class LeakyReLU<Scalar: TensorScalar>: Layer {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        leakyReLU(input, negativeSlope: negativeSlope)
    }
}

/// The Gaussian error linear unit, x·Φ(x) with Φ the standard normal distribution function:
/// exactly, x·(1 + erf(x/√2))/2 (PyTorch's default), or with `approximation: .tanh`,
/// x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (PyTorch's `approximate='tanh'`).
public final class GELU<Scalar: TensorScalar>: Layer {
    public enum Approximation: Sendable { case none, tanh }
    public let approximation: Approximation
    public init(approximation: Approximation = .none) { self.approximation = approximation }
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        gelu(input, approximation: approximation)
    }
}

/// tanh(x).
public final class Tanh<Scalar: TensorScalar>: Layer {
    public init() {}
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { tanh(input) }
}

/// 1/(1 + e^−x).
public final class Sigmoid<Scalar: TensorScalar>: Layer {
    public init() {}
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { sigmoid(input) }
}

/// softmax along `axis` (the last by default).
public final class Softmax<Scalar: TensorScalar>: Layer {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis }
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar { input.softmax(axis: axis) }
}

/// x for x > 0, slope·x otherwise.
public func leakyReLU<T: DifferentiableTensor>(_ x: T, negativeSlope: Double = 0.01) -> T {
    // relu(x) − slope·relu(−x): both pieces are catalogue primitives, exact at every x.
    relu(x) - relu(-x) * negativeSlope
}

/// The Gaussian error linear unit (see ``GELU``).
public func gelu<T: DifferentiableTensor>(_ x: T, approximation: GELU<T.Scalar>.Approximation = .none) -> T {
    switch approximation {
    case .none: return x * (erf(x * (1 / 2.0.squareRoot())) + 1) * 0.5
    case .tanh: return x * (tanh((x + x * x * x * 0.044715) * (2 / Double.pi).squareRoot()) + 1) * 0.5
    }
}
