import Synchronization

/// Settings of the kernel layer.
public enum Kernels {
    private static let threadCount = Atomic<Int>(1)

    /// The most threads ``threads`` accepts.
    public static let maximumThreads = 1024

    /// How many threads large kernels (matrix products) may use. Default 1.
    ///
    /// A count outside `1...maximumThreads` (0, −5) is a programmer error and stops with a message
    /// naming it; it is never silently clamped. The value set is the value read back. Today's
    /// matrix products split their columns over at most two of these threads (one persistent
    /// worker beside the caller), so counts above 2 run as 2: see the README's "Reliability"
    /// section, limits.
    public static var threads: Int {
        get { threadCount.load(ordering: .relaxed) }
        set {
            require((1...maximumThreads).contains(newValue),
                    "Kernels.threads: \(newValue) is not a thread count; set 1...\(maximumThreads)")
            threadCount.store(newValue, ordering: .relaxed)
        }
    }
}
