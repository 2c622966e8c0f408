import Foundation
import Testing
@testable import Nabla

/// Indexing under PyTorch's names (`Tensor+Indexing.swift`, `TensorMask.swift`, `IndexTensor.swift`,
/// `TensorIndex.swift`): Boolean masks and comparisons, `select` (torch.where), `maskedFill`,
/// `maskedSelect`, `x[mask]`, `gather`, `scatterAdd`, `indexAdd`, `sliced`, `narrowed` and the
/// `x[…]` subscripts. Values against hand-derived PyTorch results (the PyTorch call in a comment),
/// gradients by hand where they show the rule, first and second derivatives through
/// `GradientChecker`, and static equal to dynamic bit for bit.
@Suite("Indexing operations")
struct IndexingOperationTests {
    /// 0, 1, 2, … in `shape` (PyTorch's `torch.arange(n.).reshape(shape)`).
    static func arange(_ shape: Shape, requiresGrad: Bool = false) -> Tensor<Double> {
        Tensor(try! NDArray(shape: shape, scalars: (0..<shape.count).map(Double.init)), requiresGrad: requiresGrad)
    }

    func expectValues(_ t: Tensor<Double>, _ shape: Shape, _ scalars: [Double], _ what: String = "",
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(t.shape == shape && t.data.scalars == scalars, "\(what): got \(t.shape) \(t.data.scalars)", sourceLocation: sourceLocation)
    }

    // MARK: Masks

    @Test func masksFromComparisons() {
        let x = Tensor<Double>([-1, 2, .nan, 4])
        #expect((x .> 0).values == [false, true, false, true])           // x > 0: NaN compares False
        #expect((0 .< x).values == [false, true, false, true])           // 0 < x
        #expect((x .<= 2).values == [true, true, false, false])          // x <= 2
        #expect((x .>= 2).values == [false, true, false, true])          // x >= 2
        #expect((x .== x).values == [true, true, false, true])           // torch.eq(x, x): NaN ≠ NaN
        #expect((x .!= 4).values == [true, true, true, false])           // x != 4: True at NaN
        #expect((x .< Tensor([0, 3, 0, 5])).values == [true, true, false, true])
        // torch.tensor([[0.], [1]]) < torch.tensor([0., 1, 2]): broadcast to [2, 3].
        let below = Tensor<Double>([[0], [1]]) .< Tensor<Double>([0, 1, 2])
        #expect(below.shape == [2, 3] && below.values == [false, true, true, false, false, true])
        let floats = NDArray<Float>([1, 2]) .>= NDArray<Float>(2)         // on plain numbers too
        #expect(floats.values == [false, true])
        #expect((NDArray<Double>([-0.0]) .== 0).values == [true])        // −0 == 0

        // The doc comment's example.
        let mask = (x .> 0) & !(x .== 4)
        #expect(mask.values == [false, true, false, false])
        let filled = x.maskedFill(mask, with: -.infinity).scalars         // x.masked_fill(mask, -inf)
        #expect(filled[0] == -1 && filled[1] == -.infinity && filled[2].isNaN && filled[3] == 4)
    }

