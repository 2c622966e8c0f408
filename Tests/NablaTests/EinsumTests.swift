import Testing
@testable import Nabla

/// `einsum` (PyTorch's `torch.einsum`): values derived by hand for each form of the notation
/// (the PyTorch call beside each), first and second derivatives through the gradient checker,
/// static equal to dynamic bit for bit, every two-operand contraction one matmul, and malformed
/// equations stopping with a message naming the equation.
@Suite("einsum")
struct EinsumTests {
    typealias Case = TensorGradientTests.Case

    /// `einsum` on float64 tensors of these values, as an NDArray.
    static func values(_ equation: String, _ operands: NDArray<Double>...) -> NDArray<Double> {
        Nabla.einsum(equation, operands.map { Tensor($0) }).data
    }

    /// x with entries 0, 1, 2, … in row-major order.
    static func counting(_ shape: Shape) -> NDArray<Double> {
        try! NDArray(shape: shape, scalars: (0..<shape.count).map(Double.init))
    }

    @Test func matrixProducts() {
        let a = NDArray<Double>([[1, 2], [3, 4]]), b = NDArray<Double>([[5, 6], [7, 8]])
        // torch.einsum('ij,jk->ik', a, b) = a @ b
        #expect(Self.values("ij,jk->ik", a, b) == NDArray([[19, 22], [43, 50]]))
        // Implicit output: the labels used once (i, k), alphabetically.
        #expect(Self.values("ij,jk", a, b) == NDArray([[19, 22], [43, 50]]))
        // torch.einsum('ij,kj->ik', a, b) = a @ b.T; spaces are ignored.
        #expect(Self.values(" i j , k j -> i k ", a, b) == NDArray([[17, 23], [39, 53]]))
        // torch.einsum('ji,jk->ki', a, b) = (a.T @ b).T = b.T @ a
        #expect(Self.values("ji,jk->ki", a, b) == NDArray([[26, 38], [30, 44]]))
        // Batched: torch.einsum('bij,bjk->bik', x, y) with x = [[[1, 2]], [[3, 4]]], y = [[[1], [1]], [[2], [-1]]]
        let x = NDArray<Double>([[[1, 2]], [[3, 4]]]), y = NDArray<Double>([[[1], [1]], [[2], [-1]]])
        #expect(Self.values("bij,bjk->bik", x, y) == NDArray([[[3]], [[2]]]))
        // A dot product: torch.einsum('i,i->', u, v)
        #expect(Self.values("i,i->", NDArray([1, 2, 3]), NDArray([4, 5, 6])) == NDArray(32.0))
        // Matrix times vector: torch.einsum('ij,j->i', a, [1, -1])
        #expect(Self.values("ij,j->i", a, NDArray([1, -1])) == NDArray([-1, -1]))
    }

    @Test func oneOperand() {
        let a = NDArray<Double>([[1, 2], [3, 4]])
        // torch.einsum('ii->', a) = trace = 5; implicit 'ii' is the trace too (i is used twice).
        #expect(Self.values("ii->", a) == NDArray(5.0))
        #expect(Self.values("ii", a) == NDArray(5.0))
        // torch.einsum('ii->i', a) = diagonal
        #expect(Self.values("ii->i", a) == NDArray([1, 4]))
        // torch.einsum('ij->ji', a) = a.T
        #expect(Self.values("ij->ji", a) == NDArray([[1, 3], [2, 4]]))
        // Implicit output is alphabetical: torch.einsum('ba', a) = a.T
        #expect(Self.values("ba", a) == NDArray([[1, 3], [2, 4]]))
        // …with a–z before A–Z: torch.einsum('bA', a) = a (not a.T, as ASCII order would give)
        #expect(Self.values("bA", a) == a)
        // torch.einsum('ij->', a) = 10; torch.einsum('ij->j', a) = column sums
        #expect(Self.values("ij->", a) == NDArray(10.0))
        #expect(Self.values("ij->j", a) == NDArray([4, 6]))
        // A label repeated over axes 0 and 2: x[i, j, k] = 6i + 2j + k, so x[i, j, i] = 7i + 2j.
        #expect(Self.values("iji->ij", Self.counting([2, 3, 2])) == NDArray([[0, 2, 4], [7, 9, 11]]))
        // Three times: x[i, i, i] of x[i, j, k] = 4i + 2j + k is 7i.
        #expect(Self.values("iii->i", Self.counting([2, 2, 2])) == NDArray([0, 7]))
        // The identity returns the operand itself.
        #expect(Self.values("ij->ij", a) == a)
    }

