import CNablaKernels
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
