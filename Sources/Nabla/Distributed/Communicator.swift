/// A fixed group of processes (ranks 0..<size) that compute together and exchange buffers with
/// collective operations: every rank calls the same operations in the same order, as in MPI.
///
/// Nabla's data-parallel training (``DataParallel``, ``Trainer/distribute(over:bucketBytes:)``)
/// is written against this protocol alone; `NablaDistributed` (built with the package trait
/// `MPI`) implements it over Open MPI, and a test can implement it with threads.
///
/// Every operation blocks until the group has taken part and throws when it fails (an error
/// from the transport, a time limit exceeded); after a failure the group is no longer usable,
/// and the program should end. Implementations need not be thread-safe: one thread at a time
/// calls a communicator.
public protocol Communicator: AnyObject {
    /// This process's place in the group, in `0..<size`.
    var rank: Int { get }
    /// The number of processes in the group, at least 1.
    var size: Int { get }

    /// Returns once every rank has called it.
    func barrier() throws

    /// Overwrites `buffer` on every rank with rank `root`'s bytes (MPI's broadcast). Every rank
    /// passes a buffer of the same length.
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws

    /// Replaces `buffer` on every rank with the elementwise sum of all ranks' buffers, the same
    /// bits on every rank (MPI's allreduce with `MPI_SUM`): bᵢ ← Σᵣ bᵢ⁽ʳ⁾. Every rank passes
    /// a buffer of the same length; the order of the additions is the implementation's.
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws

    /// The elementwise sum of all ranks' buffers, in `Double`: bᵢ ← Σᵣ bᵢ⁽ʳ⁾.
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
}

/// The reductions `Communicator.allreduce(_:_:)` applies elementwise across the ranks.
public enum CollectiveReduction: Sendable {
    /// bᵢ ← Σᵣ bᵢ⁽ʳ⁾.
    case sum
    /// bᵢ ← (Σᵣ bᵢ⁽ʳ⁾) / size: the sum, then one division, so equal on every rank as the sum is.
    case mean
}

extension Communicator {
    /// Reduces `values` elementwise across the ranks, in place (the same length on every rank).
    public func allreduce<Scalar: TensorScalar>(_ values: inout [Scalar], _ reduction: CollectiveReduction = .sum) throws {
        try values.withUnsafeMutableBufferPointer { try allreduce($0, reduction) }
    }

    /// Reduces the elements of `buffer` elementwise across the ranks, in place: Float and
    /// Double (the scalars of `TensorScalar`).
    public func allreduce<Scalar: TensorScalar>(_ buffer: UnsafeMutableBufferPointer<Scalar>, _ reduction: CollectiveReduction = .sum) throws {
        if Scalar.self == Float.self {
            try allreduceSum(UnsafeMutableRawBufferPointer(buffer).bindMemory(to: Float.self))
        } else if Scalar.self == Double.self {
            try allreduceSum(UnsafeMutableRawBufferPointer(buffer).bindMemory(to: Double.self))
        } else {
            requirementFailed("Communicator.allreduce: \(Scalar.self) is not Float or Double")
        }
        if reduction == .mean, size > 1 {
            let count = Scalar(size)
            for i in buffer.indices { buffer[i] /= count }
        }
    }

    /// Overwrites `values` on every rank with rank `root`'s (the same length on every rank).
    public func broadcast<Element: BitwiseCopyable>(_ values: inout [Element], from root: Int = 0) throws {
        try values.withUnsafeMutableBytes { try broadcast($0, from: root) }
    }

    /// Rank `root`'s text on every rank: its length is broadcast first, then its UTF-8 bytes.
    public func broadcast(_ text: String, from root: Int = 0) throws -> String {
        var length = [Int64(rank == root ? text.utf8.count : 0)]
        try broadcast(&length, from: root)
        var bytes = rank == root ? Array(text.utf8) : [UInt8](repeating: 0, count: Int(length[0]))
        try broadcast(&bytes, from: root)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The ranks for which `flag` is true, on every rank: one allreduce of a vector with a 1 at
    /// each flagged rank's place.
    public func ranks(where flag: Bool) throws -> [Int] {
        var flags = [Double](repeating: 0, count: size)
        if flag { flags[rank] = 1 }
        try allreduceSum(&flags)
        return flags.indices.filter { flags[$0] != 0 }
    }

    private func allreduceSum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }
}
