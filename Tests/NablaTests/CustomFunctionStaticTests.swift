import Foundation
import Testing
@testable import Nabla

// Custom differentiable functions on static tensor graphs: the forward recorded as ordinary nodes
// under a marker, the rule inlined by `gradients(of:wrt:)` and `jvp(of:wrt:along:)`. The test
// functions are in Support/CustomFunctionExamples.swift, shared with CustomFunctionTests.

/// a·b for inputs of broadcast shapes; the rule returns gradients of the broadcast shape (for b
/// they are summed back). No JVP: forward mode derives it.
private struct BroadcastProduct: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { x[0] * x[1] }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed * x[1], seed * x[0]] }
}

/// A custom function whose forward applies another one: 2·round(x), with the rule 2·seed.
private struct DoubledStraightThrough: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { StraightThroughRound().apply(x[0]) * 2 }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed * 2] }
}

/// A rule with one gradient for two inputs.
private struct WrongCount: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { x[0] + x[1] }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed] }
}

/// A rule whose gradient has a shape that does not sum to the input's ([2] for [3]).
private struct WrongShape: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { x[0] }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed.slice([0..<2])] }
    func jvp<T: DifferentiableTensor>(_ x: [T], output: T, tangents: [T?]) -> T? { tangents[0]?.slice([0..<2]) }
}

@Suite("Custom differentiable functions on static graphs")
struct CustomFunctionStaticTests {
    /// A function of the inputs using a custom function, composed with ordinary operations so that
    /// the output and the rule's results are read again at second order.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let shapes: [Shape]
        var description: String { name }

