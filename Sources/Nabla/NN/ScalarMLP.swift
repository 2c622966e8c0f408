/// micrograd's `MLP` on the scalar engine: a network of neurons relu(b + Σᵢ wᵢxᵢ) (the sum
/// starting from the bias and adding wᵢxᵢ left to right), the last layer linear. One graph node
/// per scalar operation, as micrograd builds it: this is the network of its demo, and a way to
/// watch backpropagation one number at a time.
///
/// Parameters are ``Value`` leaves in micrograd's `parameters()` order: layer by layer, neuron
/// by neuron, the weights then the bias. ``forward(_:parameters:)`` is generic over the scalar
/// algebra, so the same network runs on ``Value``, on a ``GradientTape`` (``TapeValue``) or
/// symbolically (``Symbol``).
public final class ScalarMLP {
    /// Input size, then each layer's size.
    public let sizes: [Int]
    /// Every weight and bias, as ``Value`` leaves in micrograd's `parameters()` order.
    public let parameters: [Value]

    /// Weights uniform on [−1, 1) (as −1 + 2·u with u from ``SeededGenerator``), biases zero:
    /// with seed 1337 this is WORKLOADS.md's W3 initialisation.
    public init(_ inputSize: Int, _ layerSizes: [Int], seed: UInt64 = 1337) {
        require(inputSize > 0 && !layerSizes.isEmpty && layerSizes.allSatisfy { $0 > 0 }, "ScalarMLP: sizes must be positive")
        sizes = [inputSize] + layerSizes
        var generator = SeededGenerator(seed: seed)
        var parameters: [Value] = []
        for k in 0..<layerSizes.count {
            for _ in 0..<layerSizes[k] {
                for _ in 0..<sizes[k] { parameters.append(Value(-1 + 2 * generator.nextUnit(), requiresGrad: true)) }
                parameters.append(Value(0, requiresGrad: true))
            }
        }
        self.parameters = parameters
    }

    /// The network's outputs for one input `x`, with the parameters given as values of the
    /// algebra `V` (in ``parameters`` order).
    public func forward<V: DifferentiableScalar>(_ x: [V], parameters p: [V]) -> [V] {
        require(x.count == sizes[0], "ScalarMLP: \(x.count) inputs for a network of input size \(sizes[0])")
        require(p.count == parameters.count, "ScalarMLP: \(p.count) parameters given, the network has \(parameters.count)")
        var activations = x, offset = 0
        for k in 1..<sizes.count {
            var next: [V] = []
            next.reserveCapacity(sizes[k])
            for _ in 0..<sizes[k] {
                let bias = p[offset + sizes[k - 1]]
                var sum = bias
                for i in 0..<sizes[k - 1] { sum = sum + p[offset + i] * activations[i] }
                next.append(k < sizes.count - 1 ? relu(sum) : sum)
                offset += sizes[k - 1] + 1
            }
            activations = next
        }
        return activations
    }

    /// The outputs for one input, recorded on the dynamic graph.
    public func callAsFunction(_ x: [Value]) -> [Value] { forward(x, parameters: parameters) }

    /// The weights and biases of layer `k` as a PyTorch-style Linear's weight [out, in] and bias
    /// [out] (for copying the network into tensor layers).
    public func layer(_ k: Int) -> (weight: [[Double]], bias: [Double]) {
        require(k >= 0 && k < sizes.count - 1, "ScalarMLP: no layer \(k)")
        var offset = 0
        for j in 0..<k { offset += sizes[j + 1] * (sizes[j] + 1) }
        var weight: [[Double]] = [], bias: [Double] = []
        for _ in 0..<sizes[k + 1] {
            weight.append(parameters[offset..<offset + sizes[k]].map(\.data))
            bias.append(parameters[offset + sizes[k]].data)
            offset += sizes[k] + 1
        }
        return (weight, bias)
    }
}
