#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Nabla

/// W6 and W4 of Benchmarks/WORKLOADS.md on the dynamic tensor engine.
enum TensorWorkloads {
    /// W6: y = x; 1,000 times y = y·1.0001 or y + 0.0001 alternately; L = Σy; L and dL/dx.
    /// The tensor is created inside the timed unit.
    static func perOp(_ harness: Harness) -> [Record] {
        var records: [Record] = []
        for size in [1, 8] {
            var gradient: Float = 0
            let timing = harness.measure {
                let x = Tensor<Float>(NDArray.ones([size]), requiresGrad: true)
                var y = x
                for i in 0..<1000 { y = i % 2 == 0 ? y * 1.0001 : y + 0.0001 }
                y.sum().backward()
                gradient = x.grad!.scalars[0]
                blackHole(gradient)
            }
            precondition(Swift.abs(Double(gradient) - 1.0512770414352417) < 1e-5, "perop: dL/dx = \(gradient)")
            records.append(Record(workload: "perop", engine: "nabla-dynamic", metric: "us_per_op_fwd_bwd",
                                  value: timing.median / 1000 * 1e6, unit: "µs",
                                  extra: [("size", "\(size)")] + Workloads.timingFields(timing, scale: 1e6 / 1000)))
        }
        return records
    }

    /// W6 in the static mode: the 1,000-op chain and its gradient compiled once; the timed unit
    /// is one run of the program (value and dL/dx), with the input made inside it.
    static func perOpStatic(_ harness: Harness) -> [Record] {
        var records: [Record] = []
        for size in [1, 8] {
            let graph = TensorGraph<Float>()
            let x = graph.input("x", shape: [size])
            var y = x
            for i in 0..<1000 { y = i % 2 == 0 ? y * 1.0001 : y + 0.0001 }
            let loss = y.sum()
            let program = try! graph.compile([loss] + graph.gradients(of: loss, wrt: [x]))
            var gradient: Float = 0
            let timing = harness.measure {
                let outputs = try! program.run(["x": NDArray.ones([size])])
                gradient = outputs[1].scalars[0]
                blackHole(outputs)
            }
            precondition(Swift.abs(Double(gradient) - 1.0512770414352417) < 1e-5, "perop static: dL/dx = \(gradient)")
            records.append(Record(workload: "perop", engine: "nabla-static", metric: "us_per_op_fwd_bwd",
                                  value: timing.median / 1000 * 1e6, unit: "µs",
                                  extra: [("size", "\(size)")] + Workloads.timingFields(timing, scale: 1e6 / 1000)))
        }
        return records
    }

    /// W4's data: X[64][784] from LCG(7), W1, W2, W3 from one LCG(8), all drawn in Double and
    /// rounded to Float; labels i mod 10; zero biases.
    struct MLPData {
        /// W4's step on dynamic tensors, with fresh parameters: forward, cross-entropy, backward
        /// and, when `updating`, plain SGD at 0.01. Returns the loss. With `fused`, each layer is
        /// one fused product (`Tensor.matmul(_:_:transposingA:transposingB:bias:activation:)`:
        /// the kernel adds the bias and applies relu as it writes), the same numbers bit for bit.
        func dynamicStep(updating: Bool, fused: Bool = false) -> () -> Float {
            let parameters = weights.map { Tensor($0, requiresGrad: true) }
                + [256, 128, 10].map { Tensor(NDArray<Float>.zeros([$0]), requiresGrad: true) }
            let x = Tensor(self.x), labels = self.labels
            func layer(_ x: Tensor<Float>, _ w: Tensor<Float>, _ b: Tensor<Float>, _ activation: Activation) -> Tensor<Float> {
                fused ? Tensor.matmul(x, w, transposingA: false, transposingB: false, bias: b, activation: activation) : activation(x.matmul(w) + b)
            }
            return {
                let (w1, w2, w3, b1, b2, b3) = (parameters[0], parameters[1], parameters[2], parameters[3], parameters[4], parameters[5])
                let h1 = layer(x, w1, b1, .relu)
                let h2 = layer(h1, w2, b2, .relu)
                let loss = layer(h2, w3, b3, .identity).crossEntropy(labels: labels)
                for p in parameters { p.zeroGrad() }
                loss.backward()
                if updating {
                    // p -= 0.01·grad in place, as PyTorch's `p -= lr * p.grad` under no_grad.
                    for p in parameters {
                        let gradient = p.grad!
                        p.updateData { $0.updateEach(with: gradient) { $0 + $1 * -0.01 } }
                    }
                }
                return loss.scalar
            }
        }

        var x: NDArray<Float>
        var labels: [Int]
        var weights: [NDArray<Float>]

