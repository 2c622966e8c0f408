import Foundation
import Testing
@testable import Nabla

/// The reductions of Tensor+Reductions.swift (logSumExp over several axes, argmax/argmin,
/// cumulative sums and products, norms, std): values against hand-derived expectations (the
/// PyTorch call each corresponds to is noted), first and second derivatives through the
/// gradient checker, and static equal to dynamic bit for bit.
@Suite("Reduction operations")
struct ReductionOperationTests {
    static let cases: [TensorGradientTests.Case] = [
        .init(name: "logSumExp over two axes", shapes: [[2, 3, 4]]) { $0[0].logSumExp(axes: [0, 2]) },
        .init(name: "logSumExp over all, keep", shapes: [[3, 2]]) { $0[0].logSumExp(axes: nil, keepingDimensions: true) * $0[0] },
        .init(name: "argmax/argmin (no gradient)", shapes: [[3, 4]]) { $0[0].argmax(axis: 1) * $0[0].sum(axes: [1], keepingDimensions: false) + $0[0].argmin() },
        .init(name: "cumulativeSum last axis", shapes: [[2, 4]]) { $0[0].cumulativeSum(axis: -1) * $0[0] },
        .init(name: "cumulativeSum axis 0 of 3-d", shapes: [[3, 2, 2]]) { tanh($0[0].cumulativeSum(axis: 0)) },
        .init(name: "cumulativeProduct", shapes: [[2, 4]]) { $0[0].cumulativeProduct(axis: 1) },
        .init(name: "cumulativeProduct axis 0 with a zero", shapes: [[3, 2]]) {
            let zeroAt = $0[0].constant(NDArray(shape: [3, 2], checkedScalars: [1, 1, 0, 1, 1, 1]))
            return masked(zeroAt, $0[0]).cumulativeProduct(axis: 0) + $0[0].cumulativeProduct(axis: 0)
        },
        .init(name: "norm p = 2 over an axis", shapes: [[3, 4]]) { $0[0].norm(axes: [1]) },
        .init(name: "norm p = 1, ∞, −∞", shapes: [[2, 3]], low: 0.2, high: 1.5) {
            $0[0].norm(p: 1) + $0[0].norm(p: .infinity, axes: [1]).sum() + $0[0].norm(p: -.infinity, axes: [0]).sum()
        },
        .init(name: "norm p = 3 keep", shapes: [[2, 3]]) { $0[0].norm(p: 3, axes: [0], keepingDimensions: true) * $0[0] },
        .init(name: "frobeniusNorm batched", shapes: [[2, 2, 3]]) { $0[0].frobeniusNorm() },
        .init(name: "std over two axes", shapes: [[2, 3, 2]]) { $0[0].std(axes: [0, 2]) },
        .init(name: "std correction 0", shapes: [[4]]) { $0[0].standardDeviation(correction: 0) },
    ]

