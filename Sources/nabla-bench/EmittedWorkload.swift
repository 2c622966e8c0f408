import Nabla

/// W1 through emitted code: `emittedTutorial` (TutorialEmitted.swift, written by `nabla emit`
/// from the tutorial's program and compiled into this benchmark) against the compiled static
/// program (`Program.run`, as `tutorial-static`), measured in the same run. The peer is Swift's
/// `_Differentiation` on the same function (Benchmarks/peers/differentiation/, run by
/// Benchmarks/peers/swift_differentiation.sh), timed by the same harness. Each is timed twice:
/// inlined into the timing loop (`nabla-emitted-swift`; the optimiser may then vectorise across
/// repetitions, as it may the peer's) and through a call that is never inlined
/// (`nabla-emitted-swift-call`).
enum EmittedWorkload {
    /// The inputs of each repetition, read from memory so that the optimiser cannot fold the
    /// computation into constants or hoist it out of the timing loop: all (a, o) = (2, 1).
    static let inputs: [(a: Double, o: Double)] = (0..<1024).map { _ in (2, 1) }

    /// `emittedTutorial`, never inlined into its caller.
    @inline(never)
    static func emittedTutorialNotInlined(_ a: Double, _ o: Double) -> (g: Double, dg_da: Double, dg_do: Double) {
        emittedTutorial(a: a, o: o)
    }

    /// `Harness.measure`, as a function of this file, so that the optimiser treats the timing
    /// loop as it treats the peer's copy (Benchmarks/peers/differentiation/main.swift), which is
    /// the same code: inlined into the caller with the closure, the loop around each
    /// repetition is the same in both programs.
    @inline(__always)
    static func measure(_ harness: Harness, _ body: () -> Void) -> Harness.Timing {
        var k = 1
        while true {
            let start = Harness.now()
            for _ in 0..<k { body() }
            let elapsed = Harness.now() - start
            if elapsed >= harness.roundSeconds / 4 || k >= 1 << 30 {
                k = Swift.max(1, Int(Double(k) * harness.roundSeconds / Swift.max(elapsed, 1e-9)))
                break
            }
            k *= 4
        }
        var perRep: [Double] = []
        for _ in 0..<harness.rounds {
            let start = Harness.now()
            for _ in 0..<k { body() }
            perRep.append((Harness.now() - start) / Double(k))
        }
        perRep.sort()
        return Harness.Timing(median: perRep[perRep.count / 2], best: perRep[0], rounds: harness.rounds, iterations: k)
    }

    static func run(_ harness: Harness) -> [Record] {
        let inputs = Self.inputs   // a local: no lazy global's accessor in the loop
        // Each repetition's results are stored (1024 slots, reused), so that no repetition's
        // work can be dropped as dead: a pure function's result kept only in a variable lets
        // the optimiser run the last repetition alone.
        let sink = UnsafeMutablePointer<(g: Double, dg_da: Double, dg_do: Double)>.allocate(capacity: 1024)
        defer { sink.deallocate() }
        var k = 0
        let emitted = measure(harness) {
            let j = k & 1023
            k &+= 1
            sink[j] = emittedTutorial(a: inputs[j].a, o: inputs[j].o)
        }
        blackHole(sink)
        var check = sink[(k - 1) & 1023]
        precondition(check == (47, -432, -1), "tutorial-emitted computed \(check)")
        // The same through a call the optimiser may not inline: one call per repetition, as
        // from another module, with no vectorising across repetitions.
        let called = measure(harness) {
            let j = k & 1023
            k &+= 1
            sink[j] = emittedTutorialNotInlined(inputs[j].a, inputs[j].o)
        }
        blackHole(sink)
        check = sink[(k - 1) & 1023]
        precondition(check == (47, -432, -1), "tutorial-emitted (not inlined) computed \(check)")

        let graph = Graph()
        let (a, o) = (graph.input("a"), graph.input("o"))
        let g = Tutorial.graph(a: a, o: o).g
        let program = graph.compile([g] + graph.gradients(of: g, wrt: [a, o]))
        var operands = [2.0, 1.0]
        var outputs = [0.0, 0.0, 0.0]
        let compiled = measure(harness) {
            let input = inputs[k & 1023]
            k &+= 1
            (operands[0], operands[1]) = (input.a, input.o)
            try! program.run(operands, into: &outputs)
            blackHole(outputs)
        }
        precondition(outputs == [47, -432, -1], "tutorial-static computed \(outputs)")
        return [("nabla-emitted-swift", emitted), ("nabla-emitted-swift-call", called), ("nabla-static", compiled)].map { engine, timing in
            Record(workload: "tutorial-emitted", engine: engine, metric: "time_per_rep", value: timing.median * 1e9, unit: "ns",
                   extra: Workloads.timingFields(timing, scale: 1e9))
        }
    }
}
