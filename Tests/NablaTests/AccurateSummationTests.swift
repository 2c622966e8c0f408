import Testing
@testable import Nabla

/// Sums are added pairwise (NumPy's scheme), over inner and outer axes, so their error grows as
/// log₂ n rather than n. Each expected value is mathematics: an exact integer, n·c, or the sum
/// computed in Double from the same Float elements.
@Suite("Accurate summation")
struct AccurateSummationTests {
    /// Float's unit roundoff, 2⁻²⁴.
    static let epsilon = Double(Float.ulpOfOne) / 2

    /// Pseudo-random elements in [0, 1) (24 random bits each), cheap to make in a debug build:
    /// the top bits of a 64-bit linear congruential generator.
    static func values(_ shape: Shape) -> NDArray<Float> {
        NDArray.build(shape) { out in
            var state: UInt64 = 1
            for i in 0..<out.count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                out[i] = Float(state >> 40) * 0x1p-24
            }
        }
    }

    /// The sums over `axis` of an [outer, n, inner] array, in Double.
    static func reference(_ x: NDArray<Float>, outer: Int, n: Int, inner: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: outer * inner)
        x.withUnsafeBufferPointer { x in
            for k in 0..<outer { for r in 0..<n { for i in 0..<inner { sums[k * inner + i] += Double(x[(k * n + r) * inner + i]) } } }
        }
        return sums
    }

    /// A bound on the error of a pairwise sum of n positive terms: ε per level of the tree
    /// (log₂ n levels), plus the 16 additions into each of the 8 accumulators of a 128-element
    /// leaf. A running sum's error grows as n·ε instead: far over this bound at 10⁷ terms.
    static func bound(_ n: Int, _ exact: Double) -> Double {
        let levels = Int.bitWidth - (n - 1).leadingZeroBitCount   // ⌈log₂ n⌉
        return Double(levels + 16) * epsilon * exact
    }

    @Test func twentyMillionOnesAddUpToTwentyMillion() {
        // A running Float sum stops at 2²⁴ = 16,777,216, where x + 1 rounds back to x.
        let ones = NDArray<Float>.ones([20_000_000])
        #expect(ones.sum().scalar == 20_000_000)
        #expect(Tensor(ones).sum().scalar == 20_000_000)
    }

    @Test func meanOfTenMillionTenthsIsOneTenth() {
        // A running Float sum gives 0.1088.
        let tenths = Tensor(NDArray<Float>.full([10_000_000], 0.1))
        #expect(Swift.abs(Double(tenths.mean().scalar) - 0.1) < 1e-6)
    }

    @Test func sumOfTenMillionAgainstDouble() {
        let x = Self.values([10_000_000])
        let exact = Self.reference(x, outer: 1, n: x.count, inner: 1)[0]
        #expect(Swift.abs(Double(x.sum().scalar) - exact) <= Self.bound(x.count, exact))
    }

    @Test("Inner, outer and middle axes against Double", arguments: [
        ([4, 250_000, 1], [1]),        // long contiguous runs
        ([1, 250_000, 4], [0]),        // many short rows: column sums
        ([1, 100_000, 10], [0]),
        ([3, 100_000, 3], [1]),        // a middle axis
    ] as [([Int], [Int])])
    func axes(_ dimensions: [Int], _ axes: [Int]) {
        let (outer, n, inner) = (dimensions[0], dimensions[1], dimensions[2])
        let shape = Shape(dimensions.filter { $0 != 1 })
        let x = Self.values(shape)
        let sums = x.sum(axes: axes)
        #expect(sums.count == outer * inner)
        for (sum, exact) in zip(sums.scalars, Self.reference(x, outer: outer, n: n, inner: inner)) {
            #expect(Swift.abs(Double(sum) - exact) <= Self.bound(n, exact), "\(shape) over \(axes): \(sum), exact \(exact)")
        }
    }

    @Test func everySetOfAxesMatchesALoop() {
        // Coalescing neighbouring axes, size-1 axes, several reduced groups: each result against
        // a plain loop (Double, small: the two orders agree to rounding).
        let x = NDArray<Double>.randomUniform([2, 3, 1, 4, 5], low: -1, high: 1, seed: 3)
        let dims = x.shape.dimensions
        for mask in 0..<(1 << dims.count) {
            let axes = (0..<dims.count).filter { mask & (1 << $0) != 0 }
            for keep in [false, true] {
                let sums = x.sum(axes: axes, keepingDimensions: keep)
                let kept = Shape(dims.enumerated().map { axes.contains($0.offset) ? 1 : $0.element })
                var expected = [Double](repeating: 0, count: kept.count)
                let strides = kept.strides
                for flat in 0..<x.count {
                    var rest = flat, target = 0
                    for (axis, stride) in x.shape.strides.enumerated() {
                        let index = rest / stride
                        rest %= stride
                        if !axes.contains(axis) { target += index * strides[axis] }
                    }
                    expected[target] += x.scalars[flat]
                }
                #expect(sums.shape == (keep ? kept : Shape(dims.enumerated().filter { !axes.contains($0.offset) }.map(\.element))))
                #expect(zip(sums.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 }, "axes \(axes)")
            }
        }
    }

    @Test func rowsWiderThanAStrip() {
        // Column sums are computed in strips of 1,024 columns; rows of 2,500 cross two edges.
        let x = NDArray<Double>.randomUniform([3, 37, 2_500], low: -1, high: 1, seed: 4)
        let sums = x.sum(axes: [1])
        for k in 0..<3 {
            for i in [0, 1_023, 1_024, 2_047, 2_048, 2_499] {
                let exact = (0..<37).reduce(0.0) { $0 + x[[k, $1, i]] }
                #expect(Swift.abs(sums[[k, i]] - exact) < 1e-12)
            }
        }
    }

    @Test func varianceOfAMillion() {
        // Alternating 0.1 and 0.3: mean 0.2, variance 0.01·n/(n − 1). A running sum's mean is
        // off by 0.8% and its sum of squares by 1.3%.
        let x = NDArray<Float>.build([1_000_000]) { out in for i in 0..<out.count { out[i] = i % 2 == 0 ? 0.1 : 0.3 } }
        let n = Double(x.count)
        #expect(Swift.abs(Double(Tensor(x).variance().scalar) / (0.01 * n / (n - 1)) - 1) < 1e-5)
    }

    @Test func lossesAverageAccurately() {
        // (0.1 − 0)² averaged over 10⁶ elements is 0.01; a running sum gives 1.3% less.
        let prediction = Tensor(NDArray<Float>.full([1_000_000], 0.1), requiresGrad: true)
        let loss = prediction.meanSquaredError(Tensor(NDArray<Float>.zeros([1_000_000])))
        #expect(Swift.abs(Double(loss.scalar) / 0.01 - 1) < 1e-5)
    }

    @Test func backwardUnbroadcastsAccurately() {
        // d/db Σ x·b for b broadcast over 10⁶ elements is Σ x = 10⁵ (x = 0.1; a running sum is
        // off by 1%): the gradient is summed back over the broadcast axis, in both modes, to
        // the same bits.
        let x = NDArray<Float>.full([1_000_000], 0.1)
        let b = Tensor<Float>(NDArray([1]), requiresGrad: true)
        (Tensor(x) * b).sum().backward()
        let dynamic = b.grad!.scalar
        #expect(Swift.abs(Double(dynamic) / (1e6 * Double(Float(0.1))) - 1) < 1e-6)

        let graph = TensorGraph<Float>()
        let bs = graph.input("b", shape: [1])
        let loss = (graph.constant(x) * bs).sum()
        let program = try! graph.compile([loss] + graph.gradients(of: loss, wrt: [bs]))
        let outputs = try! program.run(["b": NDArray([1])])
        #expect(outputs[1].scalar.bitPattern == dynamic.bitPattern)
    }

    @Test func sumsOfNothingAreZero() {
        // As PyTorch: torch.zeros(0).sum() is 0, torch.zeros(3, 0).sum(1) is [0, 0, 0].
        #expect(NDArray<Float>.zeros([0]).sum().scalar == 0)
        #expect(NDArray<Double>.zeros([3, 0]).sum(axes: [1]) == NDArray.zeros([3]))
        #expect(NDArray<Double>.zeros([0, 3]).sum(axes: [1]).shape == [0])
    }
}