    @Test("First and second order against finite differences", arguments: cases)
    func gradientCheck(_ c: TensorGradientTests.Case) {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: c.low, high: c.high, seed: UInt64($0) + 11) }
        let mismatches = GradientChecker.check({ c.function($0.map(AnyTensor.dynamic)).dynamic }, at: inputs, order: 2, tolerance: 1e-6)
        #expect(mismatches.isEmpty, "\(c.name): \(mismatches.prefix(3))")
    }

    @Test("Static and dynamic agree", arguments: cases)
    func staticMatchesDynamic(_ c: TensorGradientTests.Case) throws {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: c.low, high: c.high, seed: UInt64($0) + 21) }
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let output = c.function(leaves.map(AnyTensor.dynamic)).dynamic
        let weights = NDArray<Double>.randomUniform(output.shape, low: 0.5, high: 1.5, seed: 5)
        let dynamic = [output.data] + (output * Tensor(weights)).sum().gradients(wrt: leaves)

        let graph = TensorGraph<Double>()
        let symbols = inputs.enumerated().map { graph.input("x\($0)", shape: $1.shape) }
        let y = c.function(symbols.map(AnyTensor.symbolic)).symbolic
        let program = try graph.compile([y] + graph.gradients(of: (y * graph.constant(weights)).sum(), wrt: symbols))
        let results = try program.run(Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ("x\($0)", $1) }))
        #expect(results.count == dynamic.count)
        for (k, (s, d)) in zip(results, dynamic).enumerated() {
            #expect(s.shape == d.shape && zip(s.scalars, d.scalars).allSatisfy { $0.bitPattern == $1.bitPattern },
                    "\(c.name): output \(k) differs: static \(s), dynamic \(d)")
        }
    }

    @Test func logSumExpValues() throws {
        // torch.logsumexp(torch.tensor([[0., 0.], [0., 0.]]), dim=(0, 1)) = log 4
        let zeros = Tensor<Double>(NDArray(shape: [2, 2], checkedScalars: [0, 0, 0, 0]))
        #expect(zeros.logSumExp(axes: [0, 1]).scalars == [Foundation_log(4)])
        // torch.logsumexp(torch.tensor([[1000., 1000.], [-inf, -inf]]), dim=1) = [1000 + log 2, -inf]
        let x = Tensor<Double>(NDArray(shape: [2, 2], checkedScalars: [1000, 1000, -.infinity, -.infinity]))
        #expect(x.logSumExp(axes: [1]).scalars == [1000 + Foundation_log(2), -.infinity])
        // The one-axis form agrees.
        #expect(x.logSumExp(axis: 1).scalars == x.logSumExp(axes: [-1]).scalars)
        #expect(x.logSumExp(axes: [0, 1], keepingDimensions: true).shape == [1, 1])
    }

    @Test func argmaxAndArgminTakeTheFirstIndex() throws {
        // torch.argmax(torch.tensor([[1., 3., 3.], [2., 2., 0.]]), dim=1) = [1, 0]
        let x = Tensor<Double>(NDArray(shape: [2, 3], checkedScalars: [1, 3, 3, 2, 2, 0]))
        #expect(x.argmax(axis: 1).scalars == [1, 0])
        // torch.argmin(x, dim=0) = [0, 1, 1]; torch.argmin(x) = 5; torch.argmax(x) = 1
        #expect(x.argmin(axis: 0).scalars == [0, 1, 1])
        #expect(x.argmin().scalars == [5] && x.argmin().shape == [])
        #expect(x.argmax().scalars == [1])
        // keepdim=True
        #expect(x.argmax(axis: -1, keepingDimensions: true).shape == [2, 1])
        #expect(x.argmax(keepingDimensions: true).shape == [1, 1])
        // Infinities: torch.argmax(torch.tensor([-inf, inf, 1., inf])) = 1; argmin = 0
        let infinite = Tensor<Double>([-.infinity, .infinity, 1, .infinity])
        #expect(infinite.argmax().scalars == [1] && infinite.argmin().scalars == [0])
        // Static mode gives the same indices.
        let graph = TensorGraph<Double>()
        let s = graph.input("x", shape: [2, 3])
        let program = try graph.compile([s.argmax(axis: 1), s.argmin()])
        let results = try program.run(["x": x.data])
        #expect(results[0].scalars == [1, 0] && results[1].scalars == [5])
    }

    @Test func cumulativeSumAndProductValues() throws {
        // torch.cumsum(torch.tensor([[1., 2., 3.], [4., 5., 6.]]), dim=1) = [[1, 3, 6], [4, 9, 15]]
        let x = Tensor<Double>(NDArray(shape: [2, 3], checkedScalars: [1, 2, 3, 4, 5, 6]))
        #expect(x.cumulativeSum(axis: 1).scalars == [1, 3, 6, 4, 9, 15])
        // torch.cumsum(x, dim=0) = [[1, 2, 3], [5, 7, 9]]
        #expect(x.cumulativeSum(axis: 0).scalars == [1, 2, 3, 5, 7, 9])
        // torch.cumprod(x, dim=1) = [[1, 2, 6], [4, 20, 120]]; dim=0: [[1, 2, 3], [4, 10, 18]]
        #expect(x.cumulativeProduct(axis: 1).scalars == [1, 2, 6, 4, 20, 120])
        #expect(x.cumulativeProduct(axis: 0).scalars == [1, 2, 3, 4, 10, 18])
        // 1-d: torch.cumsum(torch.tensor([1., -1., 2.]), 0) = [1, 0, 2]
        #expect(Tensor<Double>([1, -1, 2]).cumulativeSum(axis: 0).scalars == [1, 0, 2])
    }

    @Test func cumulativeProductGradientWithZeros() {
        // x = torch.tensor([2., 0., 3., 4.], requires_grad=True); x.cumprod(0).sum().backward()
        // x.grad = [1, 32, 0, 0]: y = [2, 0, 0, 0]; ∂/∂x₁ = 2 + 2·3 + 2·3·4.
        let x = Tensor<Double>([2, 0, 3, 4], requiresGrad: true)
        let y = x.cumulativeProduct(axis: 0)
        #expect(y.scalars == [2, 0, 0, 0])
        #expect(y.sum().gradients(wrt: [x])[0].scalars == [1, 32, 0, 0])
        // Two zeros: x = [0., 2., 0., 5.]: grad = [1 + 2 + 0 + 0, 0, 0, 0] = [3, 0, 0, 0]
        let z = Tensor<Double>([0, 2, 0, 5], requiresGrad: true)
        #expect(z.cumulativeProduct(axis: 0).sum().gradients(wrt: [z])[0].scalars == [3, 0, 0, 0])
    }

    @Test func normValues() throws {
        let x = Tensor<Double>(NDArray(shape: [2, 2], checkedScalars: [3, -4, 0, 0]), requiresGrad: true)
        // torch.linalg.vector_norm(x, ord=2, dim=1) = [5, 0]
        let two = x.norm(axes: [1])
        #expect(two.scalars == [5, 0])
        // Its gradient: x / ‖x‖ on the first row, 0 (PyTorch's rule, not NaN) on the zero row.
        let gradient = two.sum().gradients(wrt: [x])[0].scalars
        #expect(zip(gradient, [0.6, -0.8, 0, 0]).allSatisfy { Swift.abs($0 - $1) < 1e-15 } && gradient[2...] == [0, 0])
        // ord=1 → 7; ord=inf → 4; ord=-inf over dim 1 → [3, 0]; ord=3 over dim 1 → [cbrt(91), 0]
        #expect(x.norm(p: 1).scalars == [7])
        #expect(x.norm(p: .infinity).scalars == [4])
        #expect(x.norm(p: -.infinity, axes: [1]).scalars == [3, 0])
        let three = x.norm(p: 3, axes: [1])
        #expect(Swift.abs(three.scalars[0] - Foundation_pow(91, 1.0 / 3)) < 1e-12 && three.scalars[1] == 0)
        #expect(three.sum().gradients(wrt: [x])[0].scalars[2...] == [0, 0])
        // torch.linalg.matrix_norm(x, ord='fro') = 5
        #expect(x.frobeniusNorm().scalars == [5])
    }

    @Test func standardDeviationValues() throws {
        // torch.std(torch.tensor([1., 2., 3., 4.])) = sqrt(5/3); correction=0: sqrt(5/4)
        let x = Tensor<Double>([1, 2, 3, 4])
        #expect(x.std().scalars == [Foundation_sqrt(5.0 / 3)])
        #expect(x.std(correction: 0).scalars == [Foundation_sqrt(1.25)])
        // A constant input: std 0 and gradient 0 (PyTorch masks 1/(2·std) at 0).
        let c = Tensor<Double>([2, 2, 2], requiresGrad: true)
        let s = c.std()
        #expect(s.scalars == [0])
        #expect(s.gradients(wrt: [c])[0].scalars == [0, 0, 0])
        // torch.std(torch.tensor([[1., 3.], [5., 7.]]), dim=(0, 1)) = sqrt(20/3)
        #expect(Tensor<Double>(NDArray(shape: [2, 2], checkedScalars: [1, 3, 5, 7])).std(axes: [0, 1]).scalars == [Foundation_sqrt(20.0 / 3)])
    }
}

private func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
private func Foundation_sqrt(_ x: Double) -> Double { Foundation.sqrt(x) }
private func Foundation_pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
