/// Layers applied one after another; its parameters are named by position ("0.weight"), as in
/// PyTorch's `nn.Sequential`.
public final class Sequential<Scalar: TensorScalar>: Layer, SequenceOfLayers {
    /// The layers, in the order they are applied.
    public let layers: [any Layer<Scalar>]

    /// The layers applied in array order.
    public init(_ layers: [any Layer<Scalar>]) { self.layers = layers }
    /// The layers applied in argument order.
    public convenience init(_ layers: any Layer<Scalar>...) { self.init(layers) }

    /// Each layer's output fed to the next (the input itself when there are no layers).
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        var x = input
        for layer in layers { x = layer.forward(x, context) }
        return x
    }
}

extension Sequential {
    /// A multilayer perceptron: Linear layers of the given sizes with `activation` between them
    /// (none after the last): `Sequential.mlp([64, 128, 10])` is Linear(64, 128), ReLU,
    /// Linear(128, 10). Weights drawn from one generator seeded with `seed`, layer by layer.
    public static func mlp(_ sizes: [Int], activation: @autoclosure () -> any Layer<Scalar> = ReLU<Scalar>(), seed: UInt64) -> Sequential {
        require(sizes.count >= 2, "mlp: needs at least an input and an output size, got \(sizes)")
        var generator = SeededGenerator(seed: seed)
        var layers: [any Layer<Scalar>] = []
        for k in 0..<sizes.count - 1 {
            if k > 0 { layers.append(activation()) }
            layers.append(Linear(sizes[k], sizes[k + 1], generator: &generator))
        }
        return Sequential(layers)
    }
}
