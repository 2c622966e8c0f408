#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Nabla

/// W3 (micrograd's demo step) and the digits epoch.
enum TrainingWorkloads {
    /// W3's data: 100 two-moons points from LCG(42), labels ±1 (WORKLOADS.md, exactly).
    static func moons() -> (points: [[Double]], labels: [Double]) {
        let data = TwoMoons.generate(count: 100, noise: 0.1, seed: 42)
        return (data.points, data.labels)
    }

    /// WORKLOADS.md's W3 loss trajectory: the loss before the update at these steps, and after
    /// 100 steps (relative tolerance 1e-12 early, 1e-9 at step 99 and after).
    static let trajectory: [Int: Double] = [
        0: 2.122264232169825, 1: 1.8815118599611462, 2: 2.5334266949659914, 5: 0.29510522094952096,
        10: 0.2342757994920386, 20: 0.18009358107819948, 50: 0.0173269475681867, 99: 0.011098996084844916,
    ]
    static let lossAfter100 = 0.011098512173890306

    static func checkTrajectory(_ engine: String, _ losses: [Double], final: Double) -> Double {
        var worst = 0.0
        for (step, expected) in trajectory {
            let error = Swift.abs(losses[step] - expected) / expected
            precondition(error < (step < 50 ? 1e-12 : 1e-9), "micrograd-demo-step \(engine): loss at step \(step) = \(losses[step]), expected \(expected)")
            worst = Swift.max(worst, error)
        }
        precondition(Swift.abs(final - lossAfter100) / lossAfter100 < 1e-9, "micrograd-demo-step \(engine): loss after 100 steps = \(final)")
        return worst
    }

    /// Runs W3's 100 steps from a fresh model with `step(k) -> loss`, timing each; the record
    /// is the median over steps 1… (WORKLOADS.md), after the trajectory is checked.
    static func demoRecord(_ engine: String, nodes: Int?, _ makeStep: () -> (Int) -> Double, final: () -> Double) -> Record {
        let step = makeStep()
        var losses: [Double] = [], times: [Double] = []
        for k in 0..<100 {
            let start = Harness.now()
            losses.append(step(k))
            times.append(Harness.now() - start)
        }
        let worst = checkTrajectory(engine, losses, final: final())
        let sorted = times.dropFirst().sorted()
        var extra: [(String, String)] = [("threads", "1"), ("best", number(sorted[0] * 1000)), ("steps", "99"),
                                         ("loss_step0", number(losses[0])), ("max_rel_error", number(worst))]
        if let nodes { extra.append(("graph_nodes", "\(nodes)")) }
        return Record(workload: "micrograd-demo-step", engine: engine, metric: "time_per_step", value: sorted[sorted.count / 2] * 1000,
                      unit: "ms", extra: extra)
    }

    static func microgradDemoStep(_ harness: Harness) -> [Record] {
        let (points, labels) = moons()
        var records: [Record] = []
        for engine in MicrogradDemo.ScalarEngine.allCases {
            var model = ScalarMLP(2, [16, 16, 1])
            var nodes = 0
            if engine == .tape {
                // The graph's size, counted once on the tape.
                nodes = GradientTape.record { tape in
                    let parameters = model.parameters.map { tape.track($0) }
                    let scores = points.map { model.forward($0.map { tape.constant($0) }, parameters: parameters)[0] }
                    _ = MicrogradDemo.loss(scores: scores, labels: labels, parameters: parameters)
                    return tape.nodeCount
                }
            }
            records.append(demoRecord("nabla-\(engine.rawValue)", nodes: engine == .tape ? nodes : nil, {
                model = ScalarMLP(2, [16, 16, 1])
                return { k in MicrogradDemo.step(model, points: points, labels: labels, step: k, engine: engine).loss }
            }, final: {
                MicrogradDemo.step(model, points: points, labels: labels, step: 100, engine: engine).loss
            }))
        }
        // The same network and loss as float64 tensors, batched: dynamic, then compiled.
        let x = NDArray(points), targets = NDArray<Double>(shape: [labels.count, 1], checkedScalars: labels)
        for engine in ["nabla-tensor-dynamic", "nabla-tensor-static"] {
            var model = MicrogradDemo.tensorModel(from: ScalarMLP(2, [16, 16, 1]))
            var compiled = CompiledModel(model, loss: .hinge(l2: MicrogradDemo.alpha))
            var sgd = SGD(model.parameters, learningRate: 1)
            func step(_ k: Int) -> Double {
                sgd.learningRate = MicrogradDemo.learningRate(step: k)
                if engine == "nabla-tensor-static" {
                    let result = try! compiled.trainingStep(inputs: x, targets: targets)
                    sgd.step(gradients: result.gradients)
                    return Double(result.loss)
                }
                let loss = Loss.hinge(l2: MicrogradDemo.alpha)(model(Tensor(x)), Tensor(targets), parameters: model.parameters)
                model.zeroGrad()
                loss.backward()
                sgd.step()
                return loss.scalar
            }
            records.append(demoRecord(engine, nodes: nil, {
                model = MicrogradDemo.tensorModel(from: ScalarMLP(2, [16, 16, 1]))
                compiled = CompiledModel(model, loss: .hinge(l2: MicrogradDemo.alpha))
                sgd = SGD(model.parameters, learningRate: 1)
                return step
            }, final: { step(100) }))
        }
        return records
    }
}