    @Test func outerProductsAndSeveralOperands() {
        // torch.einsum('i,j->ij', [1, 2], [3, 4, 5]) = torch.outer
        #expect(Self.values("i,j->ij", NDArray([1, 2]), NDArray([3, 4, 5])) == NDArray([[3, 4, 5], [6, 8, 10]]))
        // torch.einsum('i,i,i->', [1, 2], [3, 4], [5, 6]) = 1·3·5 + 2·4·6 = 63
        #expect(Self.values("i,i,i->", NDArray([1, 2]), NDArray([3, 4]), NDArray([5, 6])) == NDArray(63.0))
        // Bilinear, torch.einsum('bn,anm,bm->ba', x1, W, x2) (torch.nn.functional.bilinear without bias):
        // out[b, a] = Σₙₘ x1[b, n] W[a, n, m] x2[b, m]. With x1 = I, row b of x1 picks n = b:
        // out[0, 0] = W[0, 0]·x2[0] = [1, 0, 0]·[1, 2, 3] = 1, out[0, 1] = [0, 0, 1]·[1, 2, 3] = 3,
        // out[1, 0] = W[0, 1]·x2[1] = [0, 1, 0]·[0, 1, 0] = 1, out[1, 1] = [1, 1, 1]·[0, 1, 0] = 1.
        let x1 = NDArray<Double>([[1, 0], [0, 1]]), x2 = NDArray<Double>([[1, 2, 3], [0, 1, 0]])
        let w = NDArray<Double>([[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [1, 1, 1]]])
        #expect(Self.values("bn,anm,bm->ba", x1, w, x2) == NDArray([[1, 3], [1, 1]]))
        // A label in one operand only, summed first: torch.einsum('ij,k->i', a, [1, 2]) = row sums · 3
        #expect(Self.values("ij,k->i", NDArray([[1, 2], [3, 4]]), NDArray([1, 2])) == NDArray([9, 21]))
        // A repeated label and a contraction: torch.einsum('ii,i->i', a, [10, 100]) = diag · v
        #expect(Self.values("ii,i->i", NDArray([[1, 2], [3, 4]]), NDArray([10, 100])) == NDArray([10, 400]))
    }

    @Test func ellipsisAndBroadcasting() {
        // torch.einsum('...ij,...jk->...ik', a, b): a [2, 1, 2] and b [2, 2] (no ellipsis axes)
        // broadcast: a[0]·b = [1, 2]·[[1, 0], [1, 1]] = [3, 2], a[1]·b = [3, 4]·b = [7, 4].
        let a = NDArray<Double>([[[1, 2]], [[3, 4]]]), b = NDArray<Double>([[1, 0], [1, 1]])
        #expect(Self.values("...ij,...jk->...ik", a, b) == NDArray([[[3, 2]], [[7, 4]]]))
        // Implicit output: the ellipsis axes first, then i and k.
        #expect(Self.values("...ij,...jk", a, b) == NDArray([[[3, 2]], [[7, 4]]]))
        // torch.einsum('...i,...i->...', p [2, 1, 3], q [4, 3]): the ellipses [2, 1] and [4]
        // broadcast to [2, 4]; out[s, t] = p[s, 0]·q[t].
        let p = NDArray<Double>([[[1, 1, 1]], [[1, 0, 0]]]), q = NDArray<Double>([[1, 2, 3], [0, 0, 1], [1, 0, 0], [2, 2, 2]])
        #expect(Self.values("...i,...i->...", p, q) == NDArray([[6, 1, 1, 6], [1, 0, 1, 2]]))
        // An explicit output without the ellipsis sums its axes: torch.einsum('...i->i', x) = column sums.
        #expect(Self.values("...i->i", NDArray([[1, 2, 3], [4, 5, 6]])) == NDArray([5, 7, 9]))
        // An ellipsis in the middle: torch.einsum('i...j->j...i', x) of x [2, 1, 2].
        #expect(Self.values("i...j->j...i", a) == NDArray([[[1, 3]], [[2, 4]]]))
        // A size-1 axis broadcasts against its label's size elsewhere, as in PyTorch:
        // torch.einsum('ij,jk->ik', [[1], [2]], ones(3, 2)) = [[1·3, 1·3], [2·3, 2·3]].
        #expect(Self.values("ij,jk->ik", NDArray([[1], [2]]), NDArray.ones([3, 2])) == NDArray([[3, 3], [6, 6]]))
        // torch.einsum('ij,ij->ij', [[1], [2]], [[1, 2, 3], [4, 5, 6]]) = broadcast product
        #expect(Self.values("ij,ij->ij", NDArray([[1], [2]]), NDArray([[1, 2, 3], [4, 5, 6]])) == NDArray([[1, 2, 3], [8, 10, 12]]))
        // An empty contraction gives zeros: torch.einsum('ij,jk->ik', zeros(2, 0), zeros(0, 3)).
        #expect(Self.values("ij,jk->ik", NDArray.zeros([2, 0]), NDArray.zeros([0, 3])) == NDArray.zeros([2, 3]))
    }

