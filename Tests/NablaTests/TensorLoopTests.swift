import Foundation
import Testing
@testable import Nabla

/// x³ with its hand rule 3x²·seed (no JVP: forward mode derives it).
private struct Cube: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { x[0] * x[0] * x[0] }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed * x[0] * x[0] * 3] }
}

/// Loops of static tensor graphs (`TensorGraph.loop`, `scan`): values bit for bit and derivatives
/// (reverse, forward, second order) against the same steps unrolled in the same graph, finite
/// differences, and the shape errors' messages.
@Suite("Tensor graph loops")
struct TensorLoopTests {
    static func array(_ shape: Shape, _ seed: Double) -> NDArray<Double> {
        try! NDArray(shape: shape, scalars: (0..<shape.count).map { sin(Double($0) * 1.7 + seed) * 0.8 })
    }

    static let feeds: [String: NDArray<Double>] = [
        "h": array([2, 3], 0.3), "w": array([3, 3], 1.1), "b": array([3], 2.0), "xs": array([4, 2, 3], 0.7),
    ]

    /// The feeds `program` takes.
    static func feeds(for program: TensorProgram<Double>) -> [String: NDArray<Double>] {
        feeds.filter { name, _ in program.inputShapes.contains { $0.name == name } }
    }

    /// h ← tanh(h·W + b + 0.1·t): two rows of three, a parameter matrix and vector, the step's index.
    static func recurrence(_ graph: TensorGraph<Double>, count: Int, unrolled: Bool) -> (output: TensorSymbol<Double>, inputs: [TensorSymbol<Double>]) {
        let h = graph.input("h", shape: [2, 3]), w = graph.input("w", shape: [3, 3]), b = graph.input("b", shape: [3])
        func step(_ t: TensorSymbol<Double>, _ h: TensorSymbol<Double>) -> TensorSymbol<Double> { tanh(h.matmul(w) + b + t * 0.1) }
        var carry = h
        if unrolled {
            for t in 0..<count { carry = step(graph.constant(NDArray(Double(t))), carry) }
        } else {
            carry = graph.loop(count: count, carrying: h, step)
        }
        return ((carry * carry).sum(), [h, w, b])
    }

    static func expectClose(_ a: [Double], _ b: [Double], _ what: String, tolerance: Double = 1e-12) {
        #expect(a.count == b.count, "\(what): \(a.count) and \(b.count) values")
        for (x, y) in zip(a, b) {
            #expect(abs(x - y) <= tolerance * max(abs(x), abs(y), 1e-300), "\(what): \(x) vs \(y)")
        }
    }

    @Test func loopMatchesTheUnrolledStepsAndTheirGradients() throws {
        var results: [[[Double]]] = []
        for unrolled in [false, true] {
            let graph = TensorGraph<Double>()
            let (loss, inputs) = Self.recurrence(graph, count: 5, unrolled: unrolled)
            let program = try graph.compile([loss] + graph.gradients(of: loss, wrt: inputs))
            results.append(try program.run(Self.feeds(for: program)).map(\.scalars))
        }
        #expect(results[0][0].map(\.bitPattern) == results[1][0].map(\.bitPattern))
        for k in 1...3 { Self.expectClose(results[0][k], results[1][k], "gradient \(k)") }
        #expect(results[0][2].contains { $0 != 0 })
    }

    @Test func loopGradientMatchesFiniteDifferences() throws {
        let graph = TensorGraph<Double>()
        let (loss, inputs) = Self.recurrence(graph, count: 4, unrolled: false)
        let program = try graph.compile([loss] + graph.gradients(of: loss, wrt: [inputs[1]]))
        let feeds = Self.feeds(for: program)
        let gradient = try program.run(feeds)[1].scalars
        let epsilon = 1e-6
        for k in [0, 4, 8] {
            var up = feeds, down = feeds
            var w = Self.feeds["w"]!.scalars
            w[k] += epsilon
            up["w"] = try NDArray(shape: [3, 3], scalars: w)
            w[k] -= 2 * epsilon
            down["w"] = try NDArray(shape: [3, 3], scalars: w)
            let difference = (try program.run(up)[0].scalars[0] - program.run(down)[0].scalars[0]) / (2 * epsilon)
            #expect(abs(difference - gradient[k]) <= 1e-7 * max(1, abs(gradient[k])), "w[\(k)]: \(difference) vs \(gradient[k])")
        }
    }

