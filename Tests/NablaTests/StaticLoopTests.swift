import Foundation
import Testing
@testable import Nabla

/// Loops of static graphs (`Graph.loop`): values, reverse and forward derivatives to second
/// order, against the same steps unrolled into straight-line graphs, finite differences and
/// hand-derived recurrences.
@Suite("Static graph loops")
struct StaticLoopTests {
    /// W2's step: x ← tanh(1.01·x + 0.1).
    static func chainStep(_ x: Symbol) -> Symbol { tanh(1.01 * x + 0.1) }

    @Test func chainMatchesTheHandDerivedRecurrence() throws {
        let graph = Graph()
        let x = graph.input("x")
        let y = graph.loop(count: 1000, carrying: x) { _, x in Self.chainStep(x) }
        let dydx = graph.gradient(of: y, wrt: x)
        let program = graph.compile([y, dydx])
        #expect(program.instructionCount < 40)   // the body once, not 1000 times
        // By hand: x_{k+1} = tanh(1.01 x_k + 0.1), dx_{k+1}/dx_k = 1.01 (1 − x_{k+1}²).
        var value = 0.5, derivative = 1.0
        for _ in 0..<1000 {
            value = tanh(1.01 * value + 0.1)
            derivative *= 1.01 * (1 - value * value)
        }
        let result = try program.run(["x": 0.5])
        #expect(result[0] == value)
        #expect(abs(result[1] - derivative) <= 1e-12 * abs(derivative))
    }

    /// A loop with two carries, parameters read from outside the body, and the step's index.
    static func twoCarries(_ graph: Graph, count: Int, unrolled: Bool) -> (outputs: [Symbol], inputs: [Symbol]) {
        let (a, b, w, p) = (graph.input("a"), graph.input("b"), graph.input("w"), graph.input("p"))
        func step(_ t: Symbol, _ c: [Symbol]) -> [Symbol] {
            [c[0] * w + sin(c[1]) * 0.5 + 0.01 * t, tanh(c[0] - c[1] * p) + exp(-t * 0.1) * w]
        }
        var carries = [a, b]
        if unrolled {
            for t in 0..<count { carries = step(graph.constant(Double(t)), carries) }
        } else {
            carries = graph.loop(count: count, carrying: carries, step)
        }
        return ([carries[0] * carries[1] + carries[0]], [a, b, w, p])
    }

    static let feeds = ["a": 0.3, "b": -0.7, "w": 0.9, "p": 1.3]

