#if MPI
import CMPI
import Nabla
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The processes `mpirun -np N` started, as a ``Communicator`` over Open MPI's
/// `MPI_COMM_WORLD`: rank and size from MPI, collectives as MPI's.
///
/// ```swift
/// let world = try MPICommunicator.world()
/// var gradient: [Float] = [1, 2, 3]
/// try world.allreduce(&gradient, .mean)     // the ranks' mean, on every rank
/// MPICommunicator.finalize()
/// ```
///
/// MPI's error handler is set to return, so a failing call throws ``MPIError`` on the rank
/// where it failed. With a ``timeout`` (the default, 600 s) every collective is started
/// non-blocking (`MPI_Iallreduce`, `MPI_Ibcast`, `MPI_Ibarrier`) and polled with `MPI_Test`
/// until it completes or the time is up, when it throws ``MPIError/timedOut(operation:seconds:)``
/// instead of waiting forever for a rank that has stopped (after the first thousand polls a
/// waiting rank yields its core between polls, `sched_yield`, so that it does not slow the rank
/// it waits for on a machine with fewer cores than processes); with `timeout` nil the blocking
/// calls are used. A rank that dies is `mpirun`'s to notice: it ends the whole job.
///
/// MPI is initialised once per process (`MPI_Init_thread`, `MPI_THREAD_SERIALIZED`: one
/// thread at a time calls MPI; Nabla's kernel threads never do) and cannot start again after
/// ``finalize()``.
public final class MPICommunicator: Communicator {
    /// This process's rank in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The number of processes in `MPI_COMM_WORLD`.
    public let size: Int
    /// The name of the machine this rank runs on (`MPI_Get_processor_name`).
    public let hostname: String
    /// The longest a collective may wait for the other ranks, in seconds, before it throws
    /// ``MPIError/timedOut(operation:seconds:)``; nil waits indefinitely (blocking calls).
    /// Positive when set.
    public var timeout: Double? {
        didSet { if let timeout { require(timeout > 0, "MPICommunicator: the timeout must be positive, got \(timeout)") } }
    }
    private let communicator: MPI_Comm

    /// PyTorch's default for its collectives' timeout is of this order (10 minutes for NCCL):
    /// long enough for a slow first step, short enough that a stopped rank ends the job.
    public static let defaultTimeout = 600.0

    private static let state = Mutex<State>(.uninitialized)
    private enum State { case uninitialized, running(MPICommunicator), finalized }

    private init(timeout: Double?) throws {
        communicator = nabla_mpi_comm_world()
        try Self.check(MPI_Comm_set_errhandler(communicator, nabla_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(MPI_Comm_rank(communicator, &rank), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(communicator, &size), "MPI_Comm_size")
        var name = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1), length: Int32 = 0
        try Self.check(MPI_Get_processor_name(&name, &length), "MPI_Get_processor_name")
        self.rank = Int(rank)
        self.size = Int(size)
        hostname = String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.timeout = timeout
        if let timeout { require(timeout > 0, "MPICommunicator: the timeout must be positive, got \(timeout)") }
    }

    /// The world communicator, initialising MPI on first use (later calls return the same
    /// object and leave its timeout as it is). Run alone, without `mpirun`, a program is a
    /// world of one rank.
    public static func world(timeout: Double? = defaultTimeout) throws -> MPICommunicator {
        try state.withLock { state in
            switch state {
            case .running(let world): return world
            case .finalized: throw MPIError.finalized
            case .uninitialized:
                var provided: Int32 = 0
                try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
                let world = try MPICommunicator(timeout: timeout)
                state = .running(world)
                return world
            }
        }
    }

    /// Ends MPI in this process (`MPI_Finalize`), after every rank's last collective; nothing
    /// when MPI was never started or has already ended. Call it only when every rank reaches
    /// it: `MPI_Finalize` waits for the others. A program ending on an error exits without it,
    /// and `mpirun` then ends the other ranks.
    public static func finalize() {
        state.withLock { state in
            if case .running = state { MPI_Finalize() }
            if case .uninitialized = state { return }
            state = .finalized
        }
    }

    /// Ends every rank of the job at once (`MPI_Abort` with `code`), from any one rank.
    public func abort(code: Int32) -> Never {
        MPI_Abort(communicator, code)
        exit(code)
    }

    /// Throws ``MPIError/failed(function:code:message:)`` unless `code` is `MPI_SUCCESS`.
    static func check(_ code: Int32, _ function: String) throws(MPIError) {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1), length: Int32 = 0
        let message = MPI_Error_string(code, &text, &length) == MPI_SUCCESS
            ? String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown error"
        throw .failed(function: function, code: code, message: message)
    }
}