    /// A scan over xs [4, 2, 3]: h ← tanh(h·W + xₜ), yₜ = Σ h² per row.
    static func scanned(_ graph: TensorGraph<Double>, unrolled: Bool) -> (ys: [TensorSymbol<Double>], carry: TensorSymbol<Double>, inputs: [TensorSymbol<Double>]) {
        let h = graph.input("h", shape: [2, 3]), w = graph.input("w", shape: [3, 3]), xs = graph.input("xs", shape: [4, 2, 3])
        func step(_ h: TensorSymbol<Double>, _ x: TensorSymbol<Double>) -> (TensorSymbol<Double>, TensorSymbol<Double>) {
            let next = tanh(h.matmul(w) + x)
            return (next, (next * next).sum(axes: [1], keepingDimensions: false))
        }
        if unrolled {
            var carry = h
            var ys: [TensorSymbol<Double>] = []
            for t in 0..<4 {
                let (next, y) = step(carry, xs.slice([t..<(t + 1)]).reshaped([2, 3]))
                carry = next
                ys.append(y)
            }
            return (ys, carry, [h, w, xs])
        }
        let (carries, ys) = graph.scan(over: [xs], carrying: [h]) { carries, elements in
            let (next, y) = step(carries[0], elements[0])
            return ([next], [y])
        }
        return ([ys[0]], carries[0], [h, w, xs])
    }

    @Test func scanStacksItsOutputsAndMatchesTheUnrolledGradients() throws {
        let loopGraph = TensorGraph<Double>(), flatGraph = TensorGraph<Double>()
        let looped = Self.scanned(loopGraph, unrolled: false), flat = Self.scanned(flatGraph, unrolled: true)
        #expect(looped.ys[0].shape == [4, 2])
        let loopLoss = looped.ys[0].sum() + looped.carry.sum()
        let flatLoss = flat.ys.dropFirst().reduce(flat.ys[0].sum()) { $0 + $1.sum() } + flat.carry.sum()
        let loopProgram = try loopGraph.compile([looped.ys[0], looped.carry] + loopGraph.gradients(of: loopLoss, wrt: looped.inputs))
        let flatProgram = try flatGraph.compile(flat.ys + [flat.carry] + flatGraph.gradients(of: flatLoss, wrt: flat.inputs))
        let loopRun = try loopProgram.run(Self.feeds(for: loopProgram)), flatRun = try flatProgram.run(Self.feeds(for: flatProgram))
        #expect(loopRun[0].scalars.map(\.bitPattern) == flatRun[0..<4].flatMap(\.scalars).map(\.bitPattern))
        #expect(loopRun[1].scalars.map(\.bitPattern) == flatRun[4].scalars.map(\.bitPattern))
        for k in 0..<3 { Self.expectClose(loopRun[2 + k].scalars, flatRun[5 + k].scalars, "gradient \(k)") }
        #expect(loopRun[4].shape == [4, 2, 3])
    }

    @Test func secondOrderThroughALoop() throws {
        var results: [[Double]] = []
        for unrolled in [false, true] {
            let graph = TensorGraph<Double>()
            let x = graph.input("x", shape: [2]), w = graph.input("w", shape: [2])
            var carry = x
            if unrolled {
                for _ in 0..<3 { carry = sin(carry * w) }
            } else {
                carry = graph.loop(count: 3, carrying: x) { _, c in sin(c * w) }
            }
            let g = try graph.gradients(of: carry.sum(), wrt: [w])[0]
            let gg = try graph.gradients(of: (g * g).sum(), wrt: [w, x])
            let run = try graph.compile([g] + gg).run(["x": try NDArray(shape: [2], scalars: [0.7, -0.4]),
                                                      "w": try NDArray(shape: [2], scalars: [1.3, 0.9])])
            results.append(run.flatMap(\.scalars))
        }
        Self.expectClose(results[0], results[1], "first and second derivatives")
    }

