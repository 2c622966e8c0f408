#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Nabla

/// `checkpoint-mlp-K`: a training step (forward, backward, SGD update) of a 32-layer, 1024-wide
/// MLP of `Float` (relu(h·W + b) per layer, loss mean(h²), batch 256 or `NABLA_BENCH_BATCH`),
/// with every K layers checkpointed (K = 0: no checkpointing). Reports the median time of 3 steps
/// after a warm-up one, and the process's peak resident memory (getrusage's max RSS), so run
/// each K in a fresh process: `for k in 0 2 4 8; do nabla-bench checkpoint-mlp-$k; done`.
enum CheckpointWorkload {
    static func run(every: Int) -> [Record] {
        let depth = 32, width = 1024
        let batch = getenv("NABLA_BENCH_BATCH").flatMap { Int(String(cString: $0)) } ?? 256
        let scale = Float(1 / Double(width).squareRoot())
        let weights = (0..<depth).map { Tensor<Float>(NDArray.randomNormal([width, width], standardDeviation: scale, seed: UInt64($0 + 1)), requiresGrad: true) }
        let biases = (0..<depth).map { _ in Tensor<Float>(NDArray.zeros([width]), requiresGrad: true) }
        let x = Tensor<Float>(NDArray.randomNormal([batch, width], seed: 99))
        func layers(_ range: Range<Int>, _ h: Tensor<Float>) -> Tensor<Float> {
            range.reduce(h) { h, k in relu(h.matmul(weights[k]) + biases[k]) }
        }
        func step() -> Float {
            var h = x
            if every > 0 {
                for start in stride(from: 0, to: depth, by: every) {
                    let range = start..<Swift.min(start + every, depth)
                    h = checkpoint(h) { layers(range, $0) }
                }
            } else {
                h = layers(0..<depth, h)
            }
            let loss = (h * h).mean()
            loss.backward()
            withoutRecording {
                for p in weights + biases {
                    let g = p.grad!
                    p.updateData { $0 = $0 - 0.01 * g }
                    p.zeroGrad()
                }
            }
            return loss.scalar
        }
        blackHole(step())   // warm-up
        var times: [Double] = []
        for _ in 0..<3 {
            let start = Harness.now()
            blackHole(step())
            times.append(Harness.now() - start)
        }
        times.sort()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMiB = Double(usage.ru_maxrss) / 1024   // KiB on Linux
        let common: [(String, String)] = [("depth", "\(depth)"), ("width", "\(width)"), ("batch", "\(batch)"),
                                          ("checkpoint_every", "\(every)"), ("dtype", "\"float32\"")]
        let name = "checkpoint-mlp-\(every)"
        return [Record(workload: name, engine: "nabla-dynamic", metric: "step_time", value: times[1], unit: "s", extra: common),
                Record(workload: name, engine: "nabla-dynamic", metric: "peak_rss", value: peakMiB, unit: "MiB", extra: common)]
    }
}