extension MPICommunicator {
    /// Returns once every rank has called it (`MPI_Barrier`).
    public func barrier() throws {
        try collective("MPI_Barrier", blocking: { MPI_Barrier(communicator) },
                       start: { MPI_Ibarrier(communicator, $0) })
    }

    /// Rank `root`'s bytes on every rank (`MPI_Bcast` of `MPI_BYTE`, in pieces of at most 1 GiB).
    /// A root outside the world is MPI's error to report.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws {
        for piece in Self.pieces(of: buffer.count) {
            let pointer = buffer.baseAddress.map { $0 + piece.lowerBound }, count = Int32(piece.count)
            try collective("MPI_Bcast", blocking: { MPI_Bcast(pointer, count, nabla_mpi_byte(), Int32(clamping: root), communicator) },
                           start: { MPI_Ibcast(pointer, count, nabla_mpi_byte(), Int32(clamping: root), communicator, $0) })
        }
    }

    /// The elementwise sum over the ranks, in place (`MPI_Allreduce` with `MPI_IN_PLACE` and
    /// `MPI_SUM` on `MPI_FLOAT`).
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try allreduce(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, MemoryLayout<Float>.stride, nabla_mpi_float())
    }

    /// The elementwise sum over the ranks, in place (`MPI_DOUBLE`).
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try allreduce(UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, MemoryLayout<Double>.stride, nabla_mpi_double())
    }

    private func allreduce(_ base: UnsafeMutableRawPointer?, count: Int, _ stride: Int, _ type: MPI_Datatype?) throws {
        for piece in Self.pieces(of: count) {
            let pointer = base.map { $0 + piece.lowerBound * stride }, count = Int32(piece.count)
            try collective("MPI_Allreduce",
                           blocking: { MPI_Allreduce(nabla_mpi_in_place(), pointer, count, type, nabla_mpi_sum(), communicator) },
                           start: { MPI_Iallreduce(nabla_mpi_in_place(), pointer, count, type, nabla_mpi_sum(), communicator, $0) })
        }
    }

    /// `0..<count` in pieces of at most 2³⁰ elements (MPI's counts are 32-bit); one empty
    /// piece for an empty buffer, so that every rank still takes part.
    static func pieces(of count: Int) -> [Range<Int>] {
        let most = 1 << 30
        return stride(from: 0, to: Swift.max(count, 1), by: most).map { $0..<Swift.min($0 + most, count) }
    }

    /// Runs one collective: the blocking call without a timeout; with one, the non-blocking
    /// call polled by `MPI_Test` until it completes or the time is up.
    private func collective(_ name: String, blocking: () -> Int32, start: (UnsafeMutablePointer<MPI_Request?>) -> Int32) throws {
        guard let timeout else { return try Self.check(blocking(), name) }
        var request: MPI_Request? = nabla_mpi_request_null()
        try Self.check(start(&request), "MPI_I" + name.dropFirst(4).lowercased())
        let deadline = Self.now() + timeout
        var done: Int32 = 0, polls = 0
        while true {
            try Self.check(MPI_Test(&request, &done, nil), "MPI_Test (\(name))")
            if done != 0 { return }
            polls &+= 1
            // The clock costs little next to MPI_Test, but need not be read every time.
            if polls & 63 == 0, Self.now() > deadline { throw MPIError.timedOut(operation: name, seconds: timeout) }
            // A rank that has waited a while gives up its core between polls, so that the
            // rank it waits for (or anything else sharing the machine) can run.
            if polls > Self.pollsBeforeYielding { sched_yield() }
        }
    }

    /// The polls of a collective before its rank starts yielding between them (about 50 µs of
    /// MPI_Test on a current x86 core).
    static let pollsBeforeYielding = 1000

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
#endif
