import Nabla

/// The workloads of issue 2, as Benchmarks/WORKLOADS.md defines them (W1 and W2).
enum Workloads {
    static let all = ["tutorial-dynamic", "tutorial-static", "tutorial-emitted", "chain-10m", "matmul", "perop", "mlp-step", "micrograd-demo-step", "digits-epoch", "digits-cnn-epoch", "reduction", "mlp-jvp", "jacobian-4x256", "chain-scan"]

    static func run(_ name: String, harness: Harness) -> [Record] {
        switch name {
        case "tutorial-dynamic": tutorialDynamic(harness)
        case "tutorial-static": tutorialStatic(harness)
        case "tutorial-emitted": EmittedWorkload.run(harness)
        case "tutorial-breakdown": Breakdown.run(harness) + Breakdown.scoped(harness)
        case "matmul": MatmulWorkload.run(harness)
        case "perop": TensorWorkloads.perOp(harness) + TensorWorkloads.perOpStatic(harness)
        case "mlp-step": TensorWorkloads.mlpStep(harness)
        case "micrograd-demo-step": TrainingWorkloads.microgradDemoStep(harness)
        case "digits-epoch": TrainingWorkloads.digitsEpoch(harness)
        case "digits-cnn-epoch": TrainingWorkloads.digitsCNNEpoch(harness)
        case "anomaly-overhead": AnomalyWorkload.run(harness)
        case "perop-elementwise": ElementwiseWorkload.run(harness)
        case "reduction": ReductionWorkload.run(harness)
        case "patches": PatchesWorkload.run(harness)
        case "step-products": StepProductsWorkload.run(harness)
        case "mlp-jvp": ForwardWorkloads.mlpJVP(harness)
        case "jacobian-4x256": ForwardWorkloads.jacobian4x256(harness)
        case "chain-scan": LoopWorkloads.chainScan(harness)
        // One engine alone on one thread, or on NABLA_BENCH_THREADS (for profiling).
        case "mlp-step-dynamic": TensorWorkloads.mlpStep(harness, threads: TrainingWorkloads.profiledThreads ?? [1], static: false)
        case "mlp-step-static": TensorWorkloads.mlpStepStatic(harness, TensorWorkloads.MLPData(), threads: TrainingWorkloads.profiledThreads ?? [1])
        // The 10,000,000-node chain: 3,333,334 steps of three nodes (W2 counts steps).
        case "chain-10m": chain(steps: 3_333_334, name: name, engines: ["dynamic", "static"])
        case _ where DistributedWorkloads.names.contains(name): DistributedWorkloads.run(name)
        default:
            // chain-N, chain-dynamic-N, chain-static-N: the chain at N steps in both or one engine.
            if name.hasPrefix("checkpoint-mlp-"), let k = Int(name.dropFirst("checkpoint-mlp-".count)), k >= 0 {
                CheckpointWorkload.run(every: k)
            } else if name.hasPrefix("chain-"), let n = Int(name.split(separator: "-").last!) {
                chain(steps: n, name: name, engines: name.contains("static") ? ["static"] : name.contains("dynamic") ? ["dynamic"] : ["dynamic", "static"])
            } else { [] }
        }
    }

    /// W1, dynamic: create the leaves, build the graph (computing it), run backward, read both
    /// gradients. Nothing is reused between repetitions.
    static func tutorialDynamic(_ harness: Harness) -> [Record] {
        var check = (0.0, 0.0, 0.0)
        let timing = harness.measure {
            let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
            let g = Tutorial.graph(a: a, o: o).g
            g.backward()
            check = (g.data, a.grad, o.grad)
            blackHole(check)
        }
        precondition(check == (47, -432, -1), "tutorial-dynamic computed \(check)")
        // The same unit in a GradientTape scope: values are indices into a reused tape.
        var scoped = (0.0, 0.0, 0.0)
        let scopedTiming = harness.measure {
            scoped = GradientTape.record { tape in
                let a = tape.variable(2), o = tape.variable(1)
                let g = Tutorial.graph(a: a, o: o).g
                tape.backward(g)
                return (g.data, a.grad, o.grad)
            }
            blackHole(scoped)
        }
        precondition(scoped == (47, -432, -1), "tutorial-dynamic (scoped) computed \(scoped)")
        return [Record(workload: "tutorial-dynamic", engine: "nabla-dynamic", metric: "time_per_rep",
                       value: timing.median * 1e9, unit: "ns", extra: timingFields(timing, scale: 1e9)),
                Record(workload: "tutorial-dynamic", engine: "nabla-gradient-tape", metric: "time_per_rep",
                       value: scopedTiming.median * 1e9, unit: "ns", extra: timingFields(scopedTiming, scale: 1e9))]
    }

