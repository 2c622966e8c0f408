import Dispatch
import Foundation
import Synchronization

/// Runs evaluations on threads of their own (never on Swift's cooperative threads, which a
/// long evaluation would take from the server), at most `slots` at once, and answers each by its
/// deadline: with the evaluation's result, or with an error while the evaluation (which cannot
/// be stopped midway) finishes on its thread and only then frees its slot. So a hostile program
/// costs at most a slot for as long as the work limit lets it run, and the server keeps serving.
final class EvaluationThreads: Sendable {
    /// Evaluations running at once.
    let slots: Int
    private let free: DispatchSemaphore
    /// Threads started and not yet finished: running, or waiting for a slot.
    private let alive = Atomic<Int>(0)

    /// Threads waiting for a slot beyond this many are refused at once (503), so that a flood
    /// of requests cannot start threads without bound.
    var maximumWaiting: Int { slots * 8 }

    init(slots: Int) {
        self.slots = slots
        free = DispatchSemaphore(value: slots)
    }

    /// `work`'s result, or an error once `deadline` has passed: 422 if `work` had started,
    /// 503 if it was still waiting for a slot.
    func run<T: Sendable>(deadline: Duration, _ work: @escaping @Sendable () throws(PlaygroundError) -> T) async throws(PlaygroundError) -> T {
        guard alive.add(1, ordering: .relaxed).newValue <= slots + maximumWaiting else {
            alive.subtract(1, ordering: .relaxed)
            throw Self.busy
        }
        let end = DispatchTime.now() + .nanoseconds(Int(deadline.seconds * 1e9))
        let answer = Answer<T>()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, PlaygroundError>, Never>) in
                answer.wait(with: continuation)
                // Once answered, the timer's answer is ignored.
                DispatchQueue.global().asyncAfter(deadline: end) {
                    answer.resolve(.failure(answer.started ? Self.tooSlow(deadline) : Self.busy))
                }
                let thread = Thread { [self] in
                    defer { alive.subtract(1, ordering: .relaxed) }
                    guard free.wait(timeout: end) == .success else {
                        answer.resolve(.failure(Self.busy))
                        return
                    }
                    defer { free.signal() }
                    answer.started = true
                    answer.resolve(Result { () throws(PlaygroundError) in try work() })
                }
                thread.stackSize = 16 << 20
                thread.start()
            }
        } onCancel: {
            // The server stops at once (a second Ctrl-C): the evaluation is left to the process's end.
            answer.resolve(.failure(Self.stopping))
        }
        return try result.get()
    }

    static let stopping = PlaygroundError(status: 503, "the server is stopping")

    static let busy = PlaygroundError(status: 503, "the server is busy with other evaluations; try again in a moment")

    static func tooSlow(_ deadline: Duration) -> PlaygroundError {
        PlaygroundError(status: 422, "the evaluation took longer than \(deadline.shown), "
                        + "the playground's limit; nabla grad has none", field: "program")
    }
}

/// One answer, given once: by the evaluation or by its timer, whichever comes first; the
/// other's is ignored.
private final class Answer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<T, PlaygroundError>, Never>?
        /// The answer, when it came before the continuation (a cancellation).
        var early: Result<T, PlaygroundError>?
        var answered = false
        var started = false
    }
    private let state = Mutex(State())

    /// Whether the evaluation has a slot and has started.
    var started: Bool {
        get { state.withLock { $0.started } }
        set { state.withLock { $0.started = newValue } }
    }

    func wait(with continuation: CheckedContinuation<Result<T, PlaygroundError>, Never>) {
        let early = state.withLock { state -> Result<T, PlaygroundError>? in
            if state.early == nil { state.continuation = continuation }
            return state.early
        }
        if let early { continuation.resume(returning: early) }
    }

    func resolve(_ result: Result<T, PlaygroundError>) {
        let continuation = state.withLock { state -> CheckedContinuation<Result<T, PlaygroundError>, Never>? in
            guard !state.answered else { return nil }
            state.answered = true
            if state.continuation == nil { state.early = result }
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: result)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }

    /// `5 s`, `300 ms`: to the millisecond.
    var shown: String {
        let milliseconds = Int64((seconds * 1000).rounded())
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
