/// Why data-parallel training stopped. Every rank throws it at the same point (each after the
/// same collective exchange), so a program can report it once, from rank 0, and end every rank.
/// A rank that is named among the failed ones also carries its own message.
public enum DataParallelError: Error, Equatable, CustomStringConvertible {
    /// The ranks were not started with the same options: `ranks` differ from rank 0, whose
    /// options are `reference`; `local` is this rank's (equal to `reference` on rank 0 and on
    /// every rank that agrees with it).
    case optionsDiffer(ranks: [Int], reference: String, local: String)
    /// A step, or the set-up before training, failed on `ranks`; `message` is this rank's own
    /// error when it is one of them, nil otherwise.
    case failed(ranks: [Int], message: String?)
    /// After `step` steps the parameters of `ranks` were no longer bit for bit rank 0's.
    case parametersDiverged(ranks: [Int], step: Int)

    /// The message for people: what differs or failed, and on which ranks.
    public var description: String {
        switch self {
        case .optionsDiffer(let ranks, let reference, let local):
            if local != reference {
                return "this rank was started with options different from rank 0's (\(Self.difference(reference, local))); "
                    + "every rank must be started with the same command line"
            }
            return "\(Self.name(ranks)) \(ranks.count == 1 ? "was" : "were") started with options different from rank 0's (\(reference)); "
                + "every rank must be started with the same command line"
        case .failed(let ranks, let message):
            return message ?? "\(Self.name(ranks)) failed (see \(ranks.count == 1 ? "its" : "their") message)"
        case .parametersDiverged(let ranks, let step):
            return "after step \(step) the parameters of \(Self.name(ranks)) differ from rank 0's: the replicas diverged"
        }
    }

    /// "rank 1" or "ranks 1, 3".
    private static func name(_ ranks: [Int]) -> String {
        ranks.count == 1 ? "rank \(ranks[0])" : "ranks \(ranks.map(String.init).joined(separator: ", "))"
    }

    /// The options of two command-line-like descriptions (`--name value` items) that differ:
    /// "rank 0 has --epochs 15, this rank --epochs 3".
    static func difference(_ reference: String, _ local: String) -> String {
        func items(_ text: String) -> [String] {
            text.components(separatedBy: " --").enumerated().map { $0.offset == 0 ? $0.element : "--" + $0.element }
        }
        let (ours, theirs) = (items(local), items(reference))
        let missing = theirs.filter { !ours.contains($0) }, extra = ours.filter { !theirs.contains($0) }
        guard !missing.isEmpty || !extra.isEmpty else { return "rank 0 has '\(reference)', this rank '\(local)'" }
        func list(_ items: [String]) -> String { items.isEmpty ? "nothing else" : items.joined(separator: " ") }
        return "rank 0 has \(list(missing)), this rank \(list(extra))"
    }
}
