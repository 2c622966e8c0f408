import Nabla

/// W1 through emitted code: `emittedTutorial` (TutorialEmitted.swift, written by `nabla emit`
/// from the tutorial's program and compiled into this benchmark) against the compiled static
/// program (`Program.run`, as `tutorial-static`), measured in the same run. The peer is Swift's
/// `_Differentiation` on the same function (Benchmarks/peers/differentiation/, run by
/// Benchmarks/peers/swift_differentiation.sh), timed by the same harness.
enum EmittedWorkload {
    /// The inputs of each repetition, read from memory so that the optimiser cannot fold the
    /// computation into constants or hoist it out of the timing loop: all (a, o) = (2, 1).
    static let inputs: [(a: Double, o: Double)] = (0..<1024).map { _ in (2, 1) }

    static func run(_ harness: Harness) -> [Record] {
        var k = 0
        var check = (g: 0.0, dg_da: 0.0, dg_do: 0.0)
        let emitted = harness.measure {
            let input = inputs[k & 1023]
            k &+= 1
            check = emittedTutorial(a: input.a, o: input.o)
            blackHole(check)
        }
        precondition(check == (47, -432, -1), "tutorial-emitted computed \(check)")

        let graph = Graph()
        let (a, o) = (graph.input("a"), graph.input("o"))
        let g = Tutorial.graph(a: a, o: o).g
        let program = graph.compile([g] + graph.gradients(of: g, wrt: [a, o]))
        var operands = [2.0, 1.0]
        var outputs = [0.0, 0.0, 0.0]
        let compiled = harness.measure {
            let input = inputs[k & 1023]
            k &+= 1
            (operands[0], operands[1]) = (input.a, input.o)
            try! program.run(operands, into: &outputs)
            blackHole(outputs)
        }
        precondition(outputs == [47, -432, -1], "tutorial-static computed \(outputs)")
        return [("nabla-emitted-swift", emitted), ("nabla-static", compiled)].map { engine, timing in
            Record(workload: "tutorial-emitted", engine: engine, metric: "time_per_rep", value: timing.median * 1e9, unit: "ns",
                   extra: Workloads.timingFields(timing, scale: 1e9))
        }
    }
}
