#if MPI
/// What an Open MPI call reported, thrown by ``MPICommunicator``. MPI's error handler is set
/// to return (`MPI_ERRORS_RETURN`) rather than to abort, so that a failure surfaces here, on
/// the rank where it happened, with MPI's own message.
public enum MPIError: Error, Equatable, CustomStringConvertible {
    /// `function` returned the error class `code`, which MPI describes as `message`.
    case failed(function: String, code: Int32, message: String)
    /// `operation` waited `seconds` for the other ranks without completing: one of them has
    /// stopped, hung, died or fallen far behind. The communicator is unusable afterwards.
    case timedOut(operation: String, seconds: Double)
    /// MPI was already finalised in this process (MPI cannot start twice in one process).
    case finalized

    /// The message for people: the MPI function and MPI's description, or what timed out.
    public var description: String {
        switch self {
        case .failed(let function, let code, let message):
            "\(function) failed: \(message) (MPI error \(code))"
        case .timedOut(let operation, let seconds):
            "\(operation) waited \(Self.format(seconds)) s for the other ranks without completing: a rank has stopped, hung or died"
        case .finalized:
            "MPI has already been finalised in this process and cannot start again"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
#endif
