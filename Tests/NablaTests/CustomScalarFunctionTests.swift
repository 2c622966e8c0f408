import Foundation
import Testing
@testable import Nabla

// The examples as scalar functions, each declared once and run on every engine.

/// log(eᵃ + eᵇ) computed as m + log(e^(a−m) + e^(b−m)), m = max(a, b), with the hand rule
/// ∂/∂a = e^(a−y), ∂/∂b = e^(b−y) (y the output). PyTorch: `torch.logaddexp`.
private struct ScalarLogAddExp: DifferentiableScalarFunction {
    func forward<T: GraphScalar>(_ v: [T]) -> T {
        let m = max(v[0], v[1])
        return m + log(exp(v[0] - m) + exp(v[1] - m))
    }
    func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] {
        [seed * exp(v[0] - output), seed * exp(v[1] - output)]
    }
}

/// Round forward, identity backward (the straight-through estimator).
private struct ScalarStraightThrough: DifferentiableScalarFunction {
    func forward<T: GraphScalar>(_ v: [T]) -> T { round(v[0]) }
    func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] { [seed] }
}

/// Identity forward; backward clips the incoming gradient to [−1, 1].
private struct ScalarClipGradient: DifferentiableScalarFunction {
    func forward<T: GraphScalar>(_ v: [T]) -> T { v[0] }
    func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] { [min(max(seed, -1), 1)] }
}

/// A function whose two rules disagree on purpose (reverse: 2, forward: 3), to show which rule
/// each mode calls.
private struct TwoRules: DifferentiableScalarFunction {
    func forward<T: GraphScalar>(_ v: [T]) -> T { v[0] }
    func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] { [seed * 2] }
    func jvp<T: GraphScalar>(_ v: [T], output: T, tangents: [T?]) -> T? { tangents[0].map { $0 * 3 } }
}

/// x·y with a rule for y twice too large.
private struct ScalarWrongProduct: DifferentiableScalarFunction {
    func forward<T: GraphScalar>(_ v: [T]) -> T { v[0] * v[1] }
    func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] { [seed * v[1], seed * v[0] * 2] }
}

/// A rule returning one gradient for two inputs.
private struct ShortRule: DifferentiableScalarFunction {
    func forward<T: GraphScalar>(_ v: [T]) -> T { v[0] + v[1] }
    func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] { [seed] }
}

private func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// Custom differentiable functions of scalars on Value, GradientTape, static Graph, Dual and,
/// elementwise, tensors.
@Suite("Custom differentiable scalar functions")
struct CustomScalarFunctionTests {
    @Test func logAddExpIsStableAtPlus1000OnEveryEngine() throws {
        // logaddexp(1000, 1000) = 1000 + ln 2; ∂/∂a = ∂/∂b = e^(1000 − y) = 1/2.
        let a = Value(1000, requiresGrad: true), b = Value(1000, requiresGrad: true)
        let y = ScalarLogAddExp().apply(a, b)
        y.backward()
        #expect(y.data == 1000 + M_LN2)
        // y = 1000 + ln 2 is rounded to the spacing of doubles near 1000 (1.1e-13), so
        // e^(1000 − y) is 1/2 to about 3e-14 (PyTorch gives the same 0.5000000000000275).
        #expect(Swift.abs(a.grad - 0.5) < 1e-13 && a.grad == b.grad)

        let (value, grads) = GradientTape.record { tape in
            let a = tape.variable(1000), b = tape.variable(1000)
            let y = ScalarLogAddExp().apply(a, b)
            return (y.data, tape.gradients(of: y, wrt: [a, b]))
        }
        #expect(value == 1000 + M_LN2 && grads == [a.grad, b.grad])

        let graph = Graph()
        let (sa, sb) = (graph.input("a"), graph.input("b"))
        let sy = ScalarLogAddExp().apply(sa, sb)
        let program = graph.compile([sy] + graph.gradients(of: sy, wrt: [sa, sb]))
        #expect(try program.run(["a": 1000, "b": 1000]) == [1000 + M_LN2, a.grad, b.grad])

        // The naive form overflows: e¹⁰⁰⁰ = ∞.
        let naive = log(exp(Value(1000)) + exp(Value(1000)))
        #expect(naive.data == .infinity)
        // On numbers: the forward alone.
        #expect(ScalarLogAddExp().apply([1000.0, 1000.0]) == 1000 + M_LN2)
    }

