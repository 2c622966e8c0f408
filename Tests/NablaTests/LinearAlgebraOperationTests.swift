import Testing
@testable import Nabla

/// `outer` and `linear` (PyTorch's `torch.outer`, `F.linear`): values by hand, first and second
/// derivatives through the gradient checker, static equal to dynamic bit for bit.
@Suite("Linear algebra operations")
struct LinearAlgebraOperationTests {
    static let cases: [TensorGradientTests.Case] = [
        .init(name: "outer", shapes: [[3], [4]]) { tanh($0[0].outer($0[1])) },
        .init(name: "linear with bias, batched input", shapes: [[2, 3, 4], [5, 4], [5]]) { tanh($0[0].linear(weight: $0[1], bias: $0[2])) },
        .init(name: "linear without bias, vector input", shapes: [[4], [2, 4]]) { $0[0].linear(weight: $0[1]) * $0[0].linear(weight: $0[1]) },
        // Fused products (the kernel applies bias and activation): the same derivatives.
        .init(name: "linear + tanh, fused", shapes: [[3, 4], [5, 4], [5]]) { $0[0].linear(weight: $0[1], bias: $0[2], activation: .tanh) },
        .init(name: "linear + gelu, fused", shapes: [[3, 4], [5, 4], [5]]) { $0[0].linear(weight: $0[1], bias: $0[2], activation: .gelu) },
        .init(name: "linear + gelu (tanh), fused, no bias", shapes: [[2, 3, 4], [5, 4]]) { $0[0].linear(weight: $0[1], activation: .geluTanh) },
        .init(name: "transposed product + relu, fused", shapes: [[4, 3], [5, 4], [5]], low: 0.2, high: 1.5) {
            AnyTensor.matmul($0[0], $0[1], transposingA: true, transposingB: true, bias: $0[2], activation: .relu) * 1.5
        },
    ]

    @Test("First and second order against finite differences", arguments: cases)
    func gradientCheck(_ c: TensorGradientTests.Case) {
        TensorGradientTests().gradientCheck(c)
    }

    @Test("Static and dynamic agree", arguments: cases)
    func staticMatchesDynamic(_ c: TensorGradientTests.Case) throws {
        try TensorGraphTests().staticMatchesDynamic(c)
    }

    @Test func valuesAsPyTorch() throws {
        // torch.outer(tensor([1., 2.]), tensor([3., 4., 5.])) = [[3, 4, 5], [6, 8, 10]]
        #expect(Tensor<Double>([1, 2]).outer(Tensor([3, 4, 5])).data == NDArray([[3, 4, 5], [6, 8, 10]]))
        // F.linear(x, W, b) with x [[1, 2]], W [[1, 0], [0, 1], [1, 1]], b [0.5, 0, -1] = [[1.5, 2, 2]]
        let x = Tensor<Double>([[1, 2]]), w = Tensor<Double>([[1, 0], [0, 1], [1, 1]])
        #expect(x.linear(weight: w, bias: Tensor([0.5, 0, -1])).data == NDArray([[1.5, 2, 2]]))
        // The same numbers as the Linear module with those parameters.
        let layer = Linear<Double>(weight: w.data, bias: NDArray([0.5, 0, -1]))
        #expect(layer(x).data == x.linear(weight: w, bias: Tensor([0.5, 0, -1])).data)
        // A symbol with the wrong shapes records the error.
        let graph = TensorGraph<Double>()
        _ = graph.input("x", shape: [2, 3]).linear(weight: graph.input("w", shape: [4, 2]))
        #expect(throws: TensorShapeError.self) { try graph.check() }
    }
}
