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
@inline(__always) func measure(rounds: Int = 7, roundSeconds: Double = 0.25, _ body: () -> Void) -> (median: Double, best: Double, iterations: Int) {
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
// Each repetition's results are stored (1024 slots, reused), as nabla-bench stores them.
let sink = UnsafeMutablePointer<(g: Double, dg_da: Double, dg_do: Double)>.allocate(capacity: 1024)
var k = 0
let timing = measure {
    let j = k & 1023
    k &+= 1
    let (value, gradient) = valueWithGradient(at: inputs[j].a, inputs[j].o, of: tutorial)
    sink[j] = (value, gradient.0, gradient.1)
}
blackHole(sink)
var check = sink[(k - 1) & 1023]
guard check == (47, -432, -1) else { fatalError("tutorial computed \(check)") }

/// The same through a call the optimiser may not inline (nabla-bench's `nabla-emitted-swift-call`).
@inline(never) func gradientNotInlined(_ a: Double, _ o: Double) -> (g: Double, dg_da: Double, dg_do: Double) {
    let (value, gradient) = valueWithGradient(at: a, o, of: tutorial)
    return (value, gradient.0, gradient.1)
}
let called = measure {
    let j = k & 1023
    k &+= 1
    sink[j] = gradientNotInlined(inputs[j].a, inputs[j].o)
}
blackHole(sink)
check = sink[(k - 1) & 1023]
guard check == (47, -432, -1) else { fatalError("tutorial (not inlined) computed \(check)") }
for (engine, t) in [("swift-differentiation", timing), ("swift-differentiation-call", called)] {
    print("{\"workload\": \"tutorial-emitted\", \"engine\": \"\(engine)\", \"metric\": \"time_per_rep\", "
          + "\"value\": \(t.median * 1e9), \"unit\": \"ns\", \"best\": \(t.best * 1e9), \"rounds\": 7, "
          + "\"iters\": \(t.iterations), \"threads\": 1}")
}
