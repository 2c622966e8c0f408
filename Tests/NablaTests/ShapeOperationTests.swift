import Testing
@testable import Nabla

/// The shape operations of `Tensor+Shapes.swift` (PyTorch's reshape with −1, flatten, squeeze
/// over several dims, expand, repeat, tile, flip, roll, F.pad, diagonal, tril, triu) and negative
/// axes in the older ones: values against hand-derived PyTorch results, first and second
/// derivatives through `GradientChecker`, and static equal to dynamic bit for bit.
@Suite("Shape operations")
struct ShapeOperationTests {
    /// 0, 1, 2, … in `shape` (PyTorch's `torch.arange(n.).reshape(shape)`).
    static func arange(_ shape: Shape) -> Tensor<Double> {
        Tensor(try! NDArray(shape: shape, scalars: (0..<shape.count).map(Double.init)))
    }

    func expectValues(_ t: Tensor<Double>, _ shape: Shape, _ scalars: [Double], _ what: String = "",
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(t.shape == shape && t.data.scalars == scalars, "\(what): got \(t.shape) \(t.data.scalars)", sourceLocation: sourceLocation)
    }

    @Test func reshapeFlattenSqueeze() {
        let x = Self.arange([2, 3, 4])
        expectValues(x.reshaped(4, -1), [4, 6], (0..<24).map(Double.init))             // x.reshape(4, -1)
        expectValues(x.reshaped(-1), [24], (0..<24).map(Double.init))                   // x.reshape(-1)
        expectValues(x.reshaped(inferring: [2, -1, 2]), [2, 6, 2], (0..<24).map(Double.init))
        expectValues(x.flattened(from: 1, through: 2), [2, 12], (0..<24).map(Double.init)) // x.flatten(1, 2)
        expectValues(x.flattened(from: -2), [2, 12], (0..<24).map(Double.init))        // x.flatten(-2)
        expectValues(x.flattened(from: 0, through: 1), [6, 4], (0..<24).map(Double.init))
        expectValues(x.flattened(), [24], (0..<24).map(Double.init))                    // x.flatten()
        expectValues(Tensor<Double>(NDArray(7)).flattened(), [1], [7])                  // torch.tensor(7.).flatten()
        let y = Self.arange([2, 1, 3, 1])
        expectValues(y.squeezed(axes: [1, -1, 0]), [2, 3], (0..<6).map(Double.init))    // y.squeeze((1, -1, 0)): 0 has size 2, kept
        expectValues(y.squeezed(axes: [-3]), [2, 3, 1], (0..<6).map(Double.init))       // y.squeeze((-3,))
    }

    @Test func negativeAxesInTheOlderOperations() {
        let x = Self.arange([2, 3])
        expectValues(Self.arange([2, 1]).squeezed(axis: -1), [2], [0, 1])             // squeeze(-1)
        expectValues(x.unsqueezed(axis: -1), [2, 3, 1], (0..<6).map(Double.init))      // unsqueeze(-1)
        let parts = x.split([1, 2], axis: -1)                                           // x.split([1, 2], dim=-1)
        expectValues(parts[0], [2, 1], [0, 3])
        expectValues(parts[1], [2, 2], [1, 2, 4, 5])
        expectValues(Tensor.concatenate([parts[1], parts[0]], axis: -1), [2, 3], [1, 2, 0, 4, 5, 3]) // torch.cat(…, dim=-1)
        let a = Self.arange([2]), b = Self.arange([2]) + 10
        expectValues(Tensor.stack([a, b], axis: -1), [2, 2], [0, 10, 1, 11])           // torch.stack([a, b], dim=-1)
    }

    @Test func expandRepeatTile() {
        // torch.arange(3.).reshape(3, 1).expand(2, -1, 4): [b, i, j] = i.
        expectValues(Self.arange([3, 1]).expanded(to: [2, -1, 4]), [2, 3, 4], (0..<24).map { Double(($0 / 4) % 3) })
        let x = Self.arange([2, 3])
        let row: [Double] = [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5]
        expectValues(x.repeated([2, 1, 2]), [2, 2, 6], row + row)                        // x.repeat(2, 1, 2)
        expectValues(x.tiled([2]), [2, 6], row)                                          // x.tile((2,))
        expectValues(Self.arange([2]).repeated([2]), [4], [0, 1, 0, 1])                  // torch.tensor([0., 1.]).repeat(2)
        expectValues(x.repeated([2, 1]), [4, 3], [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]) // x.repeat(2, 1)
    }