    static func close(_ x: [Double], _ y: [Double], _ tolerance: Double = 1e-12) -> Bool {
        x.count == y.count && zip(x, y).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test(arguments: [1, 2, 7]) func valuesAndGradientsMatchTheUnrolledSteps(count: Int) throws {
        func run(unrolled: Bool) throws -> [Double] {
            let graph = Graph()
            let (outputs, inputs) = Self.twoCarries(graph, count: count, unrolled: unrolled)
            let gradients = graph.gradients(of: outputs[0], wrt: inputs)
            return try graph.compile(outputs + gradients).run(Self.feeds)
        }
        let looped = try run(unrolled: false), unrolled = try run(unrolled: true)
        #expect(looped[0] == unrolled[0])
        #expect(Self.close(looped, unrolled), "\(looped) vs \(unrolled)")
    }

    @Test func hessianMatchesTheUnrolledSteps() throws {
        func run(unrolled: Bool) throws -> [Double] {
            let graph = Graph()
            let (outputs, inputs) = Self.twoCarries(graph, count: 5, unrolled: unrolled)
            let hessian = graph.hessian(of: outputs[0], wrt: inputs)
            return try graph.compile(hessian.flatMap { $0 }).run(Self.feeds)
        }
        let looped = try run(unrolled: false), unrolled = try run(unrolled: true)
        #expect(Self.close(looped, unrolled, 1e-11), "\(looped) vs \(unrolled)")
    }

    @Test func forwardModeMatchesTheUnrolledStepsToSecondOrder() throws {
        func run(unrolled: Bool) throws -> [Double] {
            let graph = Graph()
            let (outputs, inputs) = Self.twoCarries(graph, count: 6, unrolled: unrolled)
            let direction = [0.5, -1.0, 2.0, 0.25].map(graph.constant)
            let tangent = graph.jvp(of: outputs[0], wrt: inputs, along: direction)
            // Forward-over-reverse (a Hessian-vector product) and reverse-over-forward.
            let hvp = graph.jvp(of: graph.gradients(of: outputs[0], wrt: inputs), wrt: inputs, along: direction)
            let reverseOverForward = graph.gradients(of: tangent, wrt: inputs)
            return try graph.compile([tangent] + hvp + reverseOverForward).run(Self.feeds)
        }
        let looped = try run(unrolled: false), unrolled = try run(unrolled: true)
        #expect(Self.close(looped, unrolled, 1e-11), "\(looped) vs \(unrolled)")
        #expect(Self.close(Array(looped[1...4]), Array(looped[5...8]), 1e-11))   // H·v both ways
    }

    @Test func gradientsAgreeWithFiniteDifferences() throws {
        let graph = Graph()
        let (outputs, inputs) = Self.twoCarries(graph, count: 4, unrolled: false)
        let program = graph.compile([outputs[0]] + graph.gradients(of: outputs[0], wrt: inputs))
        let names = ["a", "b", "w", "p"]
        let analytic = try program.run(Self.feeds)
        for (k, name) in names.enumerated() {
            let h = 1e-6
            var plus = Self.feeds, minus = Self.feeds
            plus[name]! += h; minus[name]! -= h
            let numeric = (try program.run(plus)[0] - program.run(minus)[0]) / (2 * h)
            #expect(abs(numeric - analytic[k + 1]) <= 1e-6 * max(1, abs(numeric)), "d/d\(name)")
        }
    }

    @Test func zeroStepsReturnTheInitialValues() throws {
        let graph = Graph()
        let x = graph.input("x")
        var called = false
        let y = graph.loop(count: 0, carrying: x) { _, x in called = true; return sin(x) }
        #expect(!called && y == x)
        #expect(try graph.compile([y * 3, graph.gradient(of: y * 3, wrt: x)]).run(["x": 2]) == [6, 3])
    }

    @Test func nestedLoopsMatchTheUnrolledSteps() throws {
        func run(unrolled: Bool) throws -> [Double] {
            let graph = Graph()
            let (x, w) = (graph.input("x"), graph.input("w"))
            func inner(_ v: Symbol) -> Symbol {
                if unrolled { var v = v; for _ in 0..<3 { v = sin(v * w) + 0.5 }; return v }
                return graph.loop(count: 3, carrying: v) { _, v in sin(v * w) + 0.5 }
            }
            var y = x
            if unrolled { for _ in 0..<4 { y = inner(y) * 0.9 } } else { y = graph.loop(count: 4, carrying: x) { _, v in inner(v) * 0.9 } }
            let g = graph.gradients(of: y, wrt: [x, w])
            let h = graph.hessian(of: y, wrt: [x, w]).flatMap { $0 }
            return try graph.compile([y] + g + h).run(["x": 0.4, "w": 1.1])
        }
        let looped = try run(unrolled: false), unrolled = try run(unrolled: true)
        #expect(looped[0] == unrolled[0])
        #expect(Self.close(looped, unrolled, 1e-11), "\(looped) vs \(unrolled)")
    }

    @Test func aCarryThatSwapsAndAParameterReturnedAsCarry() throws {
        func run(unrolled: Bool) throws -> [Double] {
            let graph = Graph()
            let (a, b, p) = (graph.input("a"), graph.input("b"), graph.input("p"))
            func step(_ c: [Symbol]) -> [Symbol] { [c[1], c[0] * c[1], p] }
            var carries = [a, b, a]
            if unrolled { for _ in 0..<5 { carries = step(carries) } } else { carries = graph.loop(count: 5, carrying: carries) { _, c in step(c) } }
            let y = carries[0] + carries[1] * carries[2]
            return try graph.compile([y] + graph.gradients(of: y, wrt: [a, b, p])).run(["a": 1.1, "b": 0.9, "p": 2])
        }
        #expect(try run(unrolled: false) == run(unrolled: true))
    }

    @Test func nonFiniteResultsOfALoopAreNamed() throws {
        let graph = Graph()
        let x = graph.input("x")
        let y = graph.loop(count: 2000, carrying: x) { _, x in x * 2 }.named("y")
        #expect(throws: ProgramError.self) { try graph.compile([y]).run(["x": 1]) }
        #expect(try graph.compile([y]).run(["x": 0]) == [0])
    }

    @Test func whileLoopRunsUntilItsConditionFails() throws {
        let graph = Graph()
        let (x, limit) = (graph.input("x"), graph.input("limit"))
        // Doubling x until it reaches the limit; counting the steps in a second carry.
        let result = graph.whileLoop(carrying: [x, graph.constant(0)], condition: { c in limit - c[0] }) { c in [c[0] * 2, c[1] + 1] }
        let program = graph.compile(result)
        #expect(try program.run(["x": 1, "limit": 100]) == [128, 7])
        #expect(try program.run(["x": 200, "limit": 100]) == [200, 0])   // no step at all
        // Forward mode goes through: d(result)/dx along 1 is 2^steps.
        let tangent = graph.jvp(of: result[0], wrt: [x], along: [graph.constant(1)])
        #expect(try graph.compile([tangent]).run(["x": 3, "limit": 100]) == [64])
    }

    @Test func whileLoopThatNeverEndsStopsAtItsLimitWithAnError() throws {
        let graph = Graph()
        let x = graph.input("x")
        let result = graph.whileLoop(carrying: [x], maxIterations: 1000, condition: { c in c[0] }) { c in [c[0] + 1] }
        #expect(throws: ProgramError.iterationLimit(limit: 1000)) { try graph.compile(result).run(["x": 1]) }
        #expect(try graph.compile(result).run(["x": -5]) == [-5])   // −5 is not > 0: no step
        #expect("\(ProgramError.iterationLimit(limit: 1000))" == "a while loop ran 1000 steps (its maxIterations) and its condition still held")
    }

    @Test func condRunsOnlyTheBranchTakenAndDifferentiatesIt() throws {
        let graph = Graph()
        let x = graph.input("x")
        // log(x) would be NaN for x ≤ 0: the branch not taken must not reach the result.
        let y = graph.cond(x, then: { [log(x) * x] }, else: { [x * x * 3] })[0]
        let dy = graph.gradient(of: y, wrt: x)
        let d2y = graph.gradient(of: dy, wrt: x)
        let program = graph.compile([y, dy, d2y])
        let at2 = try program.run(["x": 2])
        #expect(at2 == [log(2.0) * 2, log(2.0) + 1, 0.5])          // x log x: log x + 1, 1/x
        #expect(try program.run(["x": -2]) == [12, -12, 6])         // 3x²: 6x, 6
        let tangent = graph.jvp(of: y, wrt: [x], along: [graph.constant(1)])
        #expect(try graph.compile([tangent]).run(["x": -1]) == [-6])
    }

    @Test func loopsInsideBranchesAndBranchesInsideLoops() throws {
        let graph = Graph()
        let (x, w) = (graph.input("x"), graph.input("w"))
        let y = graph.loop(count: 6, carrying: x) { _, v in
            graph.cond(v - 0.5, then: { [sin(v * w)] }, else: { [v * v + w] })[0]
        }
        let g = graph.gradients(of: y, wrt: [x, w])
        let h = graph.hessian(of: y, wrt: [x, w])
        let result = try graph.compile([y] + g + h.flatMap { $0 }).run(["x": 0.3, "w": 0.9])
        // By hand, in Double, with forward-mode derivatives (value, d/dx, d/dw) and second order by
        // central differences of the first.
        func reference(_ x: Double, _ w: Double) -> (Double, Double, Double) {
            var (v, dx, dw) = (x, 1.0, 0.0)
            for _ in 0..<6 {
                if v > 0.5 { (v, dx, dw) = (sin(v * w), cos(v * w) * w * dx, cos(v * w) * (w * dw + v)) }
                else { (v, dx, dw) = (v * v + w, 2 * v * dx, 2 * v * dw + 1) }
            }
            return (v, dx, dw)
        }
        let r = reference(0.3, 0.9)
        #expect(Self.close([result[0], result[1], result[2]], [r.0, r.1, r.2], 1e-13))
        let e = 1e-6
        let hxx = (reference(0.3 + e, 0.9).1 - reference(0.3 - e, 0.9).1) / (2 * e)
        let hww = (reference(0.3, 0.9 + e).2 - reference(0.3, 0.9 - e).2) / (2 * e)
        #expect(abs(result[3] - hxx) < 1e-6 * max(1, abs(hxx)) && abs(result[6] - hww) < 1e-6 * max(1, abs(hww)))
        #expect(abs(result[4] - result[5]) < 1e-12)
    }

    @Test func theBackwardLoopReadsTheStoredTanhInsteadOfComputingItAgain() throws {
        let graph = Graph()
        let x = graph.input("x")
        let y = graph.loop(count: 3, carrying: x) { _, x in Self.chainStep(x) }
        let program = graph.compile([y, graph.gradient(of: y, wrt: x)])
        #expect(program.loops.count == 2)
        let backward = try #require(program.loops.first { $0.reversed })
        #expect(!backward.body.instructions.contains { $0.op == .tanh })
        #expect(backward.body.inputNames == ["step", "carry0", "element0", "element1"])   // the trajectory, the stored tanh
        // The listing shows both loops and their bodies.
        let listing = try program.listing(at: ["x": 0.5])
        #expect(listing.contains("loop 0: 3 steps:") && listing.contains("loop 1: 3 steps, from the last to the first:"))
        #expect(listing.contains("r2 = tanh(r2)"))
    }

    @Test func checkpointedLoopsGiveTheSameNumbersAndStoreLess() throws {
        func run(checkpointEvery segment: Int?) throws -> (outputs: [Double], program: Program) {
            let graph = Graph()
            let (x, w) = (graph.input("x"), graph.input("w"))
            let body = { (t: Symbol, c: [Symbol]) -> [Symbol] in [tanh(1.01 * c[0] + 0.1 * w) + 0.001 * t] }
            let y = segment.map { graph.loop(count: 1003, checkpointingEvery: $0, carrying: [x], body) } ?? graph.loop(count: 1003, carrying: [x], body)
            let program = graph.compile([y[0]] + graph.gradients(of: y[0], wrt: [x, w]))
            return (try program.run(["x": 0.5, "w": 0.7]), program)
        }
        let (plain, plainProgram) = try run(checkpointEvery: nil)
        let (checkpointed, program) = try run(checkpointEvery: 32)
        #expect(checkpointed[0] == plain[0])                          // the same steps, the same bits
        #expect(checkpointed[1] == plain[1])                          // dy/dx: a product along the chain
        #expect(Self.close([checkpointed[2]], [plain[2]], 1e-13))     // dy/dw: a sum over the steps
        // The top level runs 31 steps of 32 and 11 left, storing 31 + 11 carries, not 1003.
        #expect(plainProgram.loops.map(\.count).max() == 1003)
        #expect(program.loops.map(\.count).max() == 31)
        #expect(try run(checkpointEvery: 5000).outputs == plain)      // a segment longer than the loop: no checkpoints
    }

    @Test func exportsDrawLoopsAndDerivationsSayTheyCannot() throws {
        let graph = Graph()
        let (x, w) = (graph.input("x"), graph.input("w"))
        let y = graph.loop(count: 4, carrying: x) { _, x in sin(x * w) }.named("y")
        let export = try graph.export(y, at: ["x": 0.5, "w": 2])
        let loopNode = try #require(export.nodes.first { $0.op == "loop" })
        #expect(Set(export.edges.filter { $0.to == loopNode.id }.map(\.from)) == [Int(x.id), Int(w.id)])
        #expect(throws: ProgramError.self) { try graph.derivation(of: y, at: ["x": 0.5, "w": 2]) }
    }
}
