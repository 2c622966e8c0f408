import CNablaKernels
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings of the kernel layer.
public enum Kernels {
    private static let threadCount = Atomic<Int>(defaultThreads)

    /// The most threads ``threads`` accepts.
    public static let maximumThreads = 1024

    /// The environment variable that sets ``threads``' starting value, as `OMP_NUM_THREADS` does
    /// for PyTorch and OpenBLAS.
    public static let threadsVariable = "NABLA_NUM_THREADS"

    /// The cores this process may run on: its CPU affinity on Linux (so `taskset -c 0` gives 1),
    /// otherwise the cores online.
    public static var availableCores: Int { Int(nabla_available_cores()) }

    /// How many threads large kernels (matrix products, and the convolutions computed through
    /// them) may use. It starts as `NABLA_NUM_THREADS` where that is set, otherwise as
    /// ``availableCores``, as PyTorch and OpenBLAS size their pools to the machine.
    ///
    /// A count outside `1...maximumThreads` (0, −5), set here or in the variable, is a programmer
    /// error and stops with a message naming it; it is never silently clamped. The value set is
    /// the value read back. A product splits C into at most min(threads, 64) blocks of whole
    /// strips of columns (or rows), each at least 2 MFLOP, computed by the caller and a pool of
    /// worker threads started on first use; the result does not depend on the count.
    public static var threads: Int {
        get { threadCount.load(ordering: .relaxed) }
        set {
            require((1...maximumThreads).contains(newValue),
                    "Kernels.threads: \(newValue) is not a thread count; set 1...\(maximumThreads)")
            threadCount.store(newValue, ordering: .relaxed)
        }
    }

    /// Elements per thread below which an elementwise loop of cheap operations (add, multiply,
    /// relu, …) stays on one thread. Measured here: a pass of a cheap op costs about 0.1 ns an
    /// element and handing work to another thread several µs, so only loops of a million
    /// elements and more gain.
    public static let cheapElementwiseChunk = 1 << 19
    /// Elements per thread below which an elementwise loop of costly operations (exp, tanh, erf,
    /// …, 5–40 ns an element) stays on one thread. Measured here (Float tanh, 2 threads): 16K
    /// elements 1.15×, 64K 1.57×, 256K 1.83× the one-thread speed; 4K 0.6×.
    public static let costlyElementwiseChunk = 1 << 13

    /// Runs `body` over `0..<count` split into up to ``threads`` (at most 64) contiguous ranges
    /// of at least `minimumChunk` elements each, concurrently (on libdispatch's pool, sized to
    /// the machine); a single range on the calling thread when the work is smaller. The ranges
    /// partition `0..<count` in order, so a body that writes only its own range's elements gives
    /// the same result whatever the split.
    @inlinable
    public static func forEachChunk(of count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(threads, 64, count / Swift.max(minimumChunk, 1))
        if parts < 2 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            // The body writes disjoint ranges and returns before concurrentPerform does.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                shared.value(count * part / parts ..< count * (part + 1) / parts)
            }
        }
    }


    /// ``threads``' starting value: `NABLA_NUM_THREADS`, or the available cores.
    static var defaultThreads: Int {
        guard let pointer = getenv(threadsVariable) else { return availableCores }
        let text = String(cString: pointer)
        guard let count = Int(text), (1...maximumThreads).contains(count) else {
            requirementFailed("\(threadsVariable)=\(text) is not a thread count; set 1...\(maximumThreads), or unset it to use the \(availableCores) available cores")
        }
        return count
    }
}

/// A value handed to concurrent work whose safety the caller establishes (disjoint writes,
/// completion before return), as ``Kernels/forEachChunk(of:minimumChunk:_:)`` does.
@usableFromInline
struct UncheckedSendable<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