        func callAsFunction<T: DifferentiableTensor>(_ x: [T]) -> T {
            switch name {
            case "logAddExp": return LogAddExp().apply(x[0], x[1]) * x[0]
            case "logAddExpBroadcast": return tanh(LogAddExp().apply(x[0], x[1]))
            case "logAddExpWithJVP": return LogAddExpWithJVP().apply(x[0], x[1]) * x[1]
            case "straightThrough": return StraightThroughRound().apply(x[0] * 3) * x[0]
            case "clipGradient": return ClipGradient(bound: 0.8).apply(tanh(x[0])) * x[0]
            case "broadcastProduct": return exp(BroadcastProduct().apply(x[0], x[1]) * 0.5) + x[1]
            default: return DoubledStraightThrough().apply(x[0] * 3) * x[0]
            }
        }
    }

    static let cases: [Case] = [
        Case(name: "logAddExp", shapes: [[4], [4]]),
        Case(name: "logAddExpBroadcast", shapes: [[2, 3], [3]]),
        Case(name: "logAddExpWithJVP", shapes: [[2, 3], [1, 3]]),
        Case(name: "straightThrough", shapes: [[5]]),
        Case(name: "clipGradient", shapes: [[6]]),
        Case(name: "broadcastProduct", shapes: [[2, 3], [3]]),
        Case(name: "nested", shapes: [[5]]),
    ]

    @Test("Static value, gradient, Hessian-vector products and tangent equal the dynamic ones bit for bit", arguments: cases)
    func staticMatchesDynamic(_ c: Case) throws {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: -2, high: 2, seed: UInt64($0) + 1) }
        let directions = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: -1, high: 1, seed: UInt64($0) + 11) }

        // Dynamic: L = Σ y·w; ∇L; H·v by reverse over reverse (∇⟨∇L, v⟩) and forward over
        // reverse (the tangent of ∇L along v); the tangent of y along v.
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let y = c(leaves)
        let weights = NDArray<Double>.randomUniform(y.shape, low: 0.5, high: 1.5, seed: 5)
        let loss = (y * Tensor(weights)).sum()
        let g = loss.differentiableGradients(wrt: leaves)
        let tangent = y.tangent(wrt: leaves, along: directions)
        let hvpForward = g.map { $0.tangent(wrt: leaves, along: directions) }
        let terms = zip(g, directions).map { ($0 * Tensor($1)).sum() }
        let hvpReverse = terms.dropFirst().reduce(terms[0], +).gradients(wrt: leaves)
        let dynamic = [y.data] + loss.gradients(wrt: leaves) + hvpReverse + hvpForward + [tangent]

        // Static, the same on symbols.
        let graph = TensorGraph<Double>()
        let xs = inputs.enumerated().map { graph.input("x\($0)", shape: $1.shape) }
        let vs = inputs.enumerated().map { graph.input("v\($0)", shape: $1.shape) }
        let sy = c(xs)
        let sLoss = (sy * graph.constant(weights)).sum()
        let sg = try graph.gradients(of: sLoss, wrt: xs)
        let sTerms = zip(sg, vs).map { ($0 * $1).sum() }
        let sHvpReverse = try graph.gradients(of: sTerms.dropFirst().reduce(sTerms[0], +), wrt: xs)
        let sHvpForward = try graph.jvp(of: sg, wrt: xs, along: vs)
        let sTangent = try graph.jvp(of: [sy], wrt: xs, along: vs)
        let program = try graph.compile([sy] + sg + sHvpReverse + sHvpForward + sTangent)
        var feeds: [String: NDArray<Double>] = [:]
        for k in inputs.indices { feeds["x\(k)"] = inputs[k]; feeds["v\(k)"] = directions[k] }
        let needed = Set(program.inputShapes.map(\.name))
        let results = try program.run(feeds.filter { needed.contains($0.key) })

        let labels = ["value"] + inputs.indices.map { "gradient \($0)" } + inputs.indices.map { "H·v (reverse) \($0)" }
            + inputs.indices.map { "H·v (forward) \($0)" } + ["tangent"]
        #expect(results.count == dynamic.count)
        for ((s, d), label) in zip(zip(results, dynamic), labels) {
            #expect(s.shape == d.shape && s.scalars.map(\.bitPattern) == d.scalars.map(\.bitPattern),
                    "\(c.name), \(label): static \(s), dynamic \(d)")
        }
    }

    @Test func logAddExpIsFiniteAtPlusAndMinus1000() throws {
        // torch.logaddexp(tensor([1000., -1000., 0.]), tensor([1000., -1000., 1.]))
        //   = [1000 + log 2, −1000 + log 2, log(1 + e)];
        // gradients: ∂/∂a = e^(a−y) = [1/2, 1/2, 1/(1+e)], ∂/∂b = [1/2, 1/2, e/(1+e)].
        let graph = TensorGraph<Double>()
        let a = graph.input("a", shape: [3]), b = graph.input("b", shape: [3])
        let y = LogAddExp().apply(a, b)
        let program = try graph.compile([y] + graph.gradients(of: y.sum(), wrt: [a, b]))
        let results = try program.run(["a": NDArray([1000, -1000, 0]), "b": NDArray([1000, -1000, 1])])
        let e = M_E
        expectClose(results[0].scalars, [1000 + M_LN2, -1000 + M_LN2, Foundation.log(1 + e)])
        expectClose(results[1].scalars, [0.5, 0.5, 1 / (1 + e)])
        expectClose(results[2].scalars, [0.5, 0.5, e / (1 + e)])
    }

    @Test func straightThroughRoundsAndPassesAllOnesBack() throws {
        // PyTorch: y = x + (x.round() - x).detach(); ∂Σy/∂x = ones, while round's own gradient
        // (recorded as the forward's node) would be zero.
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [3])
        let y = StraightThroughRound().apply(x)
        let program = try graph.compile([y] + graph.gradients(of: y.sum(), wrt: [x]) + graph.gradients(of: round(x).sum(), wrt: [x]))
        let results = try program.run(["x": NDArray([0.3, 1.6, -2.7])])
        #expect(results[0].scalars == [0, 2, -3])
        #expect(results[1].scalars == [1, 1, 1])
        #expect(results[2].scalars == [0, 0, 0])
    }

    @Test func aRuleClipsTheGradient() throws {
        // Identity forward; L = Σ x·[3, −0.5, −7]: ∂L/∂output = [3, −0.5, −7], clipped to
        // [−1, 1]: [1, −0.5, −1].
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [3])
        let y = ClipGradient(bound: 1).apply(x)
        let program = try graph.compile([y] + graph.gradients(of: (y * graph.constant(NDArray([3, -0.5, -7]))).sum(), wrt: [x]))
        let results = try program.run(["x": NDArray([1, 2, 3])])
        #expect(results[0].scalars == [1, 2, 3])
        #expect(results[1].scalars == [1, -0.5, -1])
    }

    @Test func secondDerivativesGoThroughTheRule() throws {
        // d/dx logaddexp(x, 0) = σ(x); d²/dx² = σ(x)(1 − σ(x)): 1/2 and 1/4 at x = 0, σ and
        // σ(1−σ) at x = 2. The Hessian is diagonal: H·[1, 1] = its diagonal, by gradients of
        // gradients, by the jvp of the gradient and by the gradient of the jvp (all through the
        // rule, its JVP given or derived).
        let s = 1 / (1 + Foundation.exp(-2.0))
        for function in [LogAddExp() as any DifferentiableFunction, LogAddExpWithJVP()] {
            let graph = TensorGraph<Double>()
            let x = graph.input("x", shape: [2]), zero = graph.constant(NDArray.zeros([2]))
            let g = try graph.gradients(of: function.apply(x, zero).sum(), wrt: [x])[0]
            let reverse = try graph.gradients(of: g.sum(), wrt: [x])[0]
            let forward = try graph.jvp(of: [g], wrt: [x], along: [graph.constant(NDArray.ones([2]))])[0]
            // Reverse over forward: the tangent along ones is σ(x), its gradient σ(1 − σ).
            let tangent = try graph.jvp(of: [function.apply(x, zero)], wrt: [x], along: [graph.constant(NDArray.ones([2]))])[0]
            let overForward = try graph.gradients(of: tangent.sum(), wrt: [x])[0]
            let results = try graph.compile([g, reverse, forward, tangent, overForward]).run(["x": NDArray([0, 2])])
            expectClose(results[0].scalars, [0.5, s])
            expectClose(results[1].scalars, [0.25, s * (1 - s)])
            expectClose(results[2].scalars, [0.25, s * (1 - s)])
            expectClose(results[3].scalars, [0.5, s])
            expectClose(results[4].scalars, [0.25, s * (1 - s)])
        }
    }

    @Test func forwardModeUsesTheJVPOrDerivesIt() throws {
        // ∂logaddexp(a, b) at (0, 1) along (1, 2): 1/(1+e) + 2e/(1+e) = (1 + 2e)/(1 + e).
        let e = M_E
        for function in [LogAddExp() as any DifferentiableFunction, LogAddExpWithJVP()] {
            let graph = TensorGraph<Double>()
            let a = graph.input("a", shape: [1]), b = graph.input("b", shape: [1])
            let tangent = try graph.jvp(of: [function.apply(a, b)], wrt: [a, b],
                                        along: [graph.constant(NDArray([1])), graph.constant(NDArray([2]))])[0]
            let result = try graph.compile([tangent]).run(["a": NDArray([0]), "b": NDArray([1])])[0]
            expectClose(result.scalars, [(1 + 2 * e) / (1 + e)])
        }
        // Straight-through: the derived tangent is the identity's (round's own would be zero); it
        // does not read x, so the program needs no input.
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [2])
        let tangent = try graph.jvp(of: [StraightThroughRound().apply(x)], wrt: [x], along: [graph.constant(NDArray([1, -3]))])[0]
        let program = try graph.compile([tangent])
        #expect(program.inputShapes.isEmpty)
        #expect(try program.run([:])[0].scalars == [1, -3])
    }

    @Test func dualTensorsOverSymbolsDeriveTheTangent() throws {
        // DualTensor<TensorSymbol> without a JVP derives it in the graph; the numbers are those of
        // DualTensor<NDArray> bit for bit, with and without the hand JVP.
        let a = NDArray<Double>([0, -1.5, 2]), b = NDArray<Double>([1, 0.5, 2]), da = NDArray<Double>([1, 0.5, -2]), db = NDArray<Double>([2, 1, 0.25])
        for function in [LogAddExp() as any DifferentiableFunction, LogAddExpWithJVP()] {
            let numbers = function.apply(DualTensor(a, tangent: da), DualTensor(b, tangent: db))
            let graph = TensorGraph<Double>()
            let symbols = function.apply(DualTensor(graph.input("a", shape: [3]), tangent: graph.input("da", shape: [3])),
                                         DualTensor(graph.input("b", shape: [3]), tangent: graph.input("db", shape: [3])))
            let results = try graph.compile([symbols.primal, symbols.tangent]).run(["a": a, "b": b, "da": da, "db": db])
            #expect(results[0].scalars.map(\.bitPattern) == numbers.primal.scalars.map(\.bitPattern))
            #expect(results[1].scalars.map(\.bitPattern) == numbers.tangent.scalars.map(\.bitPattern))
        }
    }

    @Test func aWrongRuleIsRecordedInTheGraph() {
        // One gradient for two inputs: the graph keeps the error and gradients(of:wrt:) throws it.
        let count = TensorGraph<Double>()
        let x = count.input("x", shape: [3]), y = count.input("y", shape: [3])
        let sum = WrongCount().apply(x, y).sum()
        #expect(throws: TensorShapeError(operation: "WrongCount.vjp", shapes: [[3], [3]], reason: "returned 1 gradients for 2 inputs")) {
            try count.gradients(of: sum, wrt: [x, y])
        }
        // A gradient of shape [2] for an input of shape [3] (it does not sum to it).
        let shape = TensorGraph<Double>()
        let z = shape.input("z", shape: [3])
        let out = WrongShape().apply(z)
        #expect(throws: TensorShapeError(operation: "WrongShape.vjp", shapes: [[2], [3]],
                                         reason: "a gradient of shape [2] for an input of shape [3]")) {
            try shape.gradients(of: out.sum(), wrt: [z])
        }
        // A tangent of shape [2] for an output of shape [3].
        let tangent = TensorGraph<Double>()
        let w = tangent.input("w", shape: [3])
        let v = WrongShape().apply(w)
        #expect(throws: TensorShapeError(operation: "WrongShape.jvp", shapes: [[2], [3]],
                                         reason: "a tangent of shape [2] for an output of shape [3]")) {
            try tangent.jvp(of: [v], wrt: [w], along: [w])
        }
    }

    @Test func constantInputsGetNoGradientAndTheMarkerRunsAsAnIdentity() throws {
        // A custom function of a constant and an input: the constant's gradient is not built,
        // the input's is; one of constants alone gives zeros. PyTorch:
        // torch.logaddexp(x, tensor(0.)) has gradient σ(x) = 1/2 at x = 0.
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [1]), c = graph.constant(NDArray([0]))
        let y = LogAddExp().apply(x, c)
        let constantOnly = LogAddExp().apply(c, c)
        let grads = try graph.gradients(of: y.sum() + constantOnly.sum(), wrt: [x, c])
        let results = try graph.compile([y, constantOnly] + grads).run(["x": NDArray([0])])
        expectClose(results[0].scalars, [M_LN2])
        expectClose(results[1].scalars, [M_LN2])
        #expect(results[2].scalars == [0.5] && results[3].scalars == [0])
    }

    private func expectClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            #expect(Swift.abs(x - y) <= tolerance * Swift.max(1, Swift.abs(y)), "\(a) vs \(b)", sourceLocation: sourceLocation)
        }
    }
}