    /// W1, static: the compiled program giving g, dg/da and dg/do, one run per repetition.
    static func tutorialStatic(_ harness: Harness) -> [Record] {
        let graph = Graph()
        let (a, o) = (graph.input("a"), graph.input("o"))
        let g = Tutorial.graph(a: a, o: o).g
        let compileStart = Harness.now()
        let program = graph.compile([g] + graph.gradients(of: g, wrt: [a, o]))
        let compileTime = Harness.now() - compileStart
        let inputs = [2.0, 1.0]
        var outputs = [0.0, 0.0, 0.0]
        let timing = harness.measure {
            try! program.run(inputs, into: &outputs)
            blackHole(outputs)
        }
        precondition(outputs == [47, -432, -1], "tutorial-static computed \(outputs)")
        return [Record(workload: "tutorial-static", engine: "nabla-static", metric: "time_per_rep",
                       value: timing.median * 1e9, unit: "ns",
                       extra: timingFields(timing, scale: 1e9) + [("instructions", "\(program.instructionCount)"),
                                                                  ("build_and_compile_s", number(compileTime))])]
    }

    /// W2: x ← tanh(x·1.01 + 0.1) for `steps` steps (three nodes each) from x₀ = 0.5, then
    /// backward once. Single shot.
    static func chain(steps: Int, name: String, engines: Set<String>) -> [Record] {
        var records: [Record] = []
        let nodes = 3 * steps
        let common: [(String, String)] = [("n", "\(steps)"), ("nodes", "\(nodes)"), ("threads", "1")]
        /// Checks a dynamic engine's result and reports its times.
        func dynamicRecords(_ engine: String, start: Double, forward: Double, backward: Double,
                            value: Double, gradient: Double) -> [Record] {
            precondition(Swift.abs(value - 0.6219347411545191) < 1e-15 || steps < 1000, "\(engine): chain value \(value)")
            precondition(gradient.isFinite, "\(engine): chain gradient \(gradient)")
            let total = backward - start
            return [("forward_time", forward - start, "s"), ("backward_time", backward - forward, "s"),
                    ("total_time", total, "s"), ("ns_per_node_total", total / Double(nodes) * 1e9, "ns")].map {
                Record(workload: name, engine: engine, metric: $0.0, value: $0.1, unit: $0.2, extra: common)
            }
        }
        if engines.contains("dynamic") {
            let start = Harness.now()
            let x0 = Value(0.5, requiresGrad: true)
            var x = x0
            for _ in 0..<steps { x = tanh(x * 1.01 + 0.1) }
            let forward = Harness.now()
            x.backward()
            records += dynamicRecords("nabla-dynamic", start: start, forward: forward, backward: Harness.now(),
                                      value: x.data, gradient: x0.grad)

            let tapeStart = Harness.now()
            let (value, gradient, tapeForward) = GradientTape.record { tape in
                let x0 = tape.variable(0.5)
                var x = x0
                for _ in 0..<steps { x = tanh(x * 1.01 + 0.1) }
                let forward = Harness.now()
                tape.backward(x)
                return (x.data, x0.grad, forward)
            }
            records += dynamicRecords("nabla-gradient-tape", start: tapeStart, forward: tapeForward, backward: Harness.now(),
                                      value: value, gradient: gradient)
        }
        if engines.contains("static") {
            let start = Harness.now()
            let graph = Graph()
            let x0 = graph.input("x0")
            var x = x0
            for _ in 0..<steps { x = tanh(x * 1.01 + 0.1) }
            let built = Harness.now()
            let gradient = graph.gradient(of: x, wrt: x0)
            let differentiated = Harness.now()
            let program = graph.compile([x, gradient])
            let compiled = Harness.now()
            let outputs = try! program.run(["x0": 0.5])
            let ran = Harness.now()
            precondition(outputs[1] < 1e-300 || steps < 100_000, "static: chain gradient \(outputs[1])")
            records += [
                Record(workload: name, engine: "nabla-static", metric: "build_time", value: built - start, unit: "s", extra: common),
                Record(workload: name, engine: "nabla-static", metric: "gradient_time", value: differentiated - built, unit: "s", extra: common),
                Record(workload: name, engine: "nabla-static", metric: "compile_time", value: compiled - differentiated, unit: "s", extra: common),
                Record(workload: name, engine: "nabla-static", metric: "run_time", value: ran - compiled, unit: "s", extra: common),
                Record(workload: name, engine: "nabla-static", metric: "total_time", value: ran - start, unit: "s", extra: common),
            ]
        }
        return records
    }

    static func timingFields(_ t: Harness.Timing, scale: Double) -> [(String, String)] {
        [("best", number(t.best * scale)), ("rounds", "\(t.rounds)"), ("iters", "\(t.iterations)"), ("threads", "1")]
    }
}
