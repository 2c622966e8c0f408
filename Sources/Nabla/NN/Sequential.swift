/// Layers applied one after another; its parameters are named by position ("0.weight"), as in
/// PyTorch's `nn.Sequential`.
public final class Sequential<Scalar: TensorScalar>: Layer, SequenceOfLayers {
    /// The layers, in the order they are applied.
    public let layers: [any Layer<Scalar>]

    /// Each ``Linear`` layer followed by an activation that its product can apply (``ReLU``,
    /// ``Tanh``, ``GELU``), by the Linear's index: the pair runs as one fused product.
    private let fusedActivations: [Int: Activation]

    /// The layers applied in array order.
    public init(_ layers: [any Layer<Scalar>]) {
        self.layers = layers
        var fused: [Int: Activation] = [:]
        for k in layers.indices.dropLast() where layers[k] is Linear<Scalar> {
            fused[k] = Self.activation(of: layers[k + 1])
        }
        fusedActivations = fused
    }
    /// The layers applied in argument order.
    public convenience init(_ layers: any Layer<Scalar>...) { self.init(layers) }

    /// Each layer's output fed to the next (the input itself when there are no layers). A
    /// ``Linear`` layer followed by ``ReLU``, ``Tanh`` or ``GELU`` runs as one fused product
    /// (`Linear.forward(_:_:activation:)`), which gives the two layers' numbers bit for bit.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        var x = input
        var k = 0
        while k < layers.count {
            if let activation = fusedActivations[k] {
                x = unsafeDowncast(layers[k] as AnyObject, to: Linear<Scalar>.self).forward(x, context, activation: activation)
                k += 2
            } else {
                x = layers[k].forward(x, context)
                k += 1
            }
        }
        return x
    }

    /// The activation an activation layer applies, if a product can apply it.
    private static func activation(of layer: any Layer<Scalar>) -> Activation? {
        if layer is ReLU<Scalar> { return .relu }
        if layer is Tanh<Scalar> { return .tanh }
        if let gelu = layer as? GELU<Scalar> { return gelu.approximation == .none ? .gelu : .geluTanh }
        return nil
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
