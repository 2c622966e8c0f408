/// How much a request to the playground may ask: the size of its body, the work its program
/// may take, and the time its answer may take, so that a hostile program is answered with an
/// error quickly and the server goes on serving others.
public struct PlaygroundLimits: Sendable {
    /// The largest request body, in bytes (default 1 MiB); a larger one is answered 413.
    public var maximumBodyBytes: Int
    /// The most operations an evaluation may take, estimated before it starts (see
    /// ``estimatedOperations(of:inputs:order:)``); a program over it is answered 422 at once.
    public var maximumOperations: Double
    /// How long the answer may take, parsing and evaluating included (default 5 s); past it
    /// the request is answered 422 and the evaluation, left to finish on its own thread, still
    /// holds its slot.
    public var deadline: Duration
    /// How many evaluations run at once, each on a thread of its own; a request waits for a
    /// free one until its deadline (then 503).
    public var concurrentEvaluations: Int

    /// Limits of `maximumBodyBytes`, `maximumOperations`, `deadline` and
    /// `concurrentEvaluations`.
    public init(maximumBodyBytes: Int = 1 << 20, maximumOperations: Double = 1e7, deadline: Duration = .seconds(5),
                concurrentEvaluations: Int = 8) {
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumOperations = maximumOperations
        self.deadline = deadline
        self.concurrentEvaluations = max(1, concurrentEvaluations)
    }

    /// An estimate of the operations an evaluation of a program takes: each statement's steps
    /// (numbers, names and operations), times the counts of the loops around it, for the
    /// values and for the gradient (a reverse sweep costs a small multiple of the forward one);
    /// to order 2, once more for each of the `inputs` (one sweep per Hessian column), plus the
    /// `inputs`² entries of the Hessian itself.
    ///
    ///     S = Σ_statements steps · Π_loops around it count
    ///     order 1: S        order 2: S · (n + 1) + n²    (n inputs)
    public static func estimatedOperations(of steps: some Sequence<(steps: Int, loopCounts: [Int])>, inputs: Int, order: Int) -> Double {
        let sweep = steps.reduce(0.0) { total, statement in
            total + Double(statement.steps) * statement.loopCounts.reduce(1.0) { $0 * Double($1) }
        }
        let n = Double(inputs)
        return order == 2 ? sweep * (n + 1) + n * n : sweep
    }
}
