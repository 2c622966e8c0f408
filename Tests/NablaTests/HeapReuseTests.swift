import Foundation
import Testing
@testable import Nabla
#if canImport(Glibc)
import Glibc
import CNablaKernels

/// Arrays freed and allocated again every step (a gradient, an updated weight) reuse the heap's
/// pages instead of being returned to the system and faulted back in, which made glibc's default
/// thresholds cost a training step up to 25% (see `Sources/CNablaKernels/heap.c`).
@Suite("Heap reuse", .serialized)
struct HeapReuseTests {
    /// Minor page faults of the calling thread so far (not the process's: other suites run
    /// beside this one).
    static func pageFaults() -> Int {
        var usage = rusage()
        getrusage(1, &usage)   // RUSAGE_THREAD (Linux), which Glibc does not export to Swift
        return usage.ru_minflt
    }

    @Test func nablaSetsTheThresholdsUnlessTheEnvironmentDoes() {
        let environment = ProcessInfo.processInfo.environment
        let userSettings = environment["MALLOC_MMAP_THRESHOLD_"] != nil || environment["MALLOC_TRIM_THRESHOLD_"] != nil
            || (environment["GLIBC_TUNABLES"]?.contains("malloc") ?? false)
        #expect(nabla_heap_keeps_freed_blocks() == (userSettings ? 0 : 1))
    }

    /// W4's training step in the dynamic mode (a 784-256-128-10 MLP on 64 examples, SGD): each
    /// step makes new 800 KB arrays (the first layer's gradient and updated weights) and drops
    /// the old ones. With glibc's default thresholds this loop faulted in pages every step (the
    /// freed heap given back and taken again); kept, the pages are reused.
    @Test func aTrainingStepsArraysReuseTheirPages() {
        guard nabla_heap_keeps_freed_blocks() == 1 else { return }
        var generator = SeededGenerator(seed: 3)
        func uniform(_ shape: Shape, _ bound: Float) -> Tensor<Float> {
            Tensor(NDArray(shape: shape, checkedScalars: (0..<shape.count).map { _ in Float.random(in: -bound...bound, using: &generator) }),
                   requiresGrad: true)
        }
        let x = uniform([64, 784], 1).detached()
        let labels = (0..<64).map { $0 % 10 }
        let parameters = [uniform([784, 256], 0.036), uniform([256, 128], 0.06), uniform([128, 10], 0.09),
                          uniform([256], 0), uniform([128], 0), uniform([10], 0)]
        func step() {
            let h1 = relu(x.matmul(parameters[0]) + parameters[3])
            let h2 = relu(h1.matmul(parameters[1]) + parameters[4])
            let loss = (h2.matmul(parameters[2]) + parameters[5]).crossEntropy(labels: labels)
            for p in parameters { p.zeroGrad() }
            loss.backward()
            withoutRecording { for p in parameters { p.data = p.data.adding(p.grad!, scaledBy: -0.01) } }
        }
        for _ in 0..<5 { step() }
        let before = Self.pageFaults()
        for _ in 0..<20 { step() }
        let faults = Self.pageFaults() - before
        #expect(faults < 20 * 20, "\(faults) page faults in 20 steps")
    }
}

#endif
