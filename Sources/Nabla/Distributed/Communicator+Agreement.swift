// Agreeing across the ranks before going on, so that a failure on one rank ends every rank
// rather than leaving the others waiting in an exchange it never joins.

extension Communicator {
    /// Checks that every rank describes its run the same way (for example
    /// its options, written as a command line): rank 0's `description` is broadcast and each
    /// rank compares its own. Throws ``DataParallelError/optionsDiffer(ranks:reference:local:)``
    /// on every rank when any differ.
    public func requireSameOptions(_ description: String) throws {
        let reference = try broadcast(description, from: 0)
        let differing = try ranks(where: reference != description)
        if !differing.isEmpty {
            throw DataParallelError.optionsDiffer(ranks: differing, reference: reference, local: description)
        }
    }

    /// Runs `body` on every rank and agrees on the outcome: when it threw on any rank, every
    /// rank throws ``DataParallelError/failed(ranks:message:)`` naming those ranks (with its
    /// own message where it failed), so that no rank goes on to wait for the others in an
    /// exchange they will never join.
    public func collectively<Result>(_ body: () throws -> Result) throws -> Result {
        let result: Result?, failure: (any Error)?
        do { (result, failure) = (try body(), nil) } catch { (result, failure) = (nil, error) }
        let failed = try ranks(where: failure != nil)
        guard failed.isEmpty, let result else {
            throw DataParallelError.failed(ranks: failed, message: failure.map { "\($0)" })
        }
        return result
    }

    /// Whether this rank should print `error` when a distributed run ends on it, so that an
    /// error every rank throws alike is printed once: rank 0 reports every error; another
    /// rank only an error of its own (options that differ from rank 0's, a failure rank 0 did
    /// not share, its communicator's failures, anything unexpected), not a
    /// ``DataParallelError`` or ``TrainingError`` that rank 0 reports as well.
    public func reports(_ error: any Error) -> Bool {
        guard rank != 0 else { return true }
        switch error {
        case DataParallelError.optionsDiffer(_, let reference, let local): return local != reference
        case DataParallelError.failed(let ranks, let message): return message != nil && !ranks.contains(0)
        case is DataParallelError, is TrainingError: return false
        default: return true
        }
    }
}
