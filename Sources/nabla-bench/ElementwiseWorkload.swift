import Nabla

/// `perop-elementwise`: W6's per-op overhead (a 1,000-op chain, forward and backward, on
/// dynamic tensors of 1 and 8 entries, the tensor made inside the timed unit) for single
/// elementwise functions, the existing primitive tanh beside the functions of issue 11, so that
/// they are compared in one run. Each chain starts where it stays finite (every function here
/// has a fixed point it converges to or grows only slowly).
enum ElementwiseWorkload {
    static let functions: [(name: String, start: Float, apply: @Sendable (Tensor<Float>) -> Tensor<Float>)] = [
        ("tanh", 1, { tanh($0) }),
        ("log1p", 1, { log1p($0) }),
        ("expm1", -1, { expm1($0) }),
        ("silu", 1, { silu($0) }),
        ("softplus", 1, { softplus($0) }),
        ("logSigmoid", 1, { logSigmoid($0) }),
        ("elu", -1, { elu($0) }),
        ("hardtanh", 0.5, { hardtanh($0) }),
    ]

    static func run(_ harness: Harness) -> [Record] {
        var records: [Record] = []
        for (name, start, apply) in functions {
            for size in [1, 8] {
                let timing = harness.measure {
                    let x = Tensor<Float>(NDArray(repeating: start, shape: [size]), requiresGrad: true)
                    var y = x
                    for _ in 0..<1000 { y = apply(y) }
                    y.sum().backward()
                    blackHole(x.grad!.scalars[0])
                }
                records.append(Record(workload: "perop-elementwise", engine: "nabla-dynamic", metric: "us_per_op_fwd_bwd",
                                      value: timing.median / 1000 * 1e6, unit: "µs",
                                      extra: [("op", name), ("size", "\(size)")] + Workloads.timingFields(timing, scale: 1e6 / 1000)))
            }
        }
        return records
    }
}
