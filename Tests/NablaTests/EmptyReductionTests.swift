import Testing
@testable import Nabla

/// Reductions over no elements, as PyTorch: a sum of nothing is 0, a mean or variance of nothing
/// NaN (0/0), and the max or min of nothing a programmer error.
@Suite("Empty reductions")
struct EmptyReductionTests {
    @Test func sumMeanAndVarianceOfNothing() {
        // torch.zeros(0).sum() is 0; .mean() and .var() are nan; torch.zeros(2, 0).mean(1) is [nan, nan].
        let nothing = Tensor<Float>(NDArray.zeros([0]))
        #expect(nothing.sum().scalar == 0)
        #expect(nothing.mean().scalar.isNaN)
        #expect(nothing.variance().scalar.isNaN)
        #expect(nothing.variance(correction: 0).scalar.isNaN)
        let rows = Tensor<Double>(NDArray.zeros([2, 0]))
        #expect(rows.mean(axes: [1]).scalars.allSatisfy(\.isNaN) && rows.mean(axes: [1]).shape == [2])
        #expect(rows.variance(axes: [1]).scalars.allSatisfy { $0.isNaN })
        // Reducing over a non-empty axis of an empty tensor gives an empty result, as PyTorch.
        #expect(rows.max(axes: [0], keepingDimensions: false).shape == [0])
        // torch.tensor([3.]).var() is nan (n − 1 = 0).
        #expect(Tensor<Double>([3]).variance().scalar.isNaN)
    }

    @Test func maxOfNothingStopsNamingTheOpAndShape() async {
        // torch.zeros(0).max() raises.
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Float>(NDArray.zeros([2, 0])).max(axes: [1], keepingDimensions: false)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("max") && message.contains("[2, 0]"), "\(message)")
        await #expect(processExitsWith: .failure) {
            _ = NDArray<Double>.zeros([0]).min(axes: nil, keepingDimensions: false)
        }
    }

    @Test func theStaticGraphReportsMaxOfNothingAsAShapeError() {
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [0, 3])
        _ = x.max(axes: [0], keepingDimensions: true)
        #expect(throws: TensorShapeError.self) { try graph.check() }
        #expect(graph.error?.description.contains("[0, 3]") == true)
    }
}
