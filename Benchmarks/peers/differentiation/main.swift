// W1 (Benchmarks/WORKLOADS.md) with Swift's own automatic differentiation, `_Differentiation`:
// the peer of nabla-bench's `tutorial-emitted` workload. One repetition is
// `valueWithGradient(at: a, o, of: tutorial)`, reading g, dg/da and dg/do, timed by a copy of
// nabla-bench's harness (warm up, 7 rounds of about 0.25 s, the median round per repetition)
// with the same input and result handling. Built with `swiftc -O` by swift_differentiation.sh.
import _Differentiation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tutorial's graph, g = 3f − o, written as Swift (d^2 as d · d, as Nabla computes it).
@differentiable(reverse)
func tutorial(_ a: Double, _ o: Double) -> Double {
    let b = 5 - 3 * a
    let c = 2 * b + 3
    let d = 5 * b + 6
    let e = 7 * c + d * d
    let f = 2 * e
    return 3 * f - o
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// nabla-bench's Harness.measure: seconds per repetition, median and best of 7 rounds.
func measure(rounds: Int = 7, roundSeconds: Double = 0.25, _ body: () -> Void) -> (median: Double, best: Double, iterations: Int) {
    var k = 1
    while true {
        let start = now()
        for _ in 0..<k { body() }
        let elapsed = now() - start
        if elapsed >= roundSeconds / 4 || k >= 1 << 30 {
            k = max(1, Int(Double(k) * roundSeconds / max(elapsed, 1e-9)))
            break
        }
        k *= 4
    }
    var perRep: [Double] = []
    for _ in 0..<rounds {
        let start = now()
        for _ in 0..<k { body() }
        perRep.append((now() - start) / Double(k))
    }
    perRep.sort()
    return (perRep[perRep.count / 2], perRep[0], k)
}

@inline(never) func blackHole<T>(_ x: T) { _ = x }

let inputs: [(a: Double, o: Double)] = (0..<1024).map { _ in (2, 1) }
var k = 0
var check = (g: 0.0, dg_da: 0.0, dg_do: 0.0)
let timing = measure {
    let input = inputs[k & 1023]
    k &+= 1
    let (value, gradient) = valueWithGradient(at: input.a, input.o, of: tutorial)
    check = (value, gradient.0, gradient.1)
    blackHole(check)
}
guard check == (47, -432, -1) else { fatalError("tutorial computed \(check)") }
print("{\"workload\": \"tutorial-emitted\", \"engine\": \"swift-differentiation\", \"metric\": \"time_per_rep\", "
      + "\"value\": \(timing.median * 1e9), \"unit\": \"ns\", \"best\": \(timing.best * 1e9), \"rounds\": 7, "
      + "\"iters\": \(timing.iterations), \"threads\": 1}")
