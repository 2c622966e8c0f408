import Testing
@testable import Nabla

/// Layers, losses and modules: gradients through the library's checker (first and second order,
/// w.r.t. the input and every parameter), static against dynamic, and parameter discovery.
@Suite("Neural-network layers")
struct NNTests {
    /// A layer as a function of its input and parameters, for the gradient checker: parameters
    /// enter through the context, so the checker's tensors replace the layer's own.
    static func check<L: Layer>(_ layer: L, input shape: Shape, low: Double = -1.5, high: Double = 1.5,
                                order: Int = 2, tolerance: Double = 1e-6) -> [GradientChecker.Mismatch] where L.Scalar == Double {
        let parameters = layer.parameters
        let index = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1.leafIdentity!, $0) })
        let inputs = [NDArray<Double>.randomUniform(shape, low: low, high: high, seed: 5)] + parameters.map(\.data)
        let mask = NDArray<Double>.randomUniform(shape, seed: 9).scalars.map { $0 < 0.7 ? 1 / 0.7 : 0 }
        return GradientChecker.check({ tensors in
            let context = ForwardContext<Tensor<Double>>(
                parameter: { tensors[1 + index[$0.leafIdentity!]!] },
                buffer: { Tensor($0.value) },
                dropoutMask: { s, _ in Tensor(NDArray(Array(mask.prefix(s.count))).reshaped(s)) },
                observe: { _, _ in })
            return layer.forward(tensors[0], context)
        }, at: inputs, order: order, tolerance: tolerance)
    }

    struct LayerCase: CustomTestStringConvertible, @unchecked Sendable {
        var name: String
        var make: () -> any Layer<Double>
        var input: Shape
        var low = -1.5, high = 1.5
        var testDescription: String { name }
    }

    static let layers: [LayerCase] = [
        LayerCase(name: "Linear", make: { Linear<Double>(4, 3, seed: 1) }, input: [5, 4]),
        LayerCase(name: "Linear rank 3, no bias", make: { Linear<Double>(4, 2, bias: false, seed: 2) }, input: [2, 3, 4]),
        LayerCase(name: "Conv2d stride 2 padding 1", make: { Conv2d<Double>(2, 3, kernelSize: 3, stride: 2, padding: 1, seed: 3) }, input: [2, 2, 5, 5]),
        LayerCase(name: "MaxPool2d", make: { MaxPool2d<Double>(kernelSize: 2) }, input: [1, 2, 4, 4]),
        LayerCase(name: "AvgPool2d", make: { AvgPool2d<Double>(kernelSize: 2, stride: 1) }, input: [1, 2, 3, 3]),
        LayerCase(name: "Flatten", make: { Sequential<Double>(Flatten<Double>(), Linear<Double>(12, 2, seed: 4)) }, input: [2, 3, 2, 2]),
        LayerCase(name: "Dropout (fixed mask)", make: { Dropout<Double>(probability: 0.3) }, input: [3, 4]),
        LayerCase(name: "LayerNorm", make: { LayerNorm<Double>([4]) }, input: [3, 4]),
        LayerCase(name: "BatchNorm1d", make: { BatchNorm<Double>(3) }, input: [4, 3]),
        LayerCase(name: "BatchNorm2d", make: { BatchNorm<Double>(2) }, input: [2, 2, 2, 3]),
        LayerCase(name: "ReLU", make: { ReLU<Double>() }, input: [3, 4]),
        LayerCase(name: "LeakyReLU", make: { LeakyReLU<Double>(negativeSlope: 0.1) }, input: [3, 4]),
        LayerCase(name: "GELU exact", make: { GELU<Double>() }, input: [3, 4]),
        LayerCase(name: "GELU tanh", make: { GELU<Double>(approximation: .tanh) }, input: [3, 4]),
        LayerCase(name: "Tanh", make: { Tanh<Double>() }, input: [3, 4]),
        LayerCase(name: "Sigmoid", make: { Sigmoid<Double>() }, input: [3, 4]),
        LayerCase(name: "Softmax", make: { Sequential<Double>(Softmax<Double>(), Linear<Double>(4, 2, seed: 6)) }, input: [3, 4]),
        LayerCase(name: "MLP", make: { Sequential<Double>.mlp([3, 5, 2], activation: Tanh<Double>(), seed: 7) }, input: [4, 3]),
    ]

    @Test("Layer gradients, first and second order, against finite differences", arguments: layers)
    func layerGradients(_ c: LayerCase) {
        let mismatches = Self.check(c.make(), input: c.input, low: c.low, high: c.high)
        #expect(mismatches.isEmpty, "\(c.name): \(mismatches.prefix(3))")
    }

    @Test("A compiled training step gives the dynamic step's loss and gradients", arguments: layers)
    func staticMatchesDynamic(_ c: LayerCase) throws {
        let layer = c.make()
        let x = NDArray<Double>.randomUniform(c.input, low: c.low, high: c.high, seed: 5)
        DropoutRandomness.shared.reseed(3)
        let output = layer.forward(Tensor(x), .dynamic())
        let targets = NDArray<Double>.randomUniform(output.shape, seed: 8)
        let dynamicLoss = Loss.meanSquaredError(output, Tensor(targets), parameters: layer.parameters)
        let dynamicGradients = layer.parameters.isEmpty ? [] : dynamicLoss.gradients(wrt: layer.parameters)
        DropoutRandomness.shared.reseed(3)
        let compiled = CompiledModel(AnyLayer(layer), loss: .meanSquaredError)
        let result = try compiled.trainingStep(inputs: x, targets: targets)
        #expect(result.loss == dynamicLoss.scalar)
        #expect(result.output == output.data)
        #expect(result.gradients == dynamicGradients)
    }

    @Test func parametersAreFoundWithPyTorchNames() {
        final class Block: Layer {
            typealias Scalar = Float
            let norm = LayerNorm<Float>([4])
            let layers = [Linear<Float>(4, 4, seed: 1), Linear<Float>(4, 2, seed: 2)]
            let head: Linear<Float>? = Linear<Float>(2, 1, bias: false, seed: 3)
            let constant = Tensor<Float>([1, 2])                       // not a parameter
            func forward<T: DifferentiableTensor>(_ x: T, _ context: ForwardContext<T>) -> T where T.Scalar == Float {
                head!.forward(layers[1].forward(layers[0].forward(norm.forward(x, context), context), context), context)
            }
        }
        let model = Sequential<Float>(Block(), ReLU<Float>(), BatchNorm<Float>(1))
        #expect(model.namedParameters.map(\.name) == [
            "0.norm.weight", "0.norm.bias", "0.layers.0.weight", "0.layers.0.bias", "0.layers.1.weight", "0.layers.1.bias",
            "0.head.weight", "2.weight", "2.bias",
        ])
        #expect(model.namedBuffers.map(\.name) == ["2.running_mean", "2.running_var"])
        #expect(model.parameterCount == 42)                 // 8 + 20 + 10 + 2 + 2
        #expect(model.summary == """
            Sequential: 42 parameters
              0: Block
                norm: LayerNorm  weight [4]  bias [4]
                layers.0: Linear  weight [4, 4]  bias [4]
                layers.1: Linear  weight [2, 4]  bias [2]
                head: Linear  weight [1, 2]
              1: ReLU
              2: BatchNorm  weight [1]  bias [1]  running_mean [1] (buffer)  running_var [1] (buffer)
            """)
        // A shared layer counts once.
        let shared = Linear<Float>(2, 2, seed: 4)
        #expect(Sequential<Float>(shared, shared).parameters.count == 2)
    }

    @Test func trainAndEvalModes() {
        let dropout = Dropout<Float>(probability: 0.5)
        let model = Sequential<Float>(Linear<Float>(3, 3, seed: 1), dropout, BatchNorm<Float>(3))
        model.eval()
        #expect(!dropout.isTraining)
        let x = Tensor<Float>(NDArray.ones([2, 3]))
        #expect(dropout(x).data == x.data)                                 // identity in evaluation
        model.train()
        #expect(dropout.isTraining)
        let y = dropout(Tensor<Float>(NDArray.ones([1000])))
        #expect(y.scalars.allSatisfy { $0 == 0 || $0 == 2 })               // inverted dropout
        #expect(Swift.abs(y.data.scalars.reduce(0, +) / 1000 - 1) < 0.1)
        // A temporary mode, then each module's own again.
        model.eval()
        #expect(model.withMode(training: true) { dropout.isTraining })
        #expect(!dropout.isTraining)
    }

    @Test func batchNormUpdatesRunningStatisticsAsPyTorch() {
        let norm = BatchNorm<Double>(2, momentum: 0.1)
        let x = Tensor<Double>([[1, 10], [3, 20], [5, 60]])
        _ = norm(x)
        // Batch means (3, 30); unbiased variances (4, 700).
        #expect(norm.runningMean.value.scalars == [0.9 * 0 + 0.1 * 3, 0.1 * 30])
        #expect(zip(norm.runningVar.value.scalars, [0.9 + 0.1 * 4, 0.9 + 0.1 * 700]).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        norm.eval()
        let y = norm(x)
        #expect(Swift.abs(y.data[[0, 0]] - (1 - 0.3) / (0.9 + 0.4 + 1e-5).squareRoot()) < 1e-12)
    }

    @Test func initialisationIsPyTorchsAndSeeded() {
        let a = Linear<Float>(100, 50, seed: 1), b = Linear<Float>(100, 50, seed: 1)
        #expect(a.weight.data == b.weight.data && a.bias!.data == b.bias!.data)
        #expect(a.weight.shape == [50, 100])
        #expect(a.weight.scalars.allSatisfy { Swift.abs($0) <= 0.1 })          // 1/√100
        #expect(a.weight.scalars.max()! > 0.09 && a.weight.scalars.min()! < -0.09)
        let conv = Conv2d<Float>(4, 8, kernelSize: 3, seed: 2)
        #expect(conv.weight.shape == [8, 4, 3, 3] && conv.weight.scalars.allSatisfy { Swift.abs($0) <= 1 / 6 })
    }

    @Test func embeddingLooksUpRowsAndAccumulatesGradients() {
        let embedding = Embedding<Double>(5, 3, seed: 1)
        let rows = embedding([1, 3, 1])
        #expect(rows.shape == [3, 3])
        #expect(Array(rows.scalars[0..<3]) == Array(embedding.weight.scalars[3..<6]))
        rows.sum().backward()
        #expect(embedding.weight.grad!.scalars == [0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1, 0, 0, 0])
    }
}

/// Type erasure for the table's layers (so a compiled model can hold any of them).
final class AnyLayer<Scalar: TensorScalar>: Layer {
    let base: any Layer<Scalar>
    init(_ base: any Layer<Scalar>) { self.base = base }
    func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        base.forward(input, context)
    }
}
