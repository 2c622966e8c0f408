import Nabla

/// `chain-scan`: W2's chain (x ← tanh(1.01·x + 0.1) from x₀ = 0.5, N = 1,000,000 steps) as a
/// static graph's compiled loop (`Graph.loop`), with dx_N/dx₀; the peer is
/// Benchmarks/peers/jax_chain_scan.py (`jax.jit(jax.value_and_grad(fori_loop))`). The same
/// program written out by `Program.source(in: .swift)` (ChainScanEmitted.swift, compiled into
/// this benchmark: two `for` loops) is timed in the same run (`nabla-emitted-swift`).
enum LoopWorkloads {
    static let expected: [Int: (value: Double, gradient: Double)] = [
        10: (0.6206833317225723, 0.012573678074345949),
        100: (0.6219347411545191, 2.366974524963232e-21),
        1000: (0.6219347411545191, 1.2692950621883635e-208),
    ]

    /// The graph, its gradient and the compiled program for `steps` steps.
    static func compiledChain(steps: Int) -> Program {
        let graph = Graph()
        let x0 = graph.input("x0")
        let x = graph.loop(count: steps, carrying: x0) { _, x in tanh(x * 1.01 + 0.1) }
        return graph.compile([x, graph.gradient(of: x, wrt: x0)])
    }

    /// `x`, through a call the optimiser cannot see into (no folding or hoisting of the work).
    @inline(never) static func opaque(_ x: Double) -> Double { x }

    static func chainScan(_ harness: Harness, steps: Int = 1_000_000) -> [Record] {
        // Correctness first (untimed): WORKLOADS.md's table to 1e-12 relative.
        for (n, (value, gradient)) in expected.sorted(by: { $0.key < $1.key }) {
            let outputs = try! compiledChain(steps: n).run(["x0": 0.5])
            precondition(Swift.abs(outputs[0] - value) <= 1e-12 * value && Swift.abs(outputs[1] - gradient) <= 1e-12 * gradient,
                         "chain-scan: N = \(n) gave \(outputs), expected (\(value), \(gradient))")
        }
        let common: [(String, String)] = [("n", "\(steps)"), ("threads", "1")]
        let start = Harness.now()
        let program = compiledChain(steps: steps)
        let compiled = Harness.now()
        var outputs: [Double] = []
        try! program.run([0.5], into: &outputs)
        let firstCall = Harness.now()
        precondition(Swift.abs(outputs[0] - 0.6219347411545191) < 1e-15 && outputs[1] < 1e-300 && outputs[1].isFinite,
                     "chain-scan: N = \(steps) gave \(outputs)")
        let steady = harness.measure { try! program.run([0.5], into: &outputs) }
        // The same with checkpoints every 1,000 steps (√N): 2,000 stored numbers instead of 10⁶.
        let checkpointed: Program = {
            let graph = Graph()
            let x0 = graph.input("x0")
            let x = graph.loop(count: steps, checkpointingEvery: 1000, carrying: [x0]) { _, x in [tanh(x[0] * 1.01 + 0.1)] }[0]
            return graph.compile([x, graph.gradient(of: x, wrt: x0)])
        }()
        var checkedOutputs: [Double] = []
        try! checkpointed.run([0.5], into: &checkedOutputs)
        precondition(checkedOutputs == outputs, "chain-scan: checkpointed \(checkedOutputs) against \(outputs)")
        let steadyCheckpointed = harness.measure { try! checkpointed.run([0.5], into: &checkedOutputs) }
        // The emitted code computes the same numbers, bit for bit.
        var emitted = emittedChain(x0: 0.5)
        precondition(steps != 1_000_000 || (emitted.x == outputs[0] && emitted.dx_dx0 == outputs[1]),
                     "chain-scan: the emitted code gave \(emitted), Program.run \(outputs)")
        let emittedSteady = harness.measure { emitted = emittedChain(x0: opaque(0.5)); blackHole(emitted.dx_dx0) }
        return [
            Record(workload: "chain-scan", engine: "nabla-static-loop", metric: "build_and_compile_seconds",
                   value: compiled - start, unit: "s", extra: common),
            Record(workload: "chain-scan", engine: "nabla-static-loop", metric: "compile_plus_first_call_seconds",
                   value: firstCall - start, unit: "s", extra: common),
            Record(workload: "chain-scan", engine: "nabla-static-loop", metric: "steady_forward_backward_seconds",
                   value: steady.median, unit: "s", extra: common + [("best", number(steady.best))]),
            Record(workload: "chain-scan", engine: "nabla-static-loop-checkpoint-1000", metric: "steady_forward_backward_seconds",
                   value: steadyCheckpointed.median, unit: "s", extra: common + [("best", number(steadyCheckpointed.best))]),
            Record(workload: "chain-scan", engine: "nabla-emitted-swift", metric: "steady_forward_backward_seconds",
                   value: emittedSteady.median, unit: "s", extra: common + [("best", number(emittedSteady.best))]),
        ]
    }
}
