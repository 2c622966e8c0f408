import Testing
@testable import Nabla
#if canImport(Glibc)
import Glibc
import CNablaKernels

/// What a thread keeps for its next graph (spare node arrays, a gradient scratch buffer, the
/// tapes of GradientTape scopes) is freed when the thread ends; a graph forced across threads
/// stops with a message rather than racing.
@Suite("Threads")
struct ThreadLifetimeTests {
    /// Builds and differentiates a 100,000-node graph of `Value`s and one in a GradientTape scope.
    static func recordLargeGraphs() {
        let x = Value(0.5, requiresGrad: true)
        var y = x
        for _ in 0..<50_000 { y = tanh(y * 1.01) }
        y.backward()
        GradientTape.record { tape in
            let x = tape.variable(0.5)
            var y = x
            for _ in 0..<50_000 { y = tanh(y * 1.01) }
            tape.backward(y)
        }
    }

    /// Runs `recordLargeGraphs` on a new thread and waits for the thread to end.
    static func recordOnAThreadThatEnds() {
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { _ in
            ThreadLifetimeTests.recordLargeGraphs()
            return nil
        }, nil)
        precondition(created == 0, "pthread_create failed")
        pthread_join(thread, nil)
    }

    /// A loss recorded on one thread, to be (wrongly) differentiated on another.
    nonisolated(unsafe) static var sharedLoss: Tensor<Double>?

    static func runOnAThread(_ body: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?) {
        var thread = pthread_t()
        precondition(pthread_create(&thread, nil, body, nil) == 0, "pthread_create failed")
        pthread_join(thread, nil)
    }

    @Test func aGraphDifferentiatedOnAnotherThreadStopsWithAMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            ThreadLifetimeTests.sharedLoss = (Tensor<Double>.ones([2], requiresGrad: true) * 2).sum()
            ThreadLifetimeTests.runOnAThread { _ in
                ThreadLifetimeTests.sharedLoss!.backward()
                return nil
            }
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("Tensor: backward() on a graph recorded by another thread"), "\(text)")
    }

    /// Bytes of heap in use (malloc's arenas and its mmapped blocks).
    static func heapInUse() -> Int { Int(nabla_heap_bytes_in_use()) }

    @Test func threadsThatEndFreeTheirRecordingBuffers() async {
        // In a process of its own, so that no other test allocates meanwhile.
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            ThreadLifetimeTests.recordOnAThreadThatEnds()   // one-time allocations happen here
            let before = ThreadLifetimeTests.heapInUse()
            for _ in 0..<20 { ThreadLifetimeTests.recordOnAThreadThatEnds() }
            let grown = ThreadLifetimeTests.heapInUse() - before
            print("the heap grew by \(grown) bytes over 20 threads")
            // Before the fix each thread kept about 8 MB (160 MB for 20 threads).
            fflush(nil)   // all streams: exit(1) below must not lose the line
            if grown > 4 << 20 { exit(1) }
        }
        print(String(decoding: result?.standardOutputContent ?? [], as: UTF8.self))
    }
}
#endif
