import Nabla

/// Issue 12's forward-mode workloads (Benchmarks/WORKLOADS.md, "JVP and Jacobians").
///
/// - `mlp-jvp`: the Jacobian-vector product of W4's MLP forward pass (784-256-128-10, batch 64,
///   float32, zero biases) with respect to W1, W2, W3 along (W1, W2, W3). With zero biases the
///   logits are homogeneous of degree 3 in the weights, so the JVP is 3·z: the check. Engines:
///   `nabla-dynamic` (`jvp(at:along:)`: record, then one forward sweep), `nabla-dual`
///   (`DualTensor<NDArray>`: streaming, nothing recorded) and `nabla-static` (`TensorGraph.jvp`,
///   compiled once; the timed unit is one run).
/// - `jacobian-4x256`: the Jacobian of f(x) = tanh(tanh(x·A₁)·A₂), x of 4 entries, A₁ [4, 64],
///   A₂ [64, 256] (so 256 outputs), by forward sweeps (4) and by reverse sweeps (256), float32.
enum ForwardWorkloads {
    static func mlpJVP(_ harness: Harness) -> [Record] {
        Kernels.threads = 1
        defer { Kernels.threads = 1 }
        let data = TensorWorkloads.MLPData()
        let x = data.x, weights = data.weights
        let biases = [256, 128, 10].map { NDArray<Float>.zeros([$0]) }
        func logits<T: DifferentiableTensor>(_ x: T, _ w: [T]) -> T where T.Scalar == Float {
            let h1 = relu(x.matmul(w[0]) + x.constant(biases[0]))
            let h2 = relu(h1.matmul(w[1]) + x.constant(biases[1]))
            return h2.matmul(w[2]) + x.constant(biases[2])
        }
        func check(_ value: NDArray<Float>, _ derivative: NDArray<Float>, _ engine: String) {
            let scale = value.scalars.map { Swift.abs($0) }.max()!
            let error = zip(value.scalars, derivative.scalars).map { Swift.abs(3 * $0 - $1) }.max()!
            precondition(error <= 1e-4 * scale, "mlp-jvp \(engine): the JVP differs from 3·z by \(error)")
        }
        func record(_ engine: String, _ timing: Harness.Timing) -> Record {
            Record(workload: "mlp-jvp", engine: engine, metric: "jvps_per_s", value: 1 / timing.median, unit: "jvps/s",
                   extra: [("threads", "1"), ("best", number(1 / timing.best)), ("rounds", "\(timing.rounds)"), ("iters", "\(timing.iterations)")])
        }
        var records: [Record] = []

        var result = jvp(at: weights, along: weights) { logits(Tensor(x), $0) }
        check(result.value, result.derivative, "nabla-dynamic")
        records.append(record("nabla-dynamic", harness.measure {
            result = jvp(at: weights, along: weights) { logits(Tensor(x), $0) }
            blackHole(result)
        }))

        var dual = logits(DualTensor(x), zip(weights, weights).map { DualTensor($0, tangent: $1) })
        check(dual.primal, dual.tangent, "nabla-dual")
        records.append(record("nabla-dual", harness.measure {
            dual = logits(DualTensor(x), zip(weights, weights).map { DualTensor($0, tangent: $1) })
            blackHole(dual)
        }))

        let graph = TensorGraph<Float>()
        let xs = graph.input("x", shape: x.shape)
        let ws = weights.enumerated().map { graph.input("w\($0)", shape: $1.shape) }
        let vs = weights.enumerated().map { graph.input("v\($0)", shape: $1.shape) }
        let z = logits(xs, ws)
        let program = try! graph.compile([z] + graph.jvp(of: [z], wrt: ws, along: vs))
        var feeds = ["x": x]
        for (k, w) in weights.enumerated() { feeds["w\(k)"] = w; feeds["v\(k)"] = w }
        var outputs = try! program.run(feeds)
        check(outputs[0], outputs[1], "nabla-static")
        records.append(record("nabla-static", harness.measure {
            outputs = try! program.run(feeds)
            blackHole(outputs)
        }))
        return records
    }

    static func jacobian4x256(_ harness: Harness) -> [Record] {
        Kernels.threads = 1
        var rng = SeededGenerator(seed: 12)
        func uniform(_ shape: Shape, _ bound: Double) -> NDArray<Float> {
            NDArray(shape: shape, checkedScalars: (0..<shape.count).map { _ in Float(-bound + 2 * bound * rng.nextUnit()) })
        }
        let a1 = uniform([4, 64], 0.5), a2 = uniform([64, 256], 0.125), x = uniform([4], 1)
        let f: (Tensor<Float>) -> Tensor<Float> = { tanh(tanh($0.reshaped([1, 4]).matmul(Tensor(a1))).matmul(Tensor(a2))).reshaped([256]) }
        var forward = jacobian(at: x, mode: .forward, f), reverse = jacobian(at: x, mode: .reverse, f)
        let error = zip(forward.scalars, reverse.scalars).map { Swift.abs($0 - $1) }.max()!
        precondition(forward.shape == [256, 4] && error <= 1e-6, "jacobian-4x256: forward and reverse differ by \(error)")
        let forwardTiming = harness.measure { forward = jacobian(at: x, mode: .forward, f); blackHole(forward) }
        let reverseTiming = harness.measure { reverse = jacobian(at: x, mode: .reverse, f); blackHole(reverse) }
        let ratio = reverseTiming.median / forwardTiming.median
        return [
            Record(workload: "jacobian-4x256", engine: "nabla-forward", metric: "time_per_jacobian", value: forwardTiming.median * 1e6, unit: "µs",
                   extra: [("threads", "1"), ("passes", "4")]),
            Record(workload: "jacobian-4x256", engine: "nabla-reverse", metric: "time_per_jacobian", value: reverseTiming.median * 1e6, unit: "µs",
                   extra: [("threads", "1"), ("passes", "256"), ("reverse_over_forward", number(ratio))]),
        ]
    }
}
