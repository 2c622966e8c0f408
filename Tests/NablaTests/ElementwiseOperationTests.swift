import Testing
import Foundation
@testable import Nabla

/// PyTorch's elementwise functions (square, rsqrt, log1p, expm1, softplus, silu, elu, logSigmoid,
/// hardtanh, atan2, floor, ceil, round, reciprocal): values against libm or by hand (the PyTorch
/// call beside each), first and second derivatives through ``GradientChecker`` on tensors, and
/// the static graph equal to the dynamic one bit for bit.
@Suite("Elementwise operations (PyTorch's set)")
struct ElementwiseOperationTests {
    typealias Case = TensorGradientTests.Case

    /// f applied to a float64 tensor of `xs`.
    static func values(_ xs: [Double], _ f: (Tensor<Double>) -> Tensor<Double>) -> [Double] {
        f(Tensor(NDArray(xs))).data.scalars
    }

    /// d/dx of Σ f(x), entry by entry.
    static func derivatives(_ xs: [Double], _ f: (Tensor<Double>) -> Tensor<Double>) -> [Double] {
        let leaf = Tensor(NDArray(xs), requiresGrad: true)
        return f(leaf).sum().gradients(wrt: [leaf])[0].scalars
    }

    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }

    @Test func log1pAndExpm1AreAccurateNearZero() {
        // torch.log1p(torch.tensor([1e-10, -0.5, 3.0], dtype=torch.float64)):
        // log1p(1e-10) = 1e-10 − 5e-21 = 9.9999999995e-11 (x − x²/2), where log(1 + 1e-10) = 1.00000008e-10.
        #expect(Self.values([1e-10, -0.5, 3]) { log1p($0) } == [9.999999999500001e-11, Foundation.log1p(-0.5), Foundation.log1p(3)])
        #expect(Swift.abs(log(1 + 1e-10) - 1e-10) > 1e-18)   // why log1p is a primitive
        // torch.expm1(torch.tensor([1e-10, -1e-10, 1.0], dtype=torch.float64)): expm1(1e-10) = 1e-10 + 5e-21.
        #expect(Self.values([1e-10, -1e-10, 1]) { expm1($0) } == [1.00000000005e-10, -9.999999999500001e-11, Foundation.expm1(1)])
        #expect(Swift.abs((exp(1e-10) - 1) - 1.00000000005e-10) > 1e-18)   // why expm1 is a primitive
        #expect(Nabla.log1p(Value(1e-10)).data == 9.999999999500001e-11 && Nabla.expm1(Value(1e-10)).data == 1.00000000005e-10)
        #expect(Self.derivatives([1e-10, 1]) { log1p($0) } == [1 / (1 + 1e-10), 0.5])
        #expect(Self.derivatives([0, 1]) { expm1($0) } == [1, Foundation.expm1(1) + 1])
    }

    @Test func squareReciprocalRsqrt() {
        // torch.square, torch.reciprocal, torch.rsqrt
        #expect(Self.values([-3, 0.5]) { square($0) } == [9, 0.25])
        #expect(Self.values([2, -4, 0]) { reciprocal($0) } == [0.5, -0.25, .infinity])
        #expect(Self.values([4, 0.25, 0]) { rsqrt($0) } == [0.5, 2, .infinity])
        #expect(Self.values([-1]) { rsqrt($0) }[0].isNaN)
        #expect(Self.derivatives([-3, 0.5]) { square($0) } == [-6, 1])
        #expect(Self.derivatives([2, -4]) { reciprocal($0) } == [-0.25, -0.0625])
        #expect(Self.derivatives([4]) { rsqrt($0) } == [-1.0 / 16])
    }

    @Test func softplusHasPyTorchsThreshold() {
        // torch.nn.functional.softplus(x) with beta=1, threshold=20: x itself above 20.
        let xs = [30, 20, 0, -800, 1, 1e4]
        #expect(Self.same(Self.values(xs) { softplus($0) },
                          [30, Foundation.log1p(Foundation.exp(20)), Foundation.log1p(1), 0, Foundation.log1p(Foundation.exp(1)), 1e4]))
        // d/dx = σ(x) below the threshold, 1 above; no NaN from an overflowing exp.
        let g = Self.derivatives(xs) { softplus($0) }
        #expect(g[0] == 1 && g[2] == 0.5 && g[3] == 0 && g[5] == 1)
        #expect(Swift.abs(g[1] - 1 / (1 + Foundation.exp(-20))) < 1e-15)
        // softplus(x, beta=2, threshold=20): 15 above (2·15 = 30 > 20), log1p(e²)/2 at 1.
        #expect(Self.values([15, 1]) { softplus($0, beta: 2) } == [15, Foundation.log1p(Foundation.exp(2)) / 2])
        #expect(Self.values([.nan]) { softplus($0) }[0].isNaN)
        #expect(Nabla.softplus(Value(30)).data == 30)
    }

    @Test func logSigmoidIsAccurateAtBothEnds() {
        // torch.nn.functional.logsigmoid: min(x, 0) − log1p(exp(−|x|))
        let v = Self.values([-800, 40, 0, 1]) { logSigmoid($0) }
        #expect(v[0] == -800 && v[1] == -Foundation.log1p(Foundation.exp(-40)) && v[1] < 0 && v[2] == -Foundation.log1p(1))
        #expect(v[3] == -Foundation.log1p(Foundation.exp(-1)))
        let g = Self.derivatives([-800, 40, 0]) { logSigmoid($0) }
        #expect(g[0] == 1 && g[2] == 0.5 && g[1] > 0 && g[1] < 1e-17)
    }

    @Test func siluAndElu() {
        // torch.nn.functional.silu(torch.tensor([1.0, -2.0]))
        let s = Self.values([1, -2]) { silu($0) }
        #expect(Swift.abs(s[0] - 1 / (1 + Foundation.exp(-1))) < 1e-16 && Swift.abs(s[1] + 2 / (1 + Foundation.exp(2))) < 1e-16)
        // torch.nn.functional.elu(x) (alpha=1): x above 0, expm1(x) at or below.
        #expect(Self.values([2, -1, 0, -1e-10, 1000]) { elu($0) } == [2, Foundation.expm1(-1), 0, Foundation.expm1(-1e-10), 1000])
        #expect(Self.derivatives([2, -1, 0, 1000]) { elu($0) } == [1, Foundation.exp(-1), 1, 1])
        // elu(x, alpha=2): derivative α at 0, as PyTorch's elu_backward.
        #expect(Self.values([-1, 3]) { elu($0, alpha: 2) } == [2 * Foundation.expm1(-1), 3])
        #expect(Self.derivatives([0]) { elu($0, alpha: 2) } == [2])
        #expect(Self.values([.nan]) { elu($0) }[0].isNaN)
    }

    @Test func hardtanhHasPyTorchsGradientAtTheBounds() {
        // torch.nn.functional.hardtanh(x) (min_val=-1, max_val=1)
        let xs = [-3, -1, 0.5, 1, 3, .infinity, -.infinity]
        #expect(Self.values(xs) { hardtanh($0) } == [-1, -1, 0.5, 1, 1, 1, -1])
        // hardtanh_backward: 1 strictly inside, 0 at and beyond the bounds.
        #expect(Self.derivatives(xs) { hardtanh($0) } == [0, 0, 1, 0, 0, 0, 0])
        // relu6 = hardtanh(x, 0, 6)
        #expect(Self.values([-2, 3, 7]) { hardtanh($0, min: 0, max: 6) } == [0, 3, 6])
        #expect(Self.values([.nan]) { hardtanh($0) }[0].isNaN)
    }

    @Test func atan2Quadrants() {
        // torch.atan2(y, x)
        let y = Tensor(NDArray([1.0, -1, 0, 0.5])), x = Tensor(NDArray([0.0, -1, -1, 2]))
        #expect(atan2(y, x).data.scalars == [Double.pi / 2, Foundation.atan2(-1, -1), Double.pi, Foundation.atan2(0.5, 2)])
        let (ly, lx) = (Tensor(NDArray([1.0]), requiresGrad: true), Tensor(NDArray([2.0]), requiresGrad: true))
        let g = atan2(ly, lx).sum().gradients(wrt: [ly, lx])
        #expect(g[0].scalars == [0.4] && g[1].scalars == [-0.2])   // x/(x²+y²), −y/(x²+y²)
    }

    @Test func roundingHasZeroGradient() {
        let xs = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.7]
        // torch.floor, torch.ceil, torch.round (half to even)
        #expect(Self.values(xs) { floor($0) } == [-3, -2, -1, 0, 1, 2, 2])
        #expect(Self.values(xs) { ceil($0) } == [-2, -1, -0.0, 1, 2, 3, 3])
        let r = Self.values(xs) { round($0) }
        #expect(r == [-2, -2, -0.0, 0, 2, 2, 3] && r[2].sign == .minus)
        for f: (Tensor<Double>) -> Tensor<Double> in [{ floor($0) }, { ceil($0) }, { round($0) }] {
            #expect(Self.derivatives(xs, f) == Array(repeating: 0, count: xs.count))
        }
    }

    @Test func badBoundsAreProgrammerErrors() async {
        await #expect(processExitsWith: .failure) {
            _ = hardtanh(Value(0), min: 1, max: -1)
        }
    }

    static let cases: [Case] = [
        Case(name: "log1p", shapes: [[2, 3]], low: -0.5, high: 2) { log1p($0[0]) },
        Case(name: "expm1", shapes: [[2, 3]]) { expm1($0[0]) },
        Case(name: "square", shapes: [[2, 3]]) { square($0[0]) },
        Case(name: "reciprocal", shapes: [[2, 3]], low: 0.5, high: 2) { reciprocal($0[0]) },
        Case(name: "rsqrt", shapes: [[2, 3]], low: 0.5, high: 2) { rsqrt($0[0]) },
        Case(name: "silu permuted", shapes: [[3, 2]], low: -3, high: 3) { silu($0[0].permuted([1, 0])) },
        Case(name: "softplus", shapes: [[8]], low: -4, high: 4) { softplus($0[0]) },
        Case(name: "softplus beta 2 threshold 3 (either side)", shapes: [[8]], low: -4, high: 4) {
            softplus($0[0], beta: 2, threshold: 3) * $0[0]
        },
        Case(name: "softplus above the threshold", shapes: [[4]], low: 21, high: 30) { softplus($0[0]) * $0[0] },
        Case(name: "logSigmoid", shapes: [[8]], low: -4, high: 4) { logSigmoid($0[0]) },
        Case(name: "elu", shapes: [[8]], low: -2, high: 2) { elu($0[0]) * $0[0] },
        Case(name: "elu alpha 1.5", shapes: [[8]], low: -2, high: 2) { elu($0[0], alpha: 1.5) },
        Case(name: "hardtanh (away from the bounds)", shapes: [[8]], low: -2, high: 2) { hardtanh($0[0], min: -0.75, max: 0.8) * $0[0] },
        Case(name: "atan2 broadcast [2,3],[3]", shapes: [[2, 3], [3]], low: 0.3, high: 2) { atan2($0[0], -$0[1]) },
        Case(name: "floor·x", shapes: [[6]]) { floor($0[0] * 3) * $0[0] },
        Case(name: "ceil·x", shapes: [[6]]) { ceil($0[0] * 3) * $0[0] },
        Case(name: "round·x", shapes: [[6]]) { round($0[0] * 3) * $0[0] },
    ]

    @Test("First and second derivatives match finite differences", arguments: cases)
    func gradientCheck(_ c: Case) {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: c.low, high: c.high, seed: UInt64($0) + 11) }
        let mismatches = GradientChecker.check({ c.function($0.map(AnyTensor.dynamic)).dynamic }, at: inputs, order: 2, tolerance: 1e-6)
        #expect(mismatches.isEmpty, "\(c.name): \(mismatches.prefix(3))")
    }

    @Test("Static and dynamic agree bit for bit", arguments: cases)
    func staticMatchesDynamic(_ c: Case) throws {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: c.low, high: c.high, seed: UInt64($0) + 21) }
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let output = c.function(leaves.map(AnyTensor.dynamic)).dynamic
        let weights = NDArray<Double>.randomUniform(output.shape, low: 0.5, high: 1.5, seed: 5)
        let loss = (output * Tensor(weights)).sum()
        let firstOrder = loss.differentiableGradients(wrt: leaves)
        let secondOrder = firstOrder.reduce(Tensor(NDArray(0.0)), { $0 + $1.sum() }).gradients(wrt: leaves)
        let dynamic = [output.data] + firstOrder.map(\.data) + secondOrder

        let graph = TensorGraph<Double>()
        let symbols = inputs.enumerated().map { graph.input("x\($0)", shape: $1.shape) }
        let y = c.function(symbols.map(AnyTensor.symbolic)).symbolic
        let staticLoss = (y * graph.constant(weights)).sum()
        let staticFirst = try graph.gradients(of: staticLoss, wrt: symbols)
        let staticSecond = try graph.gradients(of: staticFirst.map { $0.sum() }.reduce(graph.constant(NDArray(0.0)), +), wrt: symbols)
        let program = try graph.compile([y] + staticFirst + staticSecond)
        let results = try program.run(Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ("x\($0)", $1) }))
        #expect(results.count == dynamic.count)
        for (k, (s, d)) in zip(results, dynamic).enumerated() {
            #expect(s.shape == d.shape && Self.same(s.scalars, d.scalars), "\(c.name): output \(k) differs: static \(s), dynamic \(d)")
        }
    }
}