extension TrainingWorkloads {
    /// digits-epoch (BENCHMARKS.md): one epoch of Adam on the 8×8 digits' 1,437 training images
    /// with the 64-128-128-10 ReLU MLP, batches of 32 (the last of 29) in a seeded order that
    /// changes every epoch; the median over 20 epochs after 2 warm-up epochs, training going on.
    static func digitsEpoch(_ harness: Harness) -> [Record] {
        digitsEpoch(.mlp, workload: "digits-epoch")
    }

    /// digits-cnn-epoch (BENCHMARKS.md): digits-epoch with `nabla train digits --model cnn`'s
    /// model (conv 1→16, relu, max-pool, conv 16→32, relu, max-pool, linear 128→10) on the
    /// images as [n, 1, 8, 8].
    static func digitsCNNEpoch(_ harness: Harness) -> [Record] {
        digitsEpoch(.cnn, workload: "digits-cnn-epoch")
    }

    /// `NABLA_BENCH_MODE=dynamic` or `static` runs the digits epochs in that mode only, and
    /// `NABLA_BENCH_THREADS=1` or `2` with that many threads only (for profiling one case);
    /// unset, every case runs.
    static var profiledMode: String? { getenv("NABLA_BENCH_MODE").map { String(cString: $0) } }
    static var profiledThreads: [Int]? { getenv("NABLA_BENCH_THREADS").flatMap { Int(String(cString: $0)) }.map { [$0] } }

    static func digitsEpoch(_ architecture: Experiment.Architecture, workload: String) -> [Record] {
        let (train, test) = try! Digits.load().split(asImages: architecture == .cnn)
        let loader = try! BatchLoader(train, batchSize: 32, shuffle: true, seed: 0)
        var records: [Record] = []
        for threads in profiledThreads ?? [1, 2] {
            Kernels.threads = threads
            for mode in ExecutionMode.allCases where profiledMode.map({ $0 == "\(mode)" }) ?? true {
                let model = Experiment.digitsModel(architecture, seed: 0)
                let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(model.parameters, learningRate: 1e-3),
                                      mode: mode, classes: 10)
                var times: [Double] = []
                for epoch in 0..<22 {
                    let start = Harness.now()
                    for batch in loader.batches(epoch: epoch) { _ = try! trainer.step(inputs: batch.inputs, labels: batch.labels) }
                    if epoch >= 2 { times.append(Harness.now() - start) }
                }
                let trainAccuracy = try! trainer.evaluate(train).accuracy, testAccuracy = try! trainer.evaluate(test).accuracy
                precondition(trainAccuracy > 0.95, "\(workload) nabla-\(mode): train accuracy \(trainAccuracy) after 22 epochs")
                times.sort()
                records.append(Record(workload: workload, engine: "nabla-\(mode)", metric: "epoch_ms", value: times[times.count / 2] * 1000,
                                      unit: "ms", extra: [("threads", "\(threads)"), ("best", number(times[0] * 1000)), ("rounds", "20"),
                                                          ("iters", "1"), ("batches", "\(loader.numberOfBatches)"),
                                                          ("train_accuracy", number(trainAccuracy)), ("test_accuracy", number(testAccuracy))]))
            }
        }
        Kernels.threads = 1
        return records
    }
}
