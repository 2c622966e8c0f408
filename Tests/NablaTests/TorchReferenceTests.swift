import Foundation
import Testing
@testable import Nabla

/// Nabla's tensor operations against values and gradients computed by PyTorch (float64), frozen
/// by `References/make_torch_references.py`.
@Suite("Against PyTorch")
struct TorchReferenceTests {
    struct File: Decodable {
        var torch: String
        var cases: [Case]
    }
    struct Case: Decodable {
        var name: String
        var seed: UInt64
        var shapes: [[Int]]
        var output_shape: [Int]
        var output: [Double]
        var gradients: [[Double]]
    }

    static let functions: [String: @Sendable ([Tensor<Double>]) -> Tensor<Double>] = [
        "conv2d stride 2 padding 1 bias": { $0[0].conv2d($0[1], bias: $0[2], stride: (2, 2), padding: (1, 1)) },
        "maxPool2d 2x2": { $0[0].maxPool2d(kernel: (2, 2)) },
        "avgPool2d 3x3 stride 1 padding 1": { $0[0].avgPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1)) },
        "logSoftmax axis 1": { $0[0].logSoftmax(axis: 1) },
        "softmax axis 0": { $0[0].softmax(axis: 0) },
        "crossEntropy": { $0[0].crossEntropy(labels: [0, 4, 2, 2]) },
        "matmul batched broadcast": { $0[0].matmul($0[1]) },
        "variance axis 1": { $0[0].variance(axes: [1]) },
        "tanh sigmoid broadcast": { tanh($0[0]) * sigmoid($0[1]) },
        "logSumExp axis 1": { $0[0].logSumExp(axis: 1) },
    ]

    @Test func valuesAndGradientsMatchPyTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "torch_references", withExtension: "json"))
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        #expect(file.cases.count == Self.functions.count)
        for reference in file.cases {
            let f = try #require(Self.functions[reference.name], "no Swift function for \(reference.name)")
            // The inputs and weights, drawn as the script draws them.
            var generator = SeededGenerator(seed: reference.seed)
            func uniform(_ low: Double, _ high: Double, _ shape: [Int]) -> NDArray<Double> {
                NDArray((0..<Shape(shape).count).map { _ in low + (high - low) * generator.nextUnit() }).reshaped(Shape(shape))
            }
            let inputs = reference.shapes.map { uniform(-1, 1, $0) }.map { Tensor($0, requiresGrad: true) }
            let output = f(inputs)
            let weights = uniform(0.5, 1.5, reference.output_shape)
            let gradients = (output * Tensor(weights)).sum().gradients(wrt: inputs)
            #expect(output.shape == Shape(reference.output_shape), "\(reference.name)")
            #expect(close(output.scalars, reference.output), "\(reference.name): values")
            for (k, g) in gradients.enumerated() {
                #expect(close(g.scalars, reference.gradients[k]), "\(reference.name): gradient of input \(k)")
            }
        }
    }

    private func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Swift.max(1, Swift.abs($1)) }
    }
}