    @Test func maskValuesAndLogic() throws {
        let m = try TensorMask(shape: [2, 2], values: [true, false, false, true])
        #expect(m == TensorMask([[true, false], [false, true]]))
        #expect(m.trueCount == 2 && m.anyTrue && !m.allTrue && m[[1, 1]] && !m[[0, 1]])
        #expect(m.trueIndices == [[0, 0], [1, 1]])                       // torch.nonzero(m).tolist()
        #expect("\(m)" == "TensorMask[2, 2] [[true, false], [false, true]]")
        #expect(NDArray<Double>(m).scalars == [1, 0, 0, 1])               // m.double()
        #expect(throws: TensorShapeError(operation: "TensorMask(shape:values:)", shapes: [[2, 2]], reason: "needs 4 values, got 3")) {
            try TensorMask(shape: [2, 2], values: [true, false, true])
        }
        // torch.tensor([[True], [False]]) | torch.tensor([True, False, False]): broadcast to [2, 3].
        let column = TensorMask([[true], [false]]), row = TensorMask([true, false, false])
        #expect((column | row).values == [true, true, true, true, false, false])
        #expect((column & row).values == [true, false, false, false, false, false])
        #expect((column ^ row).values == [false, true, true, true, false, false])
        #expect((column .| row) == (column | row) && (column .& row) == (column & row) && (column .^ row) == (column ^ row))
        #expect((.!row).values == [false, true, true] && (!row).values == [false, true, true])
        let x = Tensor<Double>([0.5, 2, -1])
        #expect((x .> 0 .& x .< 1).values == [true, false, false])        // (x > 0) & (x < 1)
        #expect(column.broadcast(to: [2, 3]).values == [true, true, true, false, false, false])
        #expect(m.reshaped([4]).values == m.values)
        #expect(TensorMask(repeating: true, shape: []).allTrue && !TensorMask(repeating: false, shape: [0]).anyTrue)
    }

    // MARK: torch.where, masked_fill, masked_select, x[mask]

    @Test func selectIsTorchWhere() {
        // torch.where(mask, a, b) with mask [2, 1], a [3] and b [] broadcast to [2, 3].
        let mask = TensorMask([[true], [false]])
        let a = Tensor<Double>([1, 2, 3], requiresGrad: true), b = Tensor<Double>(10, requiresGrad: true)
        let y = Tensor.select(mask, a, b)
        expectValues(y, [2, 3], [1, 2, 3, 10, 10, 10])
        // ∂/∂a: the seed where the mask is true (row 0), summed back to [3]; ∂/∂b: the three others.
        let seed = try! NDArray<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let g = y.gradients(wrt: [a, b], seed: seed)
        #expect(g[0].scalars == [1, 2, 3] && g[1].scalars == [15])

        // The branch not taken may be NaN or ∞; it reaches neither the value nor the gradient:
        // torch.where(x > 0, torch.log(x), 3 * x) at x = [-1, 0.5, 2]: log(−1) is NaN, not taken.
        let x = Tensor<Double>([-1, 0.5, 2], requiresGrad: true)
        let z = Tensor.select(x .> 0, log(x), x * 3)
        #expect(z.scalars == [-3, Foundation.log(0.5), Foundation.log(2)])
        #expect(z.sum().gradients(wrt: [x])[0].scalars == [3, 2, 0.5])   // 3, then 1/x
        let infinite = Tensor.select(TensorMask([true, false]), Tensor<Double>([1, .infinity]), Tensor<Double>([.nan, 2]))
        #expect(infinite.scalars == [1, 2])
        // A number for one branch: torch.where(mask, x, -inf) and torch.where(mask, 0., x).
        #expect(Tensor.select(TensorMask([true, false]), Tensor<Double>([1, 2]), -.infinity).scalars == [1, -.infinity])
        #expect(Tensor.select(TensorMask([true, false]), 0, Tensor<Double>([1, 2])).scalars == [0, 2])
        // All true or all false: one branch, broadcast.
        expectValues(Tensor.select(TensorMask(repeating: true, shape: [2, 1]), Tensor<Double>([1, 2]), Tensor<Double>(0)), [2, 2], [1, 2, 1, 2])
        expectValues(Tensor.select(TensorMask([false, false]), Tensor<Double>(7), Tensor<Double>([1, 2])), [2], [1, 2])
    }

    @Test func maskedFillWithMinusInfinityBeforeASoftmax() {
        // Causal attention's step: scores.masked_fill(future, float("-inf")).softmax(-1).
        let scores = Tensor<Double>([[1, 2, 3], [4, 5, 6]], requiresGrad: true)
        let future = TensorMask([[false, true, true], [false, false, true]])
        let filled = scores.maskedFill(future, with: -.infinity)
        expectValues(filled, [2, 3], [1, -.infinity, -.infinity, 4, 5, -.infinity])
        let p = filled.softmax(axis: -1)
        // Row 0: [1, 0, 0]; row 1: softmax([4, 5]) = [1, e]/(1 + e), then 0.
        let e = Foundation.exp(1.0)
        let expected = [1, 0, 0, 1 / (1 + e), e / (1 + e), 0]
        #expect(zip(p.scalars, expected).allSatisfy { Swift.abs($0 - $1) < 1e-15 }, "\(p.scalars)")
        // ∂p[:, 0].sum()/∂scores: row 0's softmax is constant (zeros); row 1: p₀(1 − p₀) and
        // −p₀p₁, i.e. ±e/(1 + e)²; exactly 0 at the filled entries (no 0·∞ = NaN).
        let g = p[.all, 0].sum().gradients(wrt: [scores])[0].scalars
        let d = e / ((1 + e) * (1 + e))
        #expect(g[0] == 0 && g[1] == 0 && g[2] == 0 && g[5] == 0)
        #expect(Swift.abs(g[3] - d) < 1e-15 && Swift.abs(g[4] + d) < 1e-15, "\(g)")

        // Broadcasting ([3] mask over [2, 3]), a NaN fill, and the gradient 0 at filled places.
        let x = Self.arange([2, 3], requiresGrad: true)
        let y = x.maskedFill(TensorMask([true, false, false]), with: .nan)
        #expect(y.scalars[0].isNaN && y.scalars[3].isNaN && Array(y.scalars[1...2]) == [1, 2] && Array(y.scalars[4...]) == [4, 5])
        #expect(x.maskedFill(TensorMask([true, false, false]), with: 9).sum().gradients(wrt: [x])[0].scalars == [0, 1, 1, 0, 1, 1])
        // A mask with more axes than x: x.masked_fill(mask [2, 1, 1], 0) is [2, 1, 3].
        let deep = try! TensorMask(shape: [2, 1, 1], values: [true, false])
        expectValues(Tensor<Double>([1, 2, 3]).maskedFill(deep, with: 0), [2, 1, 3], [0, 0, 0, 1, 2, 3])

        // The 0/1 form, for conditions computed in a graph: x.masked_fill(x > 2, inf).
        let numbers = Self.arange([4], requiresGrad: true)
        let clipped = numbers.maskedFill(numbers.greater(than: numbers.constant(2)), with: .infinity)
        #expect(clipped.scalars == [0, 1, 2, .infinity])
        #expect(clipped.sum().gradients(wrt: [numbers])[0].scalars == [1, 1, 1, 0])
    }

    @Test func maskedSelectAndBooleanIndexing() {
        let x = Self.arange([2, 3], requiresGrad: true)
        // x.masked_select(torch.tensor([True, False, True])): the mask broadcast over the rows.
        expectValues(x.maskedSelect(TensorMask([true, false, true])), [4], [0, 2, 3, 5])
        expectValues(x[TensorMask([false, true])], [1, 3], [3, 4, 5])                // x[torch.tensor([False, True])]
        expectValues(x[x .> 2], [3], [3, 4, 5])                                        // x[x > 2]
        expectValues(x[TensorMask(repeating: false, shape: [2])], [0, 3], [])          // no rows
        let g = x[x .> 2].sum().gradients(wrt: [x])[0]
        #expect(g.scalars == [0, 0, 0, 1, 1, 1])
    }

    // MARK: gather, scatter_add, index_add

    @Test func gatherIsTorchGather() throws {
        let x = Tensor<Double>([[1, 2], [3, 4]], requiresGrad: true)
        // torch.gather(x, 1, torch.tensor([[0, 0], [1, 0]])): out[i][j] = x[i][index[i][j]].
        let byColumn = x.gather(indices: IndexTensor([[0, 0], [1, 0]]), axis: 1)
        expectValues(byColumn, [2, 2], [1, 1, 4, 3])
        // torch.gather(x, 0, torch.tensor([[0, 1], [1, 0]])): out[i][j] = x[index[i][j]][j].
        expectValues(x.gather(indices: IndexTensor([[0, 1], [1, 0]]), axis: 0), [2, 2], [1, 4, 3, 2])
        // Indices smaller than the input on the other axes, axis −1:
        // torch.gather(torch.arange(12.).reshape(3, 4), -1, torch.tensor([[3], [0]])) = [[3], [4]].
        expectValues(Self.arange([3, 4]).gather(indices: IndexTensor([[3], [0]]), axis: -1), [2, 1], [3, 4])
        // Rank 3, axis 1: out[i][0][k] = x[i][index[i][0][k]][k].
        let cube = Self.arange([2, 3, 4])
        expectValues(cube.gather(indices: IndexTensor([[[2, 0]], [[1, 1]]]), axis: 1), [2, 1, 2], [8, 1, 16, 17])
        // Empty indices give an empty result.
        expectValues(x.gather(indices: try IndexTensor(shape: [2, 0], values: []), axis: 1), [2, 0], [])
        // The gradient is scatter_add of the seed: each entry gets the seeds of the places that
        // read it (x[0][0] is read twice).
        let seed = try NDArray<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
        #expect(byColumn.gradients(wrt: [x], seed: seed)[0].scalars == [3, 0, 4, 3])
        // The indices argmax gives: x.gather(1, x.argmax(1, keepdim=True)) is the row maximum.
        let m = Tensor<Double>([[1, 5, 2], [7, 0, 3]])
        expectValues(m.gather(indices: IndexTensor(m.argmax(axis: 1, keepingDimensions: true).data), axis: 1), [2, 1], [5, 7])
    }

    @Test func scatterAddIsTorchScatterAdd() throws {
        // torch.arange(6.).reshape(2, 3).scatter_add(0, torch.tensor([[1, 0, 1]]), torch.tensor([[10., 20, 30]])):
        // self[index[0][j]][j] += source[0][j].
        let base = Self.arange([2, 3], requiresGrad: true)
        let source = Tensor<Double>([[10, 20, 30]], requiresGrad: true)
        let y = base.scatterAdd(axis: 0, indices: IndexTensor([[1, 0, 1]]), source: source)
        expectValues(y, [2, 3], [0, 21, 2, 13, 4, 35])
        // ∂/∂self = the seed; ∂/∂source = the seed gathered at the indices.
        let seed = try NDArray<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let g = y.gradients(wrt: [base, source], seed: seed)
        #expect(g[0] == seed && g[1].scalars == [4, 2, 6])
        // Repeats add up; a source larger than the indices is used only where they cover it:
        // torch.zeros(2, 2).scatter_add(1, torch.tensor([[0, 0, 1], [1, 1, 1]]), source [2, 4]).
        let zeros = Tensor<Double>(NDArray.zeros([2, 2]))
        let wide = Tensor<Double>([[1, 2, 3, 100], [4, 5, 6, 100]], requiresGrad: true)
        let z = zeros.scatterAdd(axis: -1, indices: IndexTensor([[0, 0, 1], [1, 1, 1]]), source: wide)
        expectValues(z, [2, 2], [3, 3, 0, 15])
        #expect(z.sum().gradients(wrt: [wide])[0].scalars == [1, 1, 1, 0, 1, 1, 1, 0])
    }

    @Test func indexAddIsTorchIndexAdd() {
        // torch.ones(3, 2).index_add(0, torch.tensor([0, 2, 0]), torch.tensor([[1., 2], [3, 4], [5, 6]])).
        let ones = Tensor<Double>(NDArray.ones([3, 2]), requiresGrad: true)
        let source = Tensor<Double>([[1, 2], [3, 4], [5, 6]], requiresGrad: true)
        let y = ones.indexAdd(axis: 0, indices: [0, 2, 0], source: source)
        expectValues(y, [3, 2], [7, 9, 1, 1, 4, 5])
        // ∂/∂source: the seed's rows 0, 2, 0 (index_select of the seed).
        let seed = try! NDArray<Double>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        #expect(y.gradients(wrt: [source], seed: seed)[0].scalars == [1, 2, 5, 6, 1, 2])
        // A negative axis: torch.zeros(2, 3).index_add(-1, torch.tensor([2, 2]), torch.ones(2, 2)).
        let columns = Tensor<Double>(NDArray.zeros([2, 3])).indexAdd(axis: -1, indices: [2, 2], source: Tensor(NDArray.ones([2, 2])))
        expectValues(columns, [2, 3], [0, 0, 2, 0, 0, 2])
        // The renamed primitives: index_select and index_add into zeros.
        let x = Self.arange([2, 3])
        expectValues(x.indexSelect([2, 0, 2], axis: -1), [2, 3], [2, 0, 2, 5, 3, 5])    // x.index_select(-1, [2, 0, 2])
        expectValues(Tensor<Double>([1, 2, 3]).indexAdding(into: [2], indices: [1, 0, 1], axis: 0), [2], [2, 4])
    }

    @Test func indexTensors() throws {
        let i = try IndexTensor(shape: [2, 2], values: [0, 1, 1, 0])
        #expect(i == IndexTensor([[0, 1], [1, 0]]) && i[[1, 0]] == 1 && i.rank == 2)
        #expect("\(i)" == "IndexTensor[2, 2] [[0, 1], [1, 0]]")
        #expect(IndexTensor([[[1]], [[2]]]).shape == [2, 1, 1])
        #expect(IndexTensor(NDArray<Float>([2, 0])) == IndexTensor([2, 0]))
        #expect(throws: TensorShapeError(operation: "IndexTensor(shape:values:)", shapes: [[3]], reason: "needs 3 values, got 2")) {
            try IndexTensor(shape: [3], values: [0, 1])
        }
    }

    @Test func anIndexOutOfRangeStopsNamingItsPosition() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Double>(NDArray.zeros([2, 3])).gather(indices: IndexTensor([[0, 1], [3, 0]]), axis: 1)
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("gather: index 3 at position [1, 0] is out of range 0..<3 for axis 1 of [2, 3]"), "\(text)")
    }

    // MARK: Slicing

    @Test func slicedIsPythonsStartEndStep() {
        let x = Self.arange([6])
        expectValues(x.sliced(axis: 0, start: 1, end: 5, step: 2), [2], [1, 3])                // x[1:5:2]
        expectValues(x.sliced(axis: 0, start: -2), [2], [4, 5])                                  // x[-2:]
        expectValues(x.sliced(axis: 0, end: -4), [2], [0, 1])                                    // x[:-4]
        expectValues(x.sliced(axis: 0, start: -100, end: 100, step: 4), [2], [0, 4])            // x[-100:100:4]: clamped
        expectValues(x.sliced(axis: 0, start: 4, end: 2), [0], [])                               // x[4:2]: empty
        expectValues(x.sliced(axis: 0, step: 5), [2], [0, 5])                                    // x[::5]
        let m = Self.arange([3, 4])
        expectValues(m.sliced(axis: -1, start: 1, step: 2), [3, 2], [1, 3, 5, 7, 9, 11])       // m[:, 1::2]
        expectValues(m.narrowed(axis: 1, start: -3, length: 2), [3, 2], [1, 2, 5, 6, 9, 10])   // m.narrow(1, -3, 2)
        expectValues(m.narrowed(axis: 0, start: 1, length: 0), [0, 4], [])                      // m.narrow(0, 1, 0)
    }

    @Test func subscriptsReadAsPyTorch() {
        let m = Self.arange([3, 4])
        expectValues(m[2], [4], [8, 9, 10, 11])                                                  // m[2]
        expectValues(m[-1], [4], [8, 9, 10, 11])                                                 // m[-1]
        expectValues(m[1, 2], [], [6])                                                           // m[1, 2]
        expectValues(m[1..<3], [2, 4], Array(4...11).map(Double.init))                           // m[1:3]
        expectValues(m[.all, 0], [3], [0, 4, 8])                                                 // m[:, 0]
        expectValues(m[.ellipsis, -1], [3], [3, 7, 11])                                          // m[..., -1]
        expectValues(m[stride(from: 0, to: 3, by: 2)], [2, 4], [0, 1, 2, 3, 8, 9, 10, 11])      // m[0:3:2]
        expectValues(m[.all, stride(from: 1, through: 3, by: 2)], [3, 2], [1, 3, 5, 7, 9, 11])  // m[:, 1:4:2]
        expectValues(m[.slice(start: -1, end: -4)], [0, 4], [])                                  // m[-1:-4]: empty
        expectValues(m[.all, .slice(start: -3, step: 2)], [3, 2], [1, 3, 5, 7, 9, 11])         // m[:, -3::2]
        expectValues(m[.newAxis, .all, 1], [1, 3], [1, 5, 9])                                    // m[None, :, 1]
        expectValues(m[.all, .indices([0, -1, 0])], [3, 3], [0, 3, 0, 4, 7, 4, 8, 11, 8])       // m[:, [0, -1, 0]]
        expectValues(m[(-2)...], [2, 4], Array(4...11).map(Double.init))                         // m[-2:]
        expectValues(m[...1], [2, 4], Array(0...7).map(Double.init))                              // m[:2]
        expectValues(m[..<1], [1, 4], [0, 1, 2, 3])                                              // m[:1]
        expectValues(m[(-3)...(-2)], [2, 4], Array(0...7).map(Double.init))                      // m[-3:-1]
        expectValues(m[...(-1), 1...], [3, 3], [1, 2, 3, 5, 6, 7, 9, 10, 11])               // m[:, 1:]
        expectValues(m[], [3, 4], m.scalars)                                                     // m[()]
        let cube = Self.arange([2, 3, 4])
        expectValues(cube[.ellipsis, 1, .all], [2, 4], [4, 5, 6, 7, 16, 17, 18, 19])            // cube[..., 1, :]
        // NumPy's rule: an integer and a list apart put the list's axis first.
        // cube[0, :, [1, 2]] is [2, 3]: out[j][k] = cube[0][k][[1, 2][j]].
        expectValues(cube[0, .all, .indices([1, 2])], [2, 3], [1, 5, 9, 2, 6, 10])
        // Next to each other they stay in place: cube[:, 0, [1, 2]] is [2, 2].
        expectValues(cube[.all, 0, .indices([1, 2])], [2, 2], [1, 2, 13, 14])
        expectValues(Tensor<Double>(7)[.newAxis], [1], [7])                                      // torch.tensor(7.)[None]
        // The gradient puts the seed back, repeats adding up: m[:, [0, -1, 0]].sum().
        let leaf = Self.arange([3, 4], requiresGrad: true)
        #expect(leaf[.all, .indices([0, -1, 0])].sum().gradients(wrt: [leaf])[0].scalars == [2, 0, 0, 1, 2, 0, 0, 1, 2, 0, 0, 1])
        #expect(leaf[1, stride(from: 0, to: 4, by: 3)].sum().gradients(wrt: [leaf])[0].scalars == [0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0])
        #expect("\(TensorIndex.slice(start: 1, step: 2)) \(2.tensorIndex) \((0..<3).tensorIndex) \(TensorIndex.all) \(TensorIndex.ellipsis) \(TensorIndex.newAxis) \(TensorIndex.indices([0, 2]))"
                == "1::2 2 0:3 : ... None [0, 2]")
    }

    @Test func indexingErrorsAreRecordedOnSymbols() {
        let bad: [(String, (TensorSymbol<Double>) -> TensorSymbol<Double>)] = [
            ("index", { $0[2] }), ("index", { $0[-3] }), ("index", { $0[0, 0, 0] }), ("index", { $0[.ellipsis, .ellipsis] }),
            ("index", { $0[.all, .indices([3])] }), ("index", { $0[.indices([0]), .indices([1])] }),
            ("index", { $0[.slice(step: 0)] }), ("index", { $0[stride(from: 2, to: 0, by: -1)] }),
            ("index", { $0[TensorMask([true, false, true])] }),
            ("slice", { $0.sliced(axis: 2) }), ("narrow", { $0.narrowed(axis: 1, start: 2, length: 2) }),
            ("gather", { $0.gather(indices: IndexTensor([0]), axis: 0) }),
            ("gather", { $0.gather(indices: IndexTensor([[0, 0, 0, 0]]), axis: 0) }),
            ("gather", { $0.gather(indices: IndexTensor([[0]]), axis: 2) }),
            ("scatter_add", { $0.scatterAdd(axis: 0, indices: IndexTensor([[0]]), source: $0.reshaped([6])) }),
            ("scatter_add", { $0.scatterAdd(axis: 1, indices: IndexTensor([[0, 0, 0, 0]]), source: $0) }),
            ("index_add", { $0.indexAdd(axis: 0, indices: [0], source: $0) }),
            ("where", { TensorSymbol.select(TensorMask([true, false]), $0, $0) }),
            ("masked_fill", { $0.maskedFill(TensorMask(repeating: true, shape: [4]), with: 0) }),
            ("masked_select", { $0.maskedSelect(TensorMask(repeating: true, shape: [2])) }),
        ]
        for (operation, f) in bad {
            let graph = TensorGraph<Double>()
            _ = f(graph.input("x", shape: [2, 3]))
            #expect(throws: TensorShapeError.self, "\(operation)") { try graph.check() }
            #expect(graph.error?.operation == operation, "\(operation): \(String(describing: graph.error))")
        }
    }

    // MARK: Derivatives in both modes

    /// y·y for the indexing operation y, so that second derivatives are not all zero.
    static func squared(_ name: String, _ shapes: [Shape], _ f: @escaping @Sendable ([AnyTensor]) -> AnyTensor) -> TensorGradientTests.Case {
        TensorGradientTests.Case(name: name, shapes: shapes) { let y = f($0); return y * y }
    }

    static let future = TensorMask([[false, true, true], [false, false, true]])

    static let cases: [TensorGradientTests.Case] = [
        TensorGradientTests.Case(name: "where, broadcast branches", shapes: [[2, 1], [3]]) {
            AnyTensor.select(future, $0[0] * $0[0], sin($0[1]))
        },
        squared("where with a number", [[2, 3]]) { AnyTensor.select(future, $0[0], 2.5) },
        TensorGradientTests.Case(name: "masked_fill −∞ then softmax", shapes: [[2, 3]]) {
            $0[0].maskedFill(future, with: -.infinity).softmax(axis: -1) * $0[0]
        },
        squared("masked_fill, mask broadcast", [[2, 3]]) { $0[0].maskedFill(TensorMask([[true], [false]]), with: -3) },
        squared("masked_fill with a 0/1 condition", [[2, 3], [3]]) { $0[0].maskedFill($0[0].greater(than: $0[1]), with: 4) },
        squared("masked_select broadcast", [[2, 3]]) { $0[0].maskedSelect(TensorMask([true, false, true])) },
        squared("x[mask]", [[2, 3, 2]]) { $0[0][future] },
        squared("gather axis −1, repeats", [[3, 4]]) { $0[0].gather(indices: IndexTensor([[0, 0, 3], [1, 2, 1]]), axis: -1) },
        squared("gather rank 3 axis 0", [[3, 2, 2]]) { $0[0].gather(indices: IndexTensor([[[2, 0]], [[0, 0]]]), axis: 0) },
        TensorGradientTests.Case(name: "scatter_add repeats, larger source", shapes: [[2, 3], [2, 4]]) {
            tanh($0[0].scatterAdd(axis: 1, indices: IndexTensor([[0, 0, 2], [1, 1, 1]]), source: $0[1] * $0[1])) * $0[0]
        },
        TensorGradientTests.Case(name: "index_add", shapes: [[3, 2], [3, 2]]) {
            tanh($0[0].indexAdd(axis: 0, indices: [0, 2, 0], source: $0[1])) * $0[1]
        },
        squared("sliced with a step, negative bounds", [[2, 5]]) { $0[0].sliced(axis: -1, start: -4, step: 2) },
        squared("narrowed", [[3, 2]]) { $0[0].narrowed(axis: 0, start: -2, length: 2) },
        squared("subscripts: integer, stride, new axis", [[2, 3, 4]]) { $0[0][1, .all, stride(from: 0, to: 4, by: 3)][.newAxis] },
        squared("subscripts: list apart from an integer", [[2, 3, 4]]) { $0[0][0, .all, .indices([1, 2, 1])] },
        squared("subscripts: ellipsis, ranges", [[2, 3, 4]]) { $0[0][.ellipsis, -1] + $0[0][-1, 1...].sum(axes: [1], keepingDimensions: true) },
    ]

    @Test("First and second order against finite differences", arguments: cases)
    func gradientCheck(_ c: TensorGradientTests.Case) {
        TensorGradientTests().gradientCheck(c)
    }

    @Test("Static equals dynamic bit for bit", arguments: cases)
    func staticMatchesDynamic(_ c: TensorGradientTests.Case) throws {
        try TensorGraphTests().staticMatchesDynamic(c)
    }
}
