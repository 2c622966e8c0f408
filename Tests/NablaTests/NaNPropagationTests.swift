import Testing
@testable import Nabla

/// NaN goes through as PyTorch lets it: relu, max and min reductions and max pooling keep it; an
/// infinite logit that is not the label does not make cross-entropy NaN.
@Suite("NaN propagation")
struct NaNPropagationTests {
    @Test func reluOfNaNIsNaN() throws {
        // PyTorch: torch.relu(torch.tensor(nan)) is nan (relu is clamp_min(x, 0), which keeps NaN).
        #expect(relu(Double.nan).isNaN)
        #expect(relu(Value(.nan)).data.isNaN)
        #expect(relu(Value(.nan, requiresGrad: true)).data.isNaN)
        // The static scalar mode reports a non-finite output (it returned 0 before).
        let graph = Graph()
        let x = graph.input("x")
        #expect(throws: ProgramError.self) { try graph.compile([relu(x)]).run(["x": .nan]) }
        #expect(try graph.compile([relu(x)]).run(["x": -1]) == [0])

        let t = Tensor<Float>([.nan, -1, 2], requiresGrad: true)
        let y = relu(t)
        #expect(y.scalars[0].isNaN && y.scalars[1] == 0 && y.scalars[2] == 2)
        // The gradient is 0 at NaN, as PyTorch's threshold_backward (x > 0 is false).
        y.sum().backward()
        #expect(t.grad!.scalars == [0, 0, 1])
        let tensorGraph = TensorGraph<Float>()
        let ts = tensorGraph.input("t", shape: [3])
        let outputs = try tensorGraph.compile([relu(ts)]).run(["t": t.data])
        #expect(outputs[0].scalars[0].isNaN && outputs[0].scalars[1...] == [0, 2])
    }

    @Test func maxAndMinReductionsKeepNaN() throws {
        // PyTorch: torch.tensor([1., nan, 3.]).amax() is nan, wherever the NaN stands.
        for scalars: [Double] in [[.nan, 1, 3], [1, .nan, 3], [1, 3, .nan]] {
            let x = Tensor(scalars)
            #expect(x.max().scalar.isNaN && x.min().scalar.isNaN, "\(scalars)")
        }
        // Over an axis, only the rows holding a NaN.
        let m = Tensor<Float>(try NDArray(shape: [2, 3], scalars: [1, .nan, 3, 4, 5, 6]))
        let rowMax = m.max(axes: [1], keepingDimensions: false).scalars, rowMin = m.min(axes: [1], keepingDimensions: false).scalars
        #expect(rowMax[0].isNaN && rowMax[1] == 6 && rowMin[0].isNaN && rowMin[1] == 4)
        let columnMax = m.max(axes: [0], keepingDimensions: false).scalars
        #expect(columnMax[0] == 4 && columnMax[1].isNaN && columnMax[2] == 6)
    }

    @Test func maxPoolingKeepsNaN() {
        // PyTorch: F.max_pool2d over a window holding nan gives nan.
        var image = NDArray<Float>.arange(0, 16).reshaped([1, 1, 4, 4])
        image[[0, 0, 0, 1]] = .nan
        let pooled = Tensor(image).maxPool2d(kernel: (2, 2)).scalars
        #expect(pooled[0].isNaN && pooled[1...] == [7, 13, 15])
    }

    @Test func crossEntropyWithAnInfiniteLogitElsewhereIsFinite() throws {
        // PyTorch: F.cross_entropy(tensor([[-inf, 0., 1.]]), tensor([2])) is 0.3133 = log(1 + e⁻¹),
        // and its gradient softmax − onehot = [0, σ(−1), −σ(−1)] = [0, 0.2689, −0.2689].
        let logits = try NDArray<Double>(shape: [1, 3], scalars: [-.infinity, 0, 1])
        let expectedLoss = 0.31326168751822286, sigmaMinus1 = 0.2689414213699951
        let z = Tensor(logits, requiresGrad: true)
        let loss = z.crossEntropy(labels: [2])
        loss.backward()
        #expect(Swift.abs(loss.scalar - expectedLoss) < 1e-15)
        #expect(zip(z.grad!.scalars, [0, sigmaMinus1, -sigmaMinus1]).allSatisfy { Swift.abs($0 - $1) < 1e-15 }, "\(z.grad!)")

        // Static, and through one-hot targets (the loss the trainer compiles).
        let graph = TensorGraph<Double>()
        let zs = graph.input("z", shape: [1, 3])
        let targets = graph.input("targets", shape: [1, 3])
        let byLabel = zs.crossEntropy(labels: [2]), byTargets = zs.crossEntropy(targets: targets)
        let program = try graph.compile([byLabel, byTargets] + graph.gradients(of: byLabel, wrt: [zs]) + graph.gradients(of: byTargets, wrt: [zs]))
        let outputs = try program.run(["z": logits, "targets": try NDArray(shape: [1, 3], scalars: [0, 0, 1])])
        #expect(outputs[0].scalar.bitPattern == loss.scalar.bitPattern)
        #expect(Swift.abs(outputs[1].scalar - expectedLoss) < 1e-15)
        #expect(outputs[2] == z.grad!)
        #expect(zip(outputs[3].scalars, [0, sigmaMinus1, -sigmaMinus1]).allSatisfy { Swift.abs($0 - $1) < 1e-15 }, "\(outputs[3])")
    }
}