    @Test func secondDerivativesGoThroughTheRuleAndStaticMatchesDynamic() throws {
        // H of logaddexp(a, b) = s(1 − s)·[[1, −1], [−1, 1]], s = σ(a − b); at (2, 0.5).
        let s = sigmoid(1.5), h = s * (1 - s)
        let expected = [[h, -h], [-h, h]]
        let fromValues = hessian(at: [2, 0.5]) { ScalarLogAddExp().apply($0[0], $0[1]) }
        for (row, hand) in zip(fromValues, expected) { for (x, e) in zip(row, hand) { #expect(Swift.abs(x - e) < 1e-12) } }

        // Dynamic reverse-over-reverse, GradientTape, and the static graph: the same numbers, bit for bit.
        let a = Value(2, requiresGrad: true), b = Value(0.5, requiresGrad: true)
        let firsts = ScalarLogAddExp().apply(a, b).differentiableGradients(wrt: [a, b])
        let dynamic = firsts.map { $0.gradients(wrt: [a, b]) }
        let taped = GradientTape.record { tape in
            let a = tape.variable(2), b = tape.variable(0.5)
            let firsts = tape.differentiableGradients(of: ScalarLogAddExp().apply(a, b), wrt: [a, b])
            return firsts.map { tape.gradients(of: $0, wrt: [a, b]) }
        }
        let graph = Graph()
        let (sa, sb) = (graph.input("a"), graph.input("b"))
        let hess = graph.hessian(of: ScalarLogAddExp().apply(sa, sb), wrt: [sa, sb])
        let compiled = try graph.compile(hess.flatMap { $0 }).run(["a": 2, "b": 0.5])
        #expect(dynamic.flatMap { $0 } == compiled)
        #expect(taped.flatMap { $0 } == compiled)
        #expect(Swift.abs(dynamic[0][0] - h) < 1e-12 && Swift.abs(dynamic[0][1] + h) < 1e-12)
        #expect(Swift.abs(firsts[0].data - s) < 1e-15 && Swift.abs(firsts[1].data - (1 - s)) < 1e-15)
    }

    @Test func straightThroughRoundsForwardAndPassesTheGradientBack() throws {
        // y = round(w)·3: y = 6 at w = 1.6, and dy/dw = 3 through the identity rule (round's own
        // derivative is 0).
        let w = Value(1.6, requiresGrad: true)
        let y = ScalarStraightThrough().apply(w) * 3
        y.backward()
        #expect(y.data == 6 && w.grad == 3)
        let graph = Graph()
        let sw = graph.input("w")
        let sy = ScalarStraightThrough().apply(sw) * 3
        #expect(try graph.compile([sy, graph.gradient(of: sy, wrt: sw)]).run(["w": 1.6]) == [6, 3])
        // Exports (and `nabla graph` pictures) name the function on its node.
        #expect(try graph.export(sy).nodes.map(\.op).contains("custom ScalarStraightThrough"))
        // Without the rule, round passes no gradient.
        let plain = Value(1.6, requiresGrad: true)
        #expect((round(plain) * 3).gradient(wrt: plain) == 0)
    }

    @Test func aRuleCanClipTheGradientInsideBackward() throws {
        // y = 1000·clip(x): the seed reaching the function is 1000, clipped to 1.
        let x = Value(0.25, requiresGrad: true)
        let y = ScalarClipGradient().apply(x) * 1000
        y.backward()
        #expect(y.data == 250 && x.grad == 1)
        let tapeGrad = GradientTape.record { tape in
            let x = tape.variable(0.25)
            return tape.gradients(of: ScalarClipGradient().apply(x) * -1000, wrt: [x])[0]
        }
        #expect(tapeGrad == -1)
        let graph = Graph()
        let sx = graph.input("x")
        let sy = ScalarClipGradient().apply(sx) * 1000
        #expect(try graph.compile([graph.gradient(of: sy, wrt: sx)]).run(["x": 0.25]) == [1])
        // Forward mode derives the JVP at a zero seed, where the clip is the identity: ẏ = ẋ.
        #expect(jvp(at: [0.25], along: [5]) { ScalarClipGradient().apply($0[0]) * 1000 }.derivative == 5000)
    }

    @Test func forwardModeUsesTheJVPWhenGivenAndDerivesItOtherwise() throws {
        // TwoRules: reverse mode multiplies by 2 (its vjp), forward mode by 3 (its jvp).
        let x = Value(1, requiresGrad: true)
        #expect(TwoRules().apply(x).gradient(wrt: x) == 2)
        #expect(jvp(at: [1], along: [1]) { TwoRules().apply($0[0]) }.derivative == 3)
        #expect(TwoRules().apply(Dual(1.0, tangent: 1.0)).tangent == 3)
        let tapeForward = GradientTape.record { tape in
            let x = tape.variable(1)
            return tape.directionalDerivative(of: TwoRules().apply(x), wrt: [x], along: [1])
        }
        #expect(tapeForward == 3)
        let graph = Graph()
        let sx = graph.input("x")
        let tangent = graph.jvp(of: TwoRules().apply(sx), wrt: [sx], along: [graph.constant(1)])
        #expect(try graph.compile([tangent]).run(["x": 1]) == [3])

        // logaddexp has no jvp: derived from its vjp, ẏ = e^(a−y)·ȧ + e^(b−y)·ḃ = σ(a−b)·ȧ + σ(b−a)·ḃ.
        let (a0, b0, da, db) = (0.3, -1.2, 2.0, -0.5)
        let hand = sigmoid(a0 - b0) * da + sigmoid(b0 - a0) * db
        let dynamic = jvp(at: [a0, b0], along: [da, db]) { ScalarLogAddExp().apply($0[0], $0[1]) }.derivative
        let dual = ScalarLogAddExp().apply(Dual(a0, tangent: da), Dual(b0, tangent: db)).tangent
        let g2 = Graph()
        let (sa, sb) = (g2.input("a"), g2.input("b"))
        let st = g2.jvp(of: ScalarLogAddExp().apply(sa, sb), wrt: [sa, sb], along: [g2.input("da"), g2.input("db")])
        let compiled = try g2.compile([st]).run(["a": a0, "b": b0, "da": da, "db": db])[0]
        #expect(Swift.abs(dynamic - hand) < 1e-12)
        #expect(dynamic == dual && dynamic == compiled)
    }

    @Test func forwardOverReverseAndReverseOverForwardAgree() throws {
        // Hessian-vector products of logaddexp along (1, 2): H·v = h·(1 − 2, 2 − 1) = (−h, h).
        let s = sigmoid(2 - 0.5), h = s * (1 - s)
        let hvp = hessianVectorProduct(at: [2, 0.5], along: [1, 2]) { ScalarLogAddExp().apply($0[0], $0[1]) }
        #expect(Swift.abs(hvp[0] + h) < 1e-12 && Swift.abs(hvp[1] - h) < 1e-12)
        // Reverse over forward: the tangent recorded on Values (Dual<Value>), differentiated.
        let a = Value(2, requiresGrad: true), b = Value(0.5, requiresGrad: true)
        let t = ScalarLogAddExp().apply(Dual(a, tangent: Value(1)), Dual(b, tangent: Value(2))).tangent
        let reverseOverForward = t.gradients(wrt: [a, b])
        #expect(Swift.abs(reverseOverForward[0] + h) < 1e-12 && Swift.abs(reverseOverForward[1] - h) < 1e-12)
        // Forward over reverse in the static graph: jvp of the gradient.
        let graph = Graph()
        let (sa, sb) = (graph.input("a"), graph.input("b"))
        let grads = graph.gradients(of: ScalarLogAddExp().apply(sa, sb), wrt: [sa, sb])
        let hv = graph.jvp(of: grads, wrt: [sa, sb], along: [graph.constant(1), graph.constant(2)])
        let staticHVP = try graph.compile(hv).run(["a": 2, "b": 0.5])
        #expect(Swift.abs(staticHVP[0] + h) < 1e-12 && Swift.abs(staticHVP[1] - h) < 1e-12)
    }

    @Test func scalarFunctionsApplyElementwiseToTensorsWithBroadcasting() {
        // logaddexp of a [2, 3] and a [3]: ∂/∂b sums over the broadcast rows.
        let a = Tensor<Double>([[0, 1, 2], [-1, 0, 1]], requiresGrad: true)
        let b = Tensor<Double>([0, 0, 0], requiresGrad: true)
        let y = ScalarLogAddExp().apply(a, b)
        y.sum().backward()
        let av = [0.0, 1, 2, -1, 0, 1]
        for (k, x) in av.enumerated() {
            #expect(Swift.abs(y.scalars[k] - Foundation.log(Foundation.exp(x) + 1)) < 1e-12)
            #expect(Swift.abs(a.grad!.scalars[k] - sigmoid(x)) < 1e-12)
        }
        for j in 0..<3 {
            #expect(Swift.abs(b.grad!.scalars[j] - (sigmoid(-av[j]) + sigmoid(-av[j + 3]))) < 1e-12)
        }
        // The same rule passes the gradient checker (first and second order), and a wrong one is
        // reported by input and element.
        let inputs = [NDArray<Double>.randomUniform([2, 3], low: -3, high: 3, seed: 3),
                      NDArray<Double>.randomUniform([3], low: -3, high: 3, seed: 4)]
        #expect(GradientChecker.check({ ScalarLogAddExp().apply($0[0], $0[1]) }, at: inputs, order: 2).isEmpty)
        let same = [NDArray<Double>.randomUniform([3], low: 1, high: 2, seed: 5),
                    NDArray<Double>.randomUniform([3], low: 1, high: 2, seed: 6)]
        let wrong = GradientChecker.check({ ScalarWrongProduct().apply($0[0], $0[1]) }, at: same, order: 1)
        #expect(wrong.map(\.input) == [1, 1, 1] && wrong.map(\.element) == [0, 1, 2])
    }

    @Test func onStaticTensorsTheScalarFunctionMatchesTheDynamicOneBitForBit() throws {
        let av = NDArray<Double>([[0.5, -2, 3], [1, 0, -1]]), bv = NDArray<Double>([0.25, 1, -3])
        let a = Tensor(av, requiresGrad: true), b = Tensor(bv, requiresGrad: true)
        let y = ScalarLogAddExp().apply(a, b)
        let dynamic = y.sum().gradients(wrt: [a, b])
        let graph = TensorGraph<Double>()
        let (sa, sb) = (graph.input("a", shape: [2, 3]), graph.input("b", shape: [3]))
        let sy = ScalarLogAddExp().apply(sa, sb)
        let outputs = try graph.compile([sy] + graph.gradients(of: sy.sum(), wrt: [sa, sb])).run(["a": av, "b": bv])
        #expect(outputs[0] == y.data && outputs[1] == dynamic[0] && outputs[2] == dynamic[1])
    }

    @Test func captureKeepsTheRule() throws {
        // A dynamic computation with a custom function, captured into a static graph, keeps the
        // function's rule: the straight-through gradient is 1, not round's 0.
        let w = Value(2.4, requiresGrad: true, name: "w")
        let y = ScalarStraightThrough().apply(w * w)
        let graph = Graph()
        let sy = graph.capture(y)
        let program = graph.compile([sy, graph.gradient(of: sy, wrt: graph.input("w"))])
        #expect(try program.run(["w": 2.4]) == [6, 2 * 2.4])
    }

    @Test func constantsAndNoGradGiveTheForwardAlone() {
        let before = RecordingContext.forThisThread.hasCurrent
        let y = ScalarLogAddExp().apply(Value(0), Value(0))
        #expect(y.data == M_LN2 && !y.requiresGrad)
        let x = Value(0, requiresGrad: true)
        let z = withoutRecording { ScalarLogAddExp().apply(x, x) }
        #expect(!z.requiresGrad)
        _ = before
        let graph = Graph()
        let c = ScalarLogAddExp().apply(graph.constant(0), graph.constant(0))
        #expect(graph.node(c).primitive == .constant)
    }

    @Test func aRuleWithTheWrongNumberOfGradientsStops() async {
        await #expect(processExitsWith: .failure) {
            let x = Value(1, requiresGrad: true)
            ShortRule().apply(x, x).backward()
        }
    }
}
