import Foundation
import Testing
@testable import Nabla

/// Nabla's tensor operations against values, gradients and Hessian-vector products computed by
/// PyTorch (float64), in both modes, frozen by `References/make_torch_references.py`.
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
        var hessian_vector_products: [[Double]]
    }

    /// Each reference case's function, written once over both modes (dynamic tensors and static
    /// symbols); the PyTorch call each mirrors is beside its name in the reference script.
    static let functions: [String: @Sendable ([AnyTensor]) -> AnyTensor] = [
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
        // Issue 11.
        "flip axes 0 2": { $0[0].flipped(axes: [0, 2]) },
        "roll shifts 1 -2": { $0[0].rolled(by: [1, -2], axes: [0, 1]) },
        "pad reflect": { $0[0].padded([2, 1, 1, 0], mode: .reflect) },
        "pad constant 0.5": { $0[0].padded([1, 2], mode: .constant(0.5)) },
        "diagonal offset 1": { $0[0].diagonal(offset: 1, axis1: 1, axis2: 2) },
        "tril -1 triu 1": { $0[0].tril(diagonal: -1) + $0[1].triu(diagonal: 1) * $0[0] },
        "expand": { $0[0].expanded(to: [2, 3, 4]) * $0[0] },
        "repeat": { $0[0].repeated([2, 1, 2]) },
        "cumsum axis 1": { $0[0].cumulativeSum(axis: 1) * $0[0] },
        "cumprod axis 0": { $0[0].cumulativeProduct(axis: 0) },
        "logsumexp axes 0 2": { $0[0].logSumExp(axes: [0, 2]) },
        "norm p1 axis 1": { $0[0].norm(p: 1, axes: [1]) },
        "norm p2": { $0[0].norm() },
        "norm p3 axis 0": { $0[0].norm(p: 3, axes: [0]) },
        "norm inf axis 1": { $0[0].norm(p: .infinity, axes: [1]) },
        "frobenius": { $0[0].frobeniusNorm() },
        "std axis 1": { $0[0].std(axes: [1]) },
        "log1p expm1": { log1p($0[0] * 0.9) + expm1($0[0]) },
        "atan2 broadcast": { atan2($0[0], $0[1]) },
        "softplus beta 2 threshold 1": { softplus($0[0] * 3, beta: 2, threshold: 1) },
        "silu": { silu($0[0] * 3) },
        "elu alpha 0.5": { elu($0[0] * 2, alpha: 0.5) },
        "logsigmoid": { logSigmoid($0[0] * 10) },
        "hardtanh": { hardtanh($0[0] * 2) * $0[0] },
        "rsqrt reciprocal square": { rsqrt($0[0] * $0[0] + 0.5) + reciprocal($0[0] + 2) + square($0[0]) },
        "clamp min 0": { $0[0].clamped(min: 0) * $0[0] },
        "outer": { $0[0].outer($0[1]) },
        "linear": { $0[0].linear(weight: $0[1], bias: $0[2]) },
        "gather axis 1": { $0[0].gather(indices: IndexTensor([[0, 3, 3], [1, 1, 0], [2, 0, 1]]), axis: 1) },
        "scatter_add axis 0": { $0[0].scatterAdd(axis: 0, indices: IndexTensor([[0, 2], [0, 0]]), source: $0[1]) * $0[0] },
        "index_select axis 1 repeated": { $0[0].indexSelect([3, 0, 3], axis: 1) },
        "masked_fill -inf softmax": {
            $0[0].maskedFill(TensorMask([[false, true, false, false], [true, false, false, true], [false, false, false, false]]),
                             with: -.infinity).softmax(axis: 1)
        },
        "where broadcast": { AnyTensor.select(TensorMask([[true, false, true], [false, false, true]]), $0[0], $0[1]) * $0[0] },
        "strided slice": { $0[0][.slice(start: 1, end: 5, step: 2), .slice(start: -3)] },
        "einsum bilinear": { einsum("bn,anm,bm->ba", $0[0], $0[1], $0[2]) },
        "einsum diagonal": { einsum("ii->i", $0[0]) * einsum("ii->", $0[0]) },
        "einsum ellipsis": { einsum("...ij,jk->...ik", $0[0], $0[1]) },
        "layer_norm": { layerNorm($0[0], shape: [3, 4], weight: $0[1], bias: $0[2], eps: 1e-5) },
        "batch_norm training": { batchNorm($0[0], weight: $0[1], bias: $0[2]) },
        "conv2d dilation 2 groups 2": { $0[0].conv2d($0[1], bias: $0[2], padding: (2, 2), dilation: (2, 2), groups: 2) },
        "conv2d depthwise stride 2": { $0[0].conv2d($0[1], stride: (2, 2), padding: (1, 1), groups: 3) },
        "adaptive_avg_pool2d 3x2": { $0[0].adaptiveAvgPool2d(outputSize: (3, 2)) },
        "max_pool2d dilation 2": { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (2, 2)) },
        "sdpa causal": { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true) },
        "sdpa additive mask": { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: $0[3]) },
        "embedding": { embedding([2, 0, 2, 1], weight: $0[0]) },
    ]

    static func references() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "torch_references", withExtension: "json"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// The inputs, output weights and directions, drawn as the script draws them.
    static func draws(_ reference: Case) -> (inputs: [NDArray<Double>], weights: NDArray<Double>, directions: [NDArray<Double>]) {
        var generator = SeededGenerator(seed: reference.seed)
        func uniform(_ low: Double, _ high: Double, _ shape: [Int]) -> NDArray<Double> {
            NDArray((0..<Shape(shape).count).map { _ in low + (high - low) * generator.nextUnit() }).reshaped(Shape(shape))
        }
        let inputs = reference.shapes.map { uniform(-1, 1, $0) }
        let weights = uniform(0.5, 1.5, reference.output_shape)
        let directions = reference.shapes.map { uniform(-1, 1, $0) }
        return (inputs, weights, directions)
    }

    @Test func everyReferenceHasAFunction() throws {
        let names = Set(try Self.references().map(\.name))
        #expect(names == Set(Self.functions.keys))
        #expect(names.count >= 56)
    }

    /// Values, gradients and Hessian-vector products of the dynamic engine.
    @Test(arguments: try references())
    func dynamicMatchesPyTorch(_ reference: Case) throws {
        let f = try #require(Self.functions[reference.name], "no Swift function for \(reference.name)")
        let (inputs, weights, directions) = Self.draws(reference)
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let output = f(leaves.map(AnyTensor.dynamic)).dynamic
        #expect(output.shape == Shape(reference.output_shape))
        #expect(close(output.scalars, reference.output), "values")
        let first = (output * Tensor(weights)).sum().differentiableGradients(wrt: leaves)
        for (k, g) in first.enumerated() {
            #expect(close(g.scalars, reference.gradients[k]), "gradient of input \(k)")
        }
        let directional = zip(first, directions).map { ($0 * Tensor($1)).sum() }.reduce(Tensor(0.0), +)
        let hessianVector = directional.requiresGrad ? directional.gradients(wrt: leaves) : inputs.map { NDArray.zeros($0.shape) }
        for (k, h) in hessianVector.enumerated() {
            #expect(close(h.scalars, reference.hessian_vector_products[k]), "Hessian-vector product, input \(k)")
        }
    }

    /// The same numbers from a static graph: the function traced on symbols, its gradient and
    /// the gradient of that gradient built as graphs, compiled and run.
    @Test(arguments: try references())
    func staticMatchesPyTorch(_ reference: Case) throws {
        let f = try #require(Self.functions[reference.name], "no Swift function for \(reference.name)")
        let (inputs, weights, directions) = Self.draws(reference)
        let graph = TensorGraph<Double>()
        let symbols = inputs.enumerated().map { graph.input("x\($0)", shape: $1.shape) }
        let y = f(symbols.map(AnyTensor.symbolic)).symbolic
        let first = try graph.gradients(of: (y * graph.constant(weights)).sum(), wrt: symbols)
        let directional = zip(first, directions).map { ($0 * graph.constant($1)).sum() }.reduce(graph.constant(NDArray(0.0)), +)
        let second = try graph.gradients(of: directional, wrt: symbols)
        let program = try graph.compile([y] + first + second)
        let results = try program.run(Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ("x\($0)", $1) }))
        #expect(close(results[0].scalars, reference.output), "values")
        for k in inputs.indices {
            #expect(close(results[1 + k].scalars, reference.gradients[k]), "gradient of input \(k)")
            #expect(close(results[1 + inputs.count + k].scalars, reference.hessian_vector_products[k]), "Hessian-vector product, input \(k)")
        }
    }

    private func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Swift.max(1, Swift.abs($1)) }
    }
}

extension TorchReferenceTests.Case: CustomTestStringConvertible {
    var testDescription: String { name }
}