    @Test func forwardModeThroughALoopAndAScan() throws {
        var results: [[Double]] = []
        for unrolled in [false, true] {
            let graph = TensorGraph<Double>()
            let (loss, inputs) = Self.recurrence(graph, count: 3, unrolled: unrolled)
            let scan = Self.scanned(graph, unrolled: unrolled)
            let scanLoss = scan.ys.dropFirst().reduce(scan.ys[0].sum()) { $0 + $1.sum() }
            let directions = inputs.map { graph.constant(Self.array($0.shape, 4.2)) } + [graph.constant(Self.array([4, 2, 3], 0.1))]
            let tangents = try graph.jvp(of: [loss, scanLoss], wrt: inputs + [scan.inputs[2]], along: directions)
            results.append(try graph.compile(tangents).run(Self.feeds).flatMap(\.scalars))
        }
        Self.expectClose(results[0], results[1], "tangents")
    }

    @Test func aCarryOfAnotherShapeIsAShapeError() {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [2])
        let result = graph.loop(count: 3, carrying: [x]) { _, c in [c[0].sum()] }
        #expect(throws: TensorShapeError.self) { try graph.compile(result) }
        #expect(graph.error?.description == "loop(count: 3), carry 0: [2] and [] — the body returned a carry of shape [] for a carry of shape [2]")
    }

    @Test func sequencesOfDifferentLengthsAreAShapeError() {
        let graph = TensorGraph<Double>()
        let a = graph.input("a", shape: [3, 2]), b = graph.input("b", shape: [4, 2])
        _ = graph.scan(over: [a, b], carrying: []) { _, e in ([], [e[0] + e[1]]) }
        #expect(graph.error?.description == "scan, sequence 1: [3, 2] and [4, 2] — the sequences' leading dimensions differ (3 and 4)")
    }

    @Test func aBodyValueUsedAfterTheLoopIsAnError() {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [2])
        var inside: TensorSymbol<Double>?
        _ = graph.loop(count: 2, carrying: x) { _, c in
            inside = c * 2
            return inside!
        }
        _ = inside! + x
        #expect(graph.error?.reason.hasPrefix("reads a value made inside the body of loop(count: 2)") == true)
    }

    @Test func whileLoopRunsUntilItsConditionFails() throws {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [2]), n = graph.constant(NDArray(0.0))
        let result = graph.whileLoop(carrying: [x, n], condition: { c in c[1] * -1 + 4.5 }, body: { c in [c[0] * 1.5, c[1] + 1] })
        let tangent = try graph.jvp(of: [result[0]], wrt: [x], along: [graph.constant(try NDArray(shape: [2], scalars: [1, -2]))])[0]
        let run = try graph.compile([result[0], result[1], tangent]).run(["x": try NDArray(shape: [2], scalars: [0.3, -0.7])])
        // By hand: five steps (n = 0…4 have 4.5 − n > 0), each multiplying by 1.5.
        var expected = [0.3, -0.7], direction = [1.0, -2.0]
        for _ in 0..<5 {
            expected = expected.map { $0 * 1.5 }
            direction = direction.map { $0 * 1.5 }
        }
        #expect(run[0].scalars == expected)
        #expect(run[1].scalars == [5])
        #expect(run[2].scalars == direction)
    }

    @Test func whileLoopStopsAtItsBoundAndRefusesReverseMode() throws {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [])
        let result = graph.whileLoop(carrying: [x], maxIterations: 3, condition: { c in c[0] * 0 + 1 }, body: { c in [c[0] + 1] })
        #expect(throws: TensorProgramError.iterationLimit(limit: 3)) { try graph.compile(result).run(["x": NDArray(0.0)]) }
        #expect(TensorProgramError.iterationLimit(limit: 3).description
                == "a whileLoop ran 3 steps (its maxIterations) with its condition still > 0")
        #expect(throws: TensorShapeError.self) { try graph.gradients(of: result[0], wrt: [x]) }
        #expect(graph.error?.reason.hasPrefix("reverse mode cannot go through a whileLoop") == true)
    }

    @Test func condRunsOnlyTheBranchTaken() throws {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [2]), p = graph.input("p", shape: [])
        let y = graph.cond(p, then: { [log(x) * x] }, else: { [x * 3] })[0]
        let g = try graph.gradients(of: y, wrt: [x])[0]
        let gg = try graph.gradients(of: g, wrt: [x])[0]
        let t = try graph.jvp(of: [y], wrt: [x], along: [graph.constant(try NDArray(shape: [2], scalars: [1, 1]))])[0]
        let program = try graph.compile([y, g, gg, t])
        // Else branch at negative x: log would be NaN, and never runs.
        let negative = try program.run(["x": try NDArray(shape: [2], scalars: [-1, -2]), "p": NDArray(-1.0)])
        #expect(negative.map(\.scalars) == [[-3, -6], [3, 3], [0, 0], [3, 3]])
        // Then branch: d(x log x)/dx = log x + 1, d² = 1/x.
        let positive = try program.run(["x": try NDArray(shape: [2], scalars: [2, 0.5]), "p": NDArray(1.0)])
        #expect(positive[0].scalars == [log(2.0) * 2, log(0.5) * 0.5])
        Self.expectClose(positive[1].scalars, [log(2.0) + 1, log(0.5) + 1], "gradient")
        Self.expectClose(positive[2].scalars, [0.5, 2], "second derivative")
        Self.expectClose(positive[3].scalars, [log(2.0) + 1, log(0.5) + 1], "tangent")
    }

    @Test func nestedLoopsAndForwardOverReverse() throws {
        var results: [[Double]] = []
        for unrolled in [false, true] {
            let graph = TensorGraph<Double>()
            let x = graph.input("x", shape: [3]), w = graph.input("w", shape: [3])
            // Two outer steps of three inner ones: x ← sin(x·w) + 0.1·x, then x ← x·w.
            var carry = x
            if unrolled {
                for _ in 0..<2 {
                    for _ in 0..<3 { carry = sin(carry * w) + carry * 0.1 }
                    carry = carry * w
                }
            } else {
                carry = graph.loop(count: 2, carrying: x) { _, outer in
                    graph.loop(count: 3, carrying: outer) { _, inner in sin(inner * w) + inner * 0.1 } * w
                }
            }
            let loss = (carry * carry).sum()
            let g = try graph.gradients(of: loss, wrt: [x, w])
            let direction = graph.constant(try NDArray(shape: [3], scalars: [0.5, -1, 2]))
            let hessianVector = try graph.jvp(of: g, wrt: [w], along: [direction])
            let feeds = ["x": try NDArray(shape: [3], scalars: [0.2, -0.6, 1.1]), "w": try NDArray(shape: [3], scalars: [0.9, 1.2, -0.8])]
            results.append(try graph.compile([carry] + g + hessianVector).run(feeds).flatMap(\.scalars))
        }
        #expect(results[0][0..<3].map(\.bitPattern) == results[1][0..<3].map(\.bitPattern))
        Self.expectClose(results[0], results[1], "values, gradients and Hessian-vector products")
    }

    @Test func checkpointedLoopStoresShortSequencesAndGivesTheSameDerivatives() throws {
        var results: [[Double]] = []
        var longest = 0
        for checkpointed in [true, false] {
            let graph = TensorGraph<Double>()
            let (loss, inputs): (TensorSymbol<Double>, [TensorSymbol<Double>])
            if checkpointed {
                let h = graph.input("h", shape: [2, 3]), w = graph.input("w", shape: [3, 3]), b = graph.input("b", shape: [3])
                let carry = graph.loop(count: 7, checkpointingEvery: 3, carrying: [h]) { t, c in [tanh(c[0].matmul(w) + b + t * 0.1)] }[0]
                (loss, inputs) = ((carry * carry).sum(), [h, w, b])
            } else {
                (loss, inputs) = Self.recurrence(graph, count: 7, unrolled: true)
            }
            let outputs = [loss] + (try graph.gradients(of: loss, wrt: inputs))
            if checkpointed {
                // Loops of 2 (segments), 3 (their steps) and 1 (the rest) steps, and their
                // backward loops: nothing stores more than 3 carries.
                longest = graph.loopState.loops.map(\.count).max() ?? 0
            }
            let program = try graph.compile(outputs)
            results.append(try program.run(Self.feeds(for: program)).flatMap(\.scalars))
        }
        #expect(longest == 3)
        #expect(results[0][0].bitPattern == results[1][0].bitPattern)
        Self.expectClose(results[0], results[1], "loss and gradients")
    }

    @Test func checkpointedScanGivesTheSameOutputsAndGradients() throws {
        var results: [[Double]] = []
        var longest = 0
        for checkpointed in [true, false] {
            let graph = TensorGraph<Double>()
            let h = graph.input("h", shape: [2, 3]), w = graph.input("w", shape: [3, 3]), xs = graph.input("xs7", shape: [7, 2, 3])
            func body(_ c: [TensorSymbol<Double>], _ e: [TensorSymbol<Double>]) -> (carries: [TensorSymbol<Double>], ys: [TensorSymbol<Double>]) {
                let next = tanh(c[0].matmul(w) + e[0])
                return ([next], [next.sum(axes: [1], keepingDimensions: false)])
            }
            let (carries, ys) = checkpointed ? graph.scan(over: [xs], checkpointingEvery: 3, carrying: [h], body)
                                             : graph.scan(over: [xs], carrying: [h], body)
            #expect(ys[0].shape == [7, 2])
            let loss = (ys[0] * ys[0]).sum() + carries[0].sum()
            let outputs = [ys[0]] + (try graph.gradients(of: loss, wrt: [h, w, xs]))
            if checkpointed { longest = graph.loopState.loops.map(\.count).max() ?? 0 }
            let run = try graph.compile(outputs).run(["h": Self.feeds["h"]!, "w": Self.feeds["w"]!, "xs7": Self.array([7, 2, 3], 0.2)])
            results.append(run.flatMap(\.scalars))
        }
        #expect(longest == 3)
        #expect(results[0][0..<14].map(\.bitPattern) == results[1][0..<14].map(\.bitPattern))
        Self.expectClose(results[0], results[1], "outputs and gradients")
    }

    @Test func customFunctionsInsideABodyKeepTheirRules() throws {
        var results: [[Double]] = []
        for unrolled in [false, true] {
            let graph = TensorGraph<Double>()
            let x = graph.input("x", shape: [3]), w = graph.input("w", shape: [3])
            func step(_ c: TensorSymbol<Double>) -> TensorSymbol<Double> { Cube().apply(c * w) * 0.5 + c }
            var carry = x
            if unrolled {
                for _ in 0..<3 { carry = step(carry) }
            } else {
                carry = graph.loop(count: 3, carrying: x) { _, c in step(c) }
            }
            let g = try graph.gradients(of: carry.sum(), wrt: [x, w])
            let gg = try graph.gradients(of: (g[1] * g[1]).sum(), wrt: [w])
            let t = try graph.jvp(of: [carry], wrt: [w], along: [graph.constant(try NDArray(shape: [3], scalars: [1, -1, 0.5]))])
            let feeds = ["x": try NDArray(shape: [3], scalars: [0.3, -0.2, 0.5]), "w": try NDArray(shape: [3], scalars: [0.8, 1.1, -0.6])]
            results.append(try graph.compile([carry] + g + gg + t).run(feeds).flatMap(\.scalars))
        }
        #expect(results[0][0..<3].map(\.bitPattern) == results[1][0..<3].map(\.bitPattern))
        Self.expectClose(results[0], results[1], "values, gradients, second derivatives, tangents")
    }

    @Test func theBodyIsRecordedOnceWhateverTheCount() throws {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [2])
        let y = graph.loop(count: 200, carrying: x) { _, c in tanh(c * 1.01 + 0.1) }
        let g = try graph.gradients(of: y.sum(), wrt: [x])[0]
        #expect(graph.nodes.count < 60)   // the forward body, the backward body: not 200 steps of each
        let run = try graph.compile([y, g]).run(["x": try NDArray(shape: [2], scalars: [0.5, -0.5])])
        // By hand: x ← tanh(1.01x + 0.1), dx_{k+1}/dx_k = 1.01 (1 − x_{k+1}²).
        for (k, start) in [0.5, -0.5].enumerated() {
            var value = start, derivative = 1.0
            for _ in 0..<200 {
                value = tanh(value * 1.01 + 0.1)
                derivative *= 1.01 * (1 - value * value)
            }
            #expect(run[0].scalars[k] == value)
            #expect(abs(run[1].scalars[k] - derivative) <= 1e-12 * abs(derivative))
        }
    }
}
