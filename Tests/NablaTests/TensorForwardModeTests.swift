import Foundation
import Testing
@testable import Nabla

/// Forward mode for tensors: every case of the tensor gradient-check tables, its Jacobian by
/// forward sweeps (one per input entry) against reverse sweeps (one per output entry); the
/// static graph transform against the dynamic sweep bit for bit; `DualTensor` through
/// composites; `jvp`, `vjp`, `jacobian` and `hessian` against hand-derived values and finite
/// differences.
@Suite("Tensor forward mode")
struct TensorForwardModeTests {
    typealias Case = TensorGradientTests.Case

    static let cases: [Case] = TensorGradientTests.cases + ShapeOperationTests.cases + ReductionOperationTests.cases
        + ElementwiseOperationTests.cases + ActivationPrimitiveTests.cases + LinearAlgebraOperationTests.cases
        + IndexingOperationTests.cases + EinsumTests.cases + AttentionTests.cases + FunctionalLayerTests.cases

    static func inputs(_ c: Case) -> [NDArray<Double>] {
        c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: c.low, high: c.high, seed: UInt64($0) + 31) }
    }

    static func basis(_ shape: Shape, _ k: Int) -> NDArray<Double> {
        var e = NDArray<Double>.zeros(shape)
        e.scalars[k] = 1
        return e
    }

    @Test("Forward Jacobian equals reverse Jacobian", arguments: cases)
    func forwardMatchesReverse(_ c: Case) {
        let inputs = Self.inputs(c)
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let output = c.function(leaves.map(AnyTensor.dynamic)).dynamic
        let m = output.shape.count
        // Reverse: one row per output entry, over all inputs' entries.
        let rows = (0..<m).map { i in output.gradients(wrt: leaves, seed: Self.basis(output.shape, i)).flatMap(\.scalars) }
        // Forward: one column per input entry.
        var columns: [[Double]] = []
        for (k, x) in inputs.enumerated() {
            for j in 0..<x.shape.count {
                let directions = inputs.enumerated().map { $0.offset == k ? Self.basis(x.shape, j) : NDArray<Double>.zeros($0.element.shape) }
                columns.append(output.tangent(wrt: leaves, along: directions).scalars)
            }
        }
        let scale = Swift.max(1, rows.flatMap { $0 }.map(Swift.abs).max() ?? 0)
        var worst = 0.0
        for i in 0..<m { for j in columns.indices { worst = Swift.max(worst, Swift.abs(rows[i][j] - columns[j][i]) / scale) } }
        #expect(worst <= 1e-12, "\(c.name): forward and reverse differ by \(worst) (relative to the largest entry)")
    }

    @Test("Static jvp equals the dynamic sweep bit for bit", arguments: cases)
    func staticMatchesDynamic(_ c: Case) throws {
        let inputs = Self.inputs(c)
        let directions = inputs.enumerated().map { NDArray<Double>.randomUniform($1.shape, low: -1, high: 1, seed: UInt64($0) + 41) }
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let output = c.function(leaves.map(AnyTensor.dynamic)).dynamic
        let dynamic = output.tangent(wrt: leaves, along: directions)
        let (value, derivative) = jvp(at: inputs, along: directions) { c.function($0.map(AnyTensor.dynamic)).dynamic }
        #expect(value == output.data && derivative.scalars.map(\.bitPattern) == dynamic.scalars.map(\.bitPattern))

        let graph = TensorGraph<Double>()
        let symbols = inputs.enumerated().map { graph.input("x\($0)", shape: $1.shape) }
        let along = directions.enumerated().map { graph.input("v\($0)", shape: $1.shape) }
        let y = c.function(symbols.map(AnyTensor.symbolic)).symbolic
        let tangent = try graph.jvp(of: [y], wrt: symbols, along: along)[0]
        var feeds: [String: NDArray<Double>] = [:]
        for (k, x) in inputs.enumerated() { feeds["x\(k)"] = x; feeds["v\(k)"] = directions[k] }
        let program = try graph.compile([y, tangent])
        // A direction whose input has no derivative (a mask's condition) is not read: not fed.
        let needed = Set(program.inputs.map(\.name))
        let results = try program.run(feeds.filter { needed.contains($0.key) })
        #expect(results[1].shape == dynamic.shape && results[1].scalars.map(\.bitPattern) == dynamic.scalars.map(\.bitPattern),
                "\(c.name): static \(results[1]) dynamic \(dynamic)")
    }

    // MARK: DualTensor through composites

    /// Composites written once over the algebra, run on `DualTensor<NDArray>` (streaming forward
    /// mode) and on recorded tensors (the tape sweep).
    static func generic<T: DifferentiableTensor>(_ name: String, _ x: [T]) -> T {
        switch name {
        case "softmax": return x[0].softmax(axis: -1) * x[0]
        case "logSumExp": return x[0].logSumExp(axis: 1)
        case "conv2d": return tanh(x[0].conv2d(x[1], bias: x[2], padding: (1, 1)))
        case "maxPool2d": return x[0].maxPool2d(kernel: (2, 2)) * 3
        case "layerNorm": return layerNorm(x[0], shape: [4], weight: x[1], bias: x[2])
        case "attention": return scaledDotProductAttention(query: x[0], key: x[1], value: x[2], causal: true)
        default: return relu(x[0].matmul(x[1])).product(axes: [1], keepingDimensions: false) + x[0].max(axes: nil, keepingDimensions: false)
        }
    }

    static let compositeShapes: [(String, [Shape])] = [
        ("softmax", [[2, 4]]), ("logSumExp", [[3, 5]]), ("conv2d", [[1, 2, 4, 4], [3, 2, 3, 3], [3]]),
        ("maxPool2d", [[1, 2, 4, 4]]), ("layerNorm", [[3, 4], [4], [4]]), ("attention", [[1, 3, 4], [1, 3, 4], [1, 3, 4]]),
        ("matmul relu product max", [[3, 4], [4, 2]]),
    ]

    @Test func dualTensorRunsCompositesInForwardMode() {
        for (name, shapes) in Self.compositeShapes {
            let inputs = shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: -1.5, high: 1.5, seed: UInt64($0) + 51) }
            let directions = shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: -1, high: 1, seed: UInt64($0) + 61) }
            let dual = Self.generic(name, zip(inputs, directions).map { DualTensor($0, tangent: $1) })
            let (value, derivative) = jvp(at: inputs, along: directions) { Self.generic(name, $0) }
            #expect(dual.primal == value, "\(name)")
            let scale = Swift.max(1, derivative.scalars.map(Swift.abs).max() ?? 0)
            let worst = zip(dual.tangent.scalars, derivative.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(dual.hasTangent && worst <= 1e-12 * scale, "\(name): DualTensor and the tape sweep differ by \(worst)")
        }
    }

    @Test func dualTensorOverSymbolsAndConstants() throws {
        // A constant has tangent zero; stop_gradient cuts the tangent (JAX's stop_gradient under jvp).
        let x = DualTensor(NDArray<Double>([1, 2, 3]), tangent: NDArray([1, 1, 1]))
        #expect(!x.constant(2).hasTangent && x.constant(2).tangent == NDArray(0.0))
        #expect((x * x.stoppingGradient()).tangent == NDArray([1.0, 2, 3]))     // d(x·c)/dx·1 = c
        #expect((x * x).tangent == NDArray([2.0, 4, 6]))                        // 2x
        // Over symbols: the primal and the tangent are recorded, and compile to the same numbers.
        let graph = TensorGraph<Double>()
        let s = DualTensor(graph.input("x", shape: [3]), tangent: graph.input("v", shape: [3]))
        let y = exp(s).sum()
        let out = try graph.compile([y.primal, y.tangent]).run(["x": NDArray([0.0, 1, 2]), "v": NDArray([1.0, 0, 1])])
        // torch.func.jvp(lambda x: x.exp().sum(), (x,), (v,)) = Σ eˣ·v = e⁰ + e²
        #expect(out[1].scalar == Foundation.exp(0.0) + Foundation.exp(2.0))
    }

    // MARK: The function transforms

    @Test func jvpAndVjpAgainstHandDerivedValues() throws {
        // f(x, y) = x·y (y broadcast over rows): jvp along (ẋ, ẏ) is ẋ·y + x·ẏ.
        let x = try NDArray<Double>(shape: [2, 2], scalars: [1, 2, 3, 4]), y = NDArray<Double>([10, 20])
        let (value, derivative) = jvp(at: [x, y], along: [NDArray.ones([2, 2]), NDArray([1, 0])]) { $0[0] * $0[1] }
        #expect(value.scalars == [10, 40, 30, 80])
        #expect(derivative.scalars == [10 + 1, 20, 10 + 3, 20])
        // vjp: the pullback of x·y at cotangent v is (v·y, Σ_rows v·x); callable twice.
        let (_, pullback) = vjp(at: [x, y]) { $0[0] * $0[1] }
        for _ in 0..<2 {
            let g = pullback(NDArray.ones([2, 2]))
            #expect(g[0].scalars == [10, 20, 10, 20] && g[1].scalars == [4, 6])
        }
    }

    @Test func jacobianModesAgree() {
        // f(x) = x² elementwise plus the sum: J = diag(2x) + 1 (torch.autograd.functional.jacobian).
        let x = NDArray<Double>([1, -2, 3, 0.5, 1.5, -1]).reshaped([2, 3])
        let f: (Tensor<Double>) -> Tensor<Double> = { $0 * $0 + $0.sum() }
        let expected = (0..<6).flatMap { i in (0..<6).map { j in (i == j ? 2 * x.scalars[i] : 0) + 1 } }
        for mode in [JacobianMode.forward, .reverse, .automatic] {
            let j = jacobian(at: x, mode: mode, f)
            #expect(j.shape == [2, 3, 2, 3] && j.scalars == expected, "\(mode)")
        }
        // Four inputs, many outputs: forward (four sweeps) and reverse agree.
        let w = NDArray<Double>.randomUniform([4, 16], low: -1, high: 1, seed: 3)
        let g: (Tensor<Double>) -> Tensor<Double> = { tanh($0.reshaped([1, 4]).matmul(Tensor(w))) }
        let v = NDArray<Double>([0.1, -0.2, 0.3, 0.4])
        let (forward, reverse) = (jacobian(at: v, mode: .forward, g), jacobian(at: v, mode: .reverse, g))
        #expect(forward.shape == [1, 16, 4])
        #expect(zip(forward.scalars, reverse.scalars).allSatisfy { Swift.abs($0 - $1) <= 1e-15 })
    }

    @Test func hessianAgainstFiniteDifferencesOfGradients() throws {
        let c = NDArray<Double>.randomUniform([2, 3], low: -1, high: 1, seed: 7)
        func f<T: DifferentiableTensor>(_ x: T) -> T where T.Scalar == Double {
            (x.softmax(axis: -1) * x.constant(c)).sum() + (x * x * x).sum() * 0.25 + tanh(x).product(axes: nil, keepingDimensions: false)
        }
        let x = NDArray<Double>.randomUniform([2, 3], low: -1, high: 1, seed: 8)
        let h = hessian(at: x) { f($0) }
        #expect(h.shape == [2, 3, 2, 3])
        func gradient(_ x: NDArray<Double>) -> [Double] {
            let leaf = Tensor(x, requiresGrad: true)
            return f(leaf).gradients(wrt: [leaf])[0].scalars
        }
        let step = 1e-5
        for j in 0..<6 {
            var plus = x, minus = x
            plus.scalars[j] += step
            minus.scalars[j] -= step
            let column = zip(gradient(plus), gradient(minus)).map { ($0 - $1) / (2 * step) }
            for i in 0..<6 {
                #expect(Swift.abs(h.scalars[i * 6 + j] - column[i]) <= 1e-7, "H[\(i), \(j)]")
                #expect(Swift.abs(h.scalars[i * 6 + j] - h.scalars[j * 6 + i]) <= 1e-13, "symmetric at \(i), \(j)")
            }
        }
        // Static forward-over-reverse: jvp of the gradient graph, column by column, bit for bit.
        let graph = TensorGraph<Double>()
        let s = graph.input("x", shape: [2, 3]), v = graph.input("v", shape: [2, 3])
        let g = try graph.gradients(of: f(s), wrt: [s])[0]
        let program = try graph.compile(try graph.jvp(of: [g], wrt: [s], along: [v]))
        for j in 0..<6 {
            let column = try program.run(["x": x, "v": Self.basis([2, 3], j)])[0].scalars
            #expect((0..<6).allSatisfy { column[$0].bitPattern == h.scalars[$0 * 6 + j].bitPattern }, "column \(j)")
        }
    }

    @Test func reverseOverForwardThroughDualTensorOfTensors() {
        // d/dx of the directional derivative ⟨∇f, v⟩ is H·v: for f = Σ x³, H = diag(6x).
        let x = Tensor<Double>([1, 2, 3], requiresGrad: true)
        let dual = DualTensor(x, tangent: Tensor([1.0, 0, 2]))
        let directional = pow(dual, 3).sum().tangent
        #expect(directional.gradients(wrt: [x])[0].scalars == [6, 0, 36])
    }
}