        init() {
            var rng = SeededGenerator(seed: 7)
            func uniform(_ lo: Double, _ hi: Double) -> Float { Float(lo + (hi - lo) * rng.nextUnit()) }
            x = NDArray(shape: [64, 784], checkedScalars: (0..<64 * 784).map { _ in uniform(-1, 1) })
            labels = (0..<64).map { $0 % 10 }
            rng = SeededGenerator(seed: 8)
            weights = [(784, 256), (256, 128), (128, 10)].map { fanIn, fanOut in
                let bound = 1.0 / Double(fanIn).squareRoot()
                return NDArray(shape: [fanIn, fanOut], checkedScalars: (0..<fanIn * fanOut).map { _ in uniform(-bound, bound) })
            }
        }
    }

    /// W4: one SGD step of the 784-256-128-10 ReLU MLP with softmax cross-entropy, batch 64.
    static func mlpStep(_ harness: Harness, threads threadCounts: [Int] = [1, 2], static includeStatic: Bool = true) -> [Record] {
        let data = MLPData()
        var records: [Record] = []
        for threads in threadCounts {
            Kernels.threads = threads
            records.append(measureSteps(harness, engine: "nabla-dynamic", threads: threads, data.dynamicStep(updating: true)))
            records.append(measureSteps(harness, engine: "nabla-dynamic-fused", threads: threads, data.dynamicStep(updating: true, fused: true)))
        }
        if includeStatic { records += mlpStepStatic(harness, data, threads: threadCounts) }
        Kernels.threads = 1
        return records
    }

    /// The floating-point operations of W4's step in its matrix products: forward
    /// 2·64·(784·256 + 256·128 + 128·10) = 30,048,256; backward, each weight's gradient (the
    /// same count again) and the gradients of h1 and h2 (2·64·(256·128 + 128·10) = 4,358,144);
    /// X is a constant, so no engine computes its gradient (25,690,112 more: the "about 90
    /// MFLOP" counts it). The elementwise work (bias, relu, softmax, SGD) adds about 0.6 MFLOP.
    static let stepFlops = 64_454_656.0

    /// Checks W4's losses (step 0, and after 10 updates) over the first 11 steps, then times
    /// steps.
    static func measureSteps(_ harness: Harness, engine: String, threads: Int, extra: [(String, String)] = [],
                             _ step: () -> Float) -> Record {
        let first = step()
        for _ in 0..<9 { _ = step() }
        let tenth = step()
        precondition(Swift.abs(Double(first) - 2.3044254779815674) < 1e-5 * 2.3, "mlp-step \(engine): loss at step 0 = \(first)")
        precondition(Swift.abs(Double(tenth) - 2.2911059856414795) < 1e-5 * 2.3, "mlp-step \(engine): loss after 10 updates = \(tenth)")
        let timing = harness.measure { blackHole(step()) }
        return Record(workload: "mlp-step", engine: engine, metric: "steps_per_s", value: 1 / timing.median, unit: "steps/s",
                      extra: [("threads", "\(threads)"), ("best", number(1 / timing.best)), ("rounds", "\(timing.rounds)"),
                              ("iters", "\(timing.iterations)"), ("loss_step0", number(Double(first))),
                              ("loss_after_10", number(Double(tenth))), ("gflops", number(stepFlops / timing.median / 1e9))] + extra)
    }

    /// W4/W7 in the static mode: the step compiled once with its SGD update (p ← p − 0.01·∂L/∂p
    /// for each parameter), as JAX jits the step with the parameters donated; each step runs the
    /// program, which updates the parameters in place.
    static func mlpStepStatic(_ harness: Harness, _ data: MLPData, threads threadCounts: [Int] = [1, 2]) -> [Record] {
        var records: [Record] = []
        let compileStart = Harness.now()
        let graph = TensorGraph<Float>()
        let x = graph.constant(data.x)
        let shapes: [Shape] = [[784, 256], [256, 128], [128, 10], [256], [128], [10]]
        let p = shapes.enumerated().map { graph.input("p\($0)", shape: $1) }
        let h1 = relu(x.matmul(p[0]) + p[3])
        let h2 = relu(h1.matmul(p[1]) + p[4])
        let loss = (h2.matmul(p[2]) + p[5]).crossEntropy(labels: data.labels)
        let gradients = try! graph.gradients(of: loss, wrt: p)
        let updates = zip(p, gradients).map { ($0, $0 - 0.01 * $1) }
        let program = try! graph.compile([loss], updating: updates)
        let compileTime = Harness.now() - compileStart
        // The compiled step, pass by pass (for profiling), outside the compile time.
        if getenv("NABLA_BENCH_LOG") != nil { print(try! graph.compileWithLog([loss], updating: updates).log) }
        for threads in threadCounts {
            Kernels.threads = threads
            var parameters = Dictionary(uniqueKeysWithValues: (data.weights + [256, 128, 10].map { NDArray<Float>.zeros([$0]) })
                .enumerated().map { ("p\($0)", $1) })
            func step() -> Float { try! program.run([:], updating: &parameters)[0].scalar }
            records.append(measureSteps(harness, engine: "nabla-static", threads: threads, extra: [("compile_s", number(compileTime))], step))
        }
        return records
    }
}