    @Test func everyPairIsOneMatmul() throws {
        /// The numbers of matmul and permute nodes einsum records.
        func count(_ equation: String, _ shapes: [Shape]) -> [Int] {
            let graph = TensorGraph<Double>()
            let operands = shapes.enumerated().map { graph.input("x\($0)", shape: $1) }
            _ = Nabla.einsum(equation, operands)
            var counts = [0, 0]
            for node in graph.nodes {
                if case .matmul = node.operation { counts[0] += 1 }
                if case .permute = node.operation { counts[1] += 1 }
            }
            return counts
        }
        #expect(count("bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]) == [1, 0])
        // Transposed operands are read transposed by the kernel, not copied.
        #expect(count("ji,kj->ik", [[4, 3], [5, 4]]) == [1, 0])
        #expect(count("i,j->ij", [[3], [4]]) == [1, 0])
        // W [a, n, m] is contracted over its middle axis: one permute to [n, a, m] is needed.
        #expect(count("bn,anm,bm->ba", [[2, 3], [4, 3, 5], [2, 5]]) == [2, 1])
        #expect(count("ij->ji", [[2, 3]]) == [0, 1])
    }

    @Test func bothModesAndNDArrayAgree() throws {
        let a = NDArray<Double>.randomUniform([2, 3, 4], low: -1, high: 1, seed: 1)
        let b = NDArray<Double>.randomUniform([4, 2, 5], low: -1, high: 1, seed: 2)
        let dynamic = Nabla.einsum("bij,jbk->kib", Tensor(a), Tensor(b)).data
        #expect(Nabla.einsum("bij,jbk->kib", a, b) == dynamic)
        let graph = TensorGraph<Double>()
        let y = Nabla.einsum("bij,jbk->kib", graph.input("a", shape: a.shape), graph.input("b", shape: b.shape))
        #expect(try graph.compile([y]).run(["a": a, "b": b])[0] == dynamic)
        // The same numbers as the explicit matmul (the same kernel, the same order of sums).
        #expect(dynamic == Tensor.matmul(Tensor(a), Tensor(b).permuted([1, 0, 2]), transposingA: false, transposingB: false)
            .permuted([2, 1, 0]).data)
    }

    static let cases: [Case] = [
        Case(name: "matmul ij,jk->ik", shapes: [[2, 3], [3, 4]]) { tanh(einsum("ij,jk->ik", $0[0], $0[1])) },
        Case(name: "batched bij,bjk->bik", shapes: [[2, 2, 3], [2, 3, 2]]) { tanh(einsum("bij,bjk->bik", $0[0], $0[1])) },
        Case(name: "transposed ji,kj->ik", shapes: [[3, 2], [4, 3]]) { einsum("ji,kj->ik", $0[0], $0[1]) * einsum("ji,kj->ik", $0[0], $0[1]) },
        Case(name: "trace ii->", shapes: [[3, 3]]) { tanh(einsum("ii->", $0[0])) },
        Case(name: "diagonal ii->i", shapes: [[3, 3]]) { tanh(einsum("ii->i", $0[0])) },
        Case(name: "iji->ij", shapes: [[2, 3, 2]]) { tanh(einsum("iji->ij", $0[0])) },
        Case(name: "outer i,j->ij", shapes: [[3], [4]]) { tanh(einsum("i,j->ij", $0[0], $0[1])) },
        Case(name: "transpose ij->ji", shapes: [[2, 3]]) { tanh(einsum("ij->ji", $0[0])) },
        Case(name: "sum ij->", shapes: [[2, 3]]) { tanh(einsum("ij->", $0[0])) },
        Case(name: "bilinear bn,anm,bm->ba", shapes: [[2, 3], [2, 3, 4], [2, 4]]) { tanh(einsum("bn,anm,bm->ba", $0[0], $0[1], $0[2])) },
        Case(name: "ellipsis ...ij,...jk->...ik", shapes: [[2, 1, 3, 2], [3, 2, 2]]) { tanh(einsum("...ij,...jk->...ik", $0[0], $0[1])) },
        Case(name: "one operand's label summed first ij,kj->i", shapes: [[2, 3], [4, 3]]) { tanh(einsum("ij,kj->i", $0[0], $0[1])) },
        Case(name: "diagonal then contraction ii,i->i", shapes: [[3, 3], [3]]) { tanh(einsum("ii,i->i", $0[0], $0[1])) },
        Case(name: "size-1 broadcast ij,jk->ik", shapes: [[2, 1], [3, 2]]) { tanh(einsum("ij,jk->ik", $0[0], $0[1])) },
        Case(name: "dot i,i->", shapes: [[4], [4]]) { tanh(einsum("i,i->", $0[0], $0[1])) },
    ]

    @Test("First and second order against finite differences", arguments: cases)
    func gradientCheck(_ c: Case) {
        TensorGradientTests().gradientCheck(c)
    }

    @Test("Static and dynamic agree bit for bit, to second order", arguments: cases)
    func staticMatchesDynamic(_ c: Case) throws {
        try ElementwiseOperationTests().staticMatchesDynamic(c)
    }

    @Test func shapeErrorsAreRecordedInAGraph() {
        let graph = TensorGraph<Double>()
        _ = Nabla.einsum("ij,jk->ik", graph.input("a", shape: [2, 3]), graph.input("b", shape: [4, 5]))
        #expect(throws: TensorShapeError(operation: "einsum(\"ij,jk->ik\")", shapes: [[2, 3], [4, 5]],
                                         reason: "label j has size 3 in operand 0 and 4 in operand 1")) {
            try graph.check()
        }
        let other = TensorGraph<Double>()
        _ = Nabla.einsum("ijk->i", other.input("a", shape: [2, 3]))
        #expect(throws: TensorShapeError.self) { try other.check() }
    }

    /// The stderr of an exit test's process.
    static func message(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func malformedEquationsStopNamingTheEquation() async {
        var result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Nabla.einsum("ij,jk->ik", Tensor<Double>.zeros([2, 3]))
        }
        #expect(Self.message(result).contains("einsum(\"ij,jk->ik\"): the equation has 2 operands but 1 was given"))
        result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Nabla.einsum("i1->i", Tensor<Double>.zeros([2, 3]))
        }
        #expect(Self.message(result).contains("einsum(\"i1->i\"): '1' in operand 0 is not a label"))
        result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Nabla.einsum("ij->k", Tensor<Double>.zeros([2, 3]))
        }
        #expect(Self.message(result).contains("einsum(\"ij->k\"): output label k appears in no operand"))
        result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Nabla.einsum("ij,jk->ik", Tensor<Double>.zeros([2, 3]), Tensor<Double>.zeros([4, 5]))
        }
        #expect(Self.message(result).contains("einsum(\"ij,jk->ik\"): [2, 3] and [4, 5] — label j has size 3 in operand 0 and 4 in operand 1"))
    }
}
