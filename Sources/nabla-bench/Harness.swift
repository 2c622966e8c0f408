#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timing as Benchmarks/WORKLOADS.md defines it: warm up, then R rounds of K back-to-back
/// repetitions with K chosen so a round takes about 0.25 s; report the median round (and the
/// fastest) as time per repetition.
struct Harness {
    var rounds = 7
    var roundSeconds = 0.25

    struct Timing {
        var median: Double   // seconds per repetition
        var best: Double
        var rounds: Int
        var iterations: Int
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Times `body`, which runs one repetition.
    func measure(_ body: () -> Void) -> Timing {
        // Warm up, and find K.
        var k = 1
        while true {
            let start = Self.now()
            for _ in 0..<k { body() }
            let elapsed = Self.now() - start
            if elapsed >= roundSeconds / 4 || k >= 1 << 30 {
                k = Swift.max(1, Int(Double(k) * roundSeconds / Swift.max(elapsed, 1e-9)))
                break
            }
            k *= 4
        }
        var perRep: [Double] = []
        for _ in 0..<rounds {
            let start = Self.now()
            for _ in 0..<k { body() }
            perRep.append((Self.now() - start) / Double(k))
        }
        perRep.sort()
        return Timing(median: perRep[perRep.count / 2], best: perRep[0], rounds: rounds, iterations: k)
    }
}

/// One line of results: `{"workload": …, "engine": …, "metric": …, "value": …, "unit": …, …}`.
struct Record {
    var workload: String
    var engine: String
    var metric: String
    var value: Double
    var unit: String
    var extra: [(String, String)] = []

    var json: String {
        var fields = [("workload", quoted(workload)), ("engine", quoted(engine)), ("metric", quoted(metric)),
                      ("value", number(value)), ("unit", quoted(unit))]
        fields += extra
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    var text: String {
        let shown = value >= 100 ? String(Int(value.rounded())) : "\(Double(Int(value * 1000)) / 1000)"
        return "\(workload.padding(18))\(engine.padding(16))\(metric.padding(20))\(shown) \(unit)"
    }
}

func quoted(_ s: String) -> String { "\"\(s)\"" }
func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

/// Keeps the optimiser from deleting work whose result is unused.
@inline(never) func blackHole<T>(_ x: T) { _ = x }