    @Test func flipAndRoll() {
        let x = Self.arange([2, 3])
        expectValues(x.flipped(axes: [0, -1]), [2, 3], [5, 4, 3, 2, 1, 0])              // x.flip((0, -1))
        expectValues(x.flipped(axes: [1]), [2, 3], [2, 1, 0, 5, 4, 3])                  // x.flip(1)
        expectValues((Self.arange([4]) + 1).rolled(by: 1), [4], [4, 1, 2, 3])            // torch.roll(tensor([1., 2, 3, 4]), 1)
        expectValues(Self.arange([2, 2]).rolled(by: 1), [2, 2], [3, 0, 1, 2])             // torch.roll(x, 1): flattened
        expectValues(x.rolled(by: -1, axis: -1), [2, 3], [1, 2, 0, 4, 5, 3])              // torch.roll(x, -1, -1)
        expectValues(x.rolled(by: 4, axis: 1), [2, 3], [2, 0, 1, 5, 3, 4])               // torch.roll(x, 4, 1): 4 ≡ 1
        expectValues(x.rolled(by: [1, -1], axes: [0, 1]), [2, 3], [4, 5, 3, 1, 2, 0])     // torch.roll(x, (1, -1), (0, 1))
    }

    @Test func pad() {
        let x = Self.arange([2, 3])
        // F.pad(x, (1, 2, 0, 1), value=9): 1 column left, 2 right, 0 rows above, 1 below.
        expectValues(x.padded([1, 2, 0, 1], mode: .constant(9)), [3, 6],
                     [9, 0, 1, 2, 9, 9, 9, 3, 4, 5, 9, 9, 9, 9, 9, 9, 9, 9])
        expectValues(x.padded([1, 0]), [2, 4], [0, 0, 1, 2, 0, 3, 4, 5])               // F.pad(x, (1, 0))
        expectValues(x.padded([-1, 1]), [2, 3], [1, 2, 0, 4, 5, 0])                     // F.pad(x, (-1, 1)): crops
        expectValues(x.padded([0, 0, 1, 0], mode: .constant(-.infinity)), [3, 3],
                     [-.infinity, -.infinity, -.infinity, 0, 1, 2, 3, 4, 5])             // F.pad(x, (0, 0, 1, 0), value=-inf)
        let v = Self.arange([4])
        expectValues(v.padded([2, 1], mode: .reflect), [7], [2, 1, 0, 1, 2, 3, 2])      // F.pad(v[None], (2, 1), "reflect")
        expectValues(v.padded([2, 1], mode: .replicate), [7], [0, 0, 0, 1, 2, 3, 3])    // "replicate"
        expectValues(v.padded([2, 1], mode: .circular), [7], [2, 3, 0, 1, 2, 3, 0])     // "circular"
        // F.pad(x[None], (1, 1, 1, 0), "reflect")
        expectValues(x.padded([1, 1, 1, 0], mode: .reflect), [3, 5], [4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4])
    }

    @Test func diagonalAndTriangles() {
        let m = Self.arange([3, 3])
        expectValues(m.diagonal(), [3], [0, 4, 8])                                        // m.diagonal()
        expectValues(m.diagonal(offset: 1), [2], [1, 5])                                  // m.diagonal(1)
        expectValues(m.diagonal(offset: -1), [2], [3, 7])                                 // m.diagonal(-1)
        expectValues(m.diagonal(offset: 5), [0], [])                                      // m.diagonal(5): empty
        let x = Self.arange([2, 3, 4])
        expectValues(x.diagonal(), [4, 2], [0, 16, 1, 17, 2, 18, 3, 19])                  // x.diagonal(): [k, i] = x[i, i, k]
        expectValues(x.diagonal(axis1: 1, axis2: 2), [2, 3], [0, 5, 10, 12, 17, 22])      // x.diagonal(0, 1, 2)
        expectValues(x.diagonal(offset: 1, axis1: -1, axis2: -2), [2, 2], [4, 9, 16, 21]) // x.diagonal(1, -1, -2): x[b, i+1, i]
        expectValues(m.tril(), [3, 3], [0, 0, 0, 3, 4, 0, 6, 7, 8])                       // m.tril()
        expectValues(m.tril(diagonal: 1), [3, 3], [0, 1, 0, 3, 4, 5, 6, 7, 8])          // m.tril(1)
        expectValues(m.triu(), [3, 3], [0, 1, 2, 0, 4, 5, 0, 0, 8])                       // m.triu()
        expectValues(m.triu(diagonal: -1), [3, 3], [0, 1, 2, 3, 4, 5, 0, 7, 8])         // m.triu(-1)
        expectValues(Self.arange([2, 3]).tril(), [2, 3], [0, 0, 0, 3, 4, 0])              // non-square
        let infinite = Tensor(try! NDArray<Double>(shape: [2, 2], scalars: [1, .infinity, .nan, 2]))
        let lower = infinite.tril().data.scalars                                          // torch.tril: ∞ above → 0, NaN below kept
        #expect(lower[0] == 1 && lower[1] == 0 && lower[2].isNaN && lower[3] == 2)
        expectValues(infinite.triu(), [2, 2], [1, .infinity, 0, 2])                       // torch.triu: NaN above the diagonal → 0
    }

