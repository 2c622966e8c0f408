#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Per-thread recording state: the tape new graphs start on, and the no-grad depth.
///
/// A tape is confined to the thread that created it (``Value`` is not `Sendable`). The context
/// does not keep its current tape alive: the values computed on it do. When the last of them
/// goes the tape is freed, and the next computation starts a new one. `backward()` also ends the
/// current tape, as PyTorch frees a graph after backward, so a value kept from an earlier step
/// never makes later steps grow the old graph.
@usableFromInline
final class RecordingContext {
    /// The tape new graphs are recorded on; cleared when that tape is freed or ended.
    @usableFromInline unowned(unsafe) var current: Tape?
    @usableFromInline var hasCurrent = false
    /// Greater than zero inside ``withoutRecording(_:)``.
    @usableFromInline var noGradDepth = 0
    /// Tapes of this thread that are still alive (for tests and diagnostics).
    @usableFromInline var liveTapes = 0
    var nextSerial: UInt64 = 1

    /// The current tape, created if there is none.
    @inlinable
    func currentTape() -> Tape {
        if hasCurrent, let tape = current { return tape }
        return startTape()
    }

    @usableFromInline
    func startTape() -> Tape {
        let tape = Tape(context: self, serial: Self.takeSerial())
        current = tape
        hasCurrent = true
        return tape
    }

    func tapeWasFreed(_ tape: Tape) {
        if hasCurrent && current === tape { end() }
    }

    /// Ends the current tape: the next graph starts on a new one.
    @usableFromInline
    func end() {
        current = nil
        hasCurrent = false
    }

    // Serials are unique across threads, so a leaf used on two threads never mistakes one
    // thread's tape for another's.
    private static let serialCounter = Atomic<UInt64>(0)
    static func takeSerial() -> UInt64 {
        serialCounter.wrappingAdd(1, ordering: .relaxed).newValue
    }

    // MARK: Thread-local storage

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            Unmanaged<RecordingContext>.fromOpaque(pointer).release()
            #else
            if let pointer { Unmanaged<RecordingContext>.fromOpaque(pointer).release() }
            #endif
        }
        return key
    }()

    /// This thread's context.
    @usableFromInline
    static var forThisThread: RecordingContext {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<RecordingContext>.fromOpaque(pointer).takeUnretainedValue()
        }
        let context = RecordingContext()
        pthread_setspecific(key, Unmanaged.passRetained(context).toOpaque())
        return context
    }
}

/// Runs `body` without recording: values computed inside are constants with no graph, as in
/// PyTorch's `torch.no_grad()`. Use it for evaluation and for updating parameters.
public func withoutRecording<Result>(_ body: () throws -> Result) rethrows -> Result {
    let context = RecordingContext.forThisThread
    context.noGradDepth += 1
    defer { context.noGradDepth -= 1 }
    return try body()
}

/// Whether values computed on this thread now are recorded (false inside ``withoutRecording(_:)``).
public var isRecording: Bool { RecordingContext.forThisThread.noGradDepth == 0 }
