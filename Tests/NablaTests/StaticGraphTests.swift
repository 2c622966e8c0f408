import Testing
@testable import Nabla

@Suite("Static graphs")
struct StaticGraphTests {
    @Test func missingAndUnknownInputsAreNamed() {
        let graph = Graph()
        let (x, y) = (graph.input("x"), graph.input("y"))
        let program = graph.compile([x * y])
        #expect(throws: ProgramError.missingInput("y")) { try program.run(["x": 1]) }
        #expect(throws: ProgramError.unknownInput("z", known: ["x", "y"])) { try program.run(["x": 1, "y": 2, "z": 3]) }
        var outputs: [Double] = []
        #expect(throws: ProgramError.wrongInputCount(expected: ["x", "y"], got: 1)) { try program.run([1], into: &outputs) }
        #expect((try? program.run(["x": 2, "y": 3])) == [6])
    }

    @Test func nonFiniteResultsNameTheNodeThatProducedThem() throws {
        let graph = Graph()
        let x = graph.input("x")
        let b = (x - 3).named("b")
        let c = log(b).named("c")
        let program = graph.compile([c * 2])
        let error = try #require(throws: ProgramError.self) { try program.run(["x": 1]) }
        guard case .nonFinite(let node, let value, let operation) = error else { Issue.record("\(error)"); return }
        #expect(node == "c" && value.isNaN && operation == "log(b = -2)")
        #expect("\(error)" == "c is nan: log(b = -2) is not finite")
        #expect(throws: ProgramError.self) { try graph.compile([1 / (x - 1)]).run(["x": 1]) }   // division by zero
        #expect(throws: ProgramError.self) { try graph.compile([exp(x)]).run(["x": 1000]) }     // overflow
        #expect((try? program.run(["x": 4])) == [0])
    }

    @Test func compilationRemovesDeadNodesAndMergesDuplicates() throws {
        let graph = Graph()
        let x = graph.input("x")
        _ = exp(sin(x)) * 100                  // not requested
        let y = tanh(x) + tanh(x)              // the same node twice
        let program = graph.compile([y])
        #expect(program.instructionCount == 2)  // one tanh, one add
        #expect(try program.run(["x": 0.5]) == [2 * _tanh(0.5)])
    }

    @Test func constantsAreFoldedExactly() {
        let graph = Graph()
        let x = graph.input("x")
        let y = x * (graph.constant(2) * 3) + graph.constant(1) * 0.5
        #expect(graph.compile([y]).instructionCount == 2)   // mul_const 6, add_const 0.5
    }

    @Test func positionalRunsReuseTheirOutputs() throws {
        let graph = Graph()
        let (a, o) = (graph.input("a"), graph.input("o"))
        let g = Tutorial.graph(a: a, o: o).g
        let program = graph.compile([g] + graph.gradients(of: g, wrt: [a, o]))
        var outputs: [Double] = []
        for a in stride(from: -2.0, through: 2, by: 0.5) {
            try program.run([a, 1], into: &outputs)
            #expect(outputs[1] == Tutorial.expectedGradientA(d: 5 * (5 - 3 * a) + 6))
        }
    }

    @Test func capturedDynamicGraphsRunWithNewInputs() throws {
        let x = Value(0.5, requiresGrad: true, name: "x")
        let y = sigmoid(x * 2) * tanh(x) + 1
        let graph = Graph()
        let captured = graph.capture(y)
        #expect(graph.inputNames == ["x"])
        let program = graph.compile([captured, graph.gradient(of: captured, wrt: graph.input("x"))])
        let at = try program.run(["x": 0.5])
        #expect(at == [y.data, y.gradient(wrt: x)])
        let elsewhere = try program.run(["x": -1.25])
        let x2 = Value(-1.25, requiresGrad: true)
        let y2 = sigmoid(x2 * 2) * tanh(x2) + 1
        #expect(elsewhere == [y2.data, y2.gradient(wrt: x2)])
    }

    @Test func programsNeedOnlyTheInputsTheirOutputsUse() throws {
        let graph = Graph()
        let (x, _) = (graph.input("x"), graph.input("unused"))
        let program = graph.compile([x * 2])
        #expect(program.inputNames == ["x"])
        #expect(try program.run(["x": 1]) == [2])
        #expect(try program.run(["x": 1, "unused": 5]) == [2])
    }

    @Test func gradientsWithRespectToUnusedNodesAreZero() throws {
        let graph = Graph()
        let (x, unused) = (graph.input("x"), graph.input("u"))
        let dy = graph.gradient(of: x * x, wrt: unused)
        #expect(try graph.compile([dy]).run(["x": 3, "u": 1]) == [0])
    }
}

import Foundation
private func _tanh(_ x: Double) -> Double { Foundation.tanh(x) }