    @Test func shapeErrorsAreRecordedOnSymbols() {
        let bad: [(String, (TensorSymbol<Double>) -> TensorSymbol<Double>)] = [
            ("reshape", { $0.reshaped(4, -1, -1) }), ("reshape", { $0.reshaped(5, -1) }),
            ("flatten", { $0.flattened(from: 1, through: 0) }), ("squeeze", { $0.squeezed(axes: [0, -2]) }),
            ("expand", { $0.expanded(to: [4, 3]) }), ("repeat", { $0.repeated([2]) }),
            ("flip", { $0.flipped(axes: [2]) }), ("roll", { $0.rolled(by: 1, axis: -3) }),
            ("pad", { $0.padded([3, 0], mode: .reflect) }), ("pad", { $0.padded([1]) }),
            ("diagonal", { $0.diagonal(axis1: 1, axis2: -1) }), ("tril", { $0.reshaped(6).tril() }),
        ]
        for (operation, f) in bad {
            let graph = TensorGraph<Double>()
            _ = f(graph.input("x", shape: [2, 3]))
            #expect(throws: TensorShapeError.self, "\(operation)") { try graph.check() }
            #expect(graph.error?.operation == operation)
        }
    }

    /// y·y for the shape operation y, so that second derivatives are not all zero.
    static func squared(_ name: String, _ shapes: [Shape], _ f: @escaping @Sendable ([AnyTensor]) -> AnyTensor) -> TensorGradientTests.Case {
        TensorGradientTests.Case(name: name, shapes: shapes) { let y = f($0); return y * y }
    }

    static let cases: [TensorGradientTests.Case] = [
        squared("reshape -1", [[2, 3, 2]]) { $0[0].reshaped(4, -1) },
        squared("flatten 1 through -1", [[2, 3, 2]]) { $0[0].flattened(from: 1) },
        squared("squeeze axes", [[2, 1, 3, 1]]) { $0[0].squeezed(axes: [1, -1]) },
        squared("expand -1", [[3, 1]]) { $0[0].expanded(to: [2, -1, 4]) * $0[0] },
        squared("repeat", [[2, 3]]) { $0[0].repeated([2, 1, 2]) },
        squared("tile", [[2, 3]]) { $0[0].tiled([2]) },
        squared("flip permuted", [[3, 2]]) { $0[0].permuted([1, 0]).flipped(axes: [0, -1]) },
        squared("roll axis", [[2, 3]]) { $0[0].rolled(by: 2, axis: -1) },
        squared("roll flattened", [[2, 3]]) { $0[0].rolled(by: -1) },
        squared("pad constant and crop", [[2, 3]]) { $0[0].padded([-1, 2, 1, 0], mode: .constant(1.5)) },
        squared("pad reflect", [[2, 4]]) { $0[0].padded([2, 1, 1, 1], mode: .reflect) },
        squared("pad replicate", [[2, 3]]) { $0[0].padded([1, 2], mode: .replicate) },
        squared("pad circular", [[2, 3]]) { $0[0].padded([0, 2, 1, 0], mode: .circular) },
        squared("diagonal offset, negative axes", [[3, 2, 4]]) { $0[0].diagonal(offset: 1, axis1: -1, axis2: 0) },
        squared("tril broadcast", [[3, 1], [4]]) { ($0[0] + $0[1]).tril(diagonal: -1) },
        squared("triu batch", [[2, 3, 3]]) { $0[0].triu(diagonal: 1) },
        squared("split, concatenate, stack on -1", [[2, 3]]) { x in
            let p = x[0].split([1, 2], axis: -1)
            return AnyTensor.stack([AnyTensor.concatenate([p[1], p[0]], axis: -1), x[0]], axis: -1)
        },
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
