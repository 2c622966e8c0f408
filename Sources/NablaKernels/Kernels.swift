import Synchronization

/// Settings of the kernel layer.
public enum Kernels {
    private static let threadCount = Atomic<Int>(1)

    /// How many threads large kernels (matrix products) may use: 1 or 2. Default 1.
    public static var threads: Int {
        get { threadCount.load(ordering: .relaxed) }
        set { threadCount.store(Swift.max(1, Swift.min(2, newValue)), ordering: .relaxed) }
    }
}
