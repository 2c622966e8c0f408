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
    // Exclusivity is not checked at run time: the context belongs to one thread.
    @exclusivity(unchecked) @usableFromInline unowned(unsafe) var current: Tape?
    @exclusivity(unchecked) @usableFromInline var hasCurrent = false
    /// What recording does now, in one word: the no-grad depth (greater than zero inside
    /// ``withoutRecording(_:)``) in the low bits, and ``anomalyDetectionBit``. Zero is plain
    /// recording, so the hot paths test one word and take a slow path for anything else. Kept
    /// behind a pointer that tapes copy, so they read it without touching (and
    /// reference-counting) the context; freed with the context, which every tape holds.
    @usableFromInline let modePointer: UnsafeMutablePointer<Int> = {
        let pointer = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()
    /// Set in ``modePointer`` inside ``withAnomalyDetection(_:)``.
    @usableFromInline static let anomalyDetectionBit = 1 << 40
    @inlinable var noGradDepth: Int {
        get { modePointer.pointee & (Self.anomalyDetectionBit - 1) }
        set { modePointer.pointee = (modePointer.pointee & Self.anomalyDetectionBit) | newValue }
    }
    /// The detector of the innermost ``withAnomalyDetection(_:)`` scope, if any.
    @exclusivity(unchecked) var anomalyDetector: AnomalyDetector? {
        didSet {
            modePointer.pointee = anomalyDetector == nil ? modePointer.pointee & ~Self.anomalyDetectionBit
                                                         : modePointer.pointee | Self.anomalyDetectionBit
        }
    }
    /// The node arrays of the last small tape freed, kept for the next tape.
    @exclusivity(unchecked) var spareStorage: TapeStorage?
    /// A gradient buffer kept between backward passes of small graphs.
    @exclusivity(unchecked) @usableFromInline var scratch = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)

    /// The current tensor tape for each element type (see `currentTensorTape`).
    @exclusivity(unchecked) var tensorTapes: [ObjectIdentifier: Unmanaged<AnyObject>] = [:]

    /// Tapes kept for ``GradientTape`` scopes, one per nesting depth. They live as long as their
    /// thread (a few per thread), so a ``TapeValue`` that escapes its scope points at valid
    /// memory and is recognised by its generation; they are freed when the thread ends.
    @exclusivity(unchecked) var scopeTapes: [Unmanaged<Tape>] = []
    @exclusivity(unchecked) var scopeDepth = 0

    @usableFromInline
    func enterScope() -> Tape {
        if scopeDepth == scopeTapes.count {
            // Retained once and never released: see scopeTapes.
            scopeTapes.append(Unmanaged.passRetained(Tape(context: self, serial: Self.takeSerial())))
        }
        let tape = scopeTapes[scopeDepth].takeUnretainedValue()
        scopeDepth += 1
        tape.serial = 0     // assigned when a leaf is first tracked (see Tape.index(of:))
        tape.generation &+= 1
        return tape
    }

    @usableFromInline
    func leaveScope() {
        scopeDepth -= 1
        scopeTapes[scopeDepth]._withUnsafeGuaranteedRef { tape in
            tape.generation &+= 1
            tape.clearScope()
        }
    }

    /// Tapes up to this many nodes have their memory recycled rather than freed.
    @usableFromInline static let recycledCapacity = 1 << 14

    /// Larger tapes, up to this many nodes (about 6 MB), are recycled too when their graph used
    /// at least a quarter of them: a training loop builds a graph of the same size every step
    /// (micrograd's demo: 66k nodes), and freeing and regrowing it each time costs copies and
    /// page faults. A large buffer reused for a small graph is freed after it.
    @usableFromInline static let recycledLargeCapacity = 1 << 18

    /// The largest buffers (in nodes, about 25 MB) a `GradientTape` scope keeps for the next one.
    @usableFromInline static let recycledScopeCapacity = 1 << 20

    func takeStorage() -> TapeStorage {
        if let spare = spareStorage {
            spareStorage = nil
            return spare
        }
        return TapeStorage(capacity: 64)
    }

    func recycle(_ storage: TapeStorage) {
        var storage = storage
        let wellUsed = storage.capacity <= Self.recycledLargeCapacity && storage.count >= storage.capacity / 4
        if (storage.capacity <= Self.recycledCapacity || wellUsed) && spareStorage == nil {
            storage.reset()
            spareStorage = storage
        } else {
            storage.deallocate()
        }
    }

    /// A gradient buffer of `count` entries filled with `Gradient.unreached`: the scratch buffer
    /// when it is big enough, else a new one. Return it with ``releaseBuffer(_:)``.
    @inlinable
    func gradientBuffer(count: Int) -> UnsafeMutableBufferPointer<Double> {
        if count <= scratch.count {
            let buffer = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
            buffer.update(repeating: Gradient.unreached)
            return buffer
        }
        if count <= Self.recycledLargeCapacity {
            // Grown to the largest graph seen, up to 2 MB of gradients.
            scratch.deallocate()
            scratch = .allocate(capacity: Swift.max(count, Self.recycledCapacity))
            return gradientBuffer(count: count)
        }
        let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
        buffer.initialize(repeating: Gradient.unreached)
        return buffer
    }

    @inlinable
    func releaseBuffer(_ buffer: UnsafeMutableBufferPointer<Double>) {
        if buffer.baseAddress != scratch.baseAddress { buffer.deallocate() }
    }

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
    @usableFromInline static func takeSerial() -> UInt64 {
        serialCounter.wrappingAdd(1, ordering: .relaxed).newValue
    }

    // MARK: Thread-local storage

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            let context = Unmanaged<RecordingContext>.fromOpaque(pointer)
            #else
            guard let pointer else { return }
            let context = Unmanaged<RecordingContext>.fromOpaque(pointer)
            #endif
            context.takeUnretainedValue().threadDidEnd()
            context.release()
        }
        return key
    }()

    /// Frees what the context keeps for its thread's next graph, when the thread ends: the scope
    /// tapes, the spare node arrays and the gradient scratch buffer (a few MB for a thread that
    /// built a large graph). Tapes still held by values that outlive the thread keep the context
    /// alive; what they return to it is freed with it (`deinit`).
    func threadDidEnd() {
        let tapes = scopeTapes
        scopeTapes = []
        scopeDepth = 0
        for tape in tapes {
            tape._withUnsafeGuaranteedRef { $0.generation &+= 1 }
            tape.release()
        }
        freeSpareBuffers()
    }

    private func freeSpareBuffers() {
        spareStorage?.deallocate()
        spareStorage = nil
        scratch.deallocate()
        scratch = UnsafeMutableBufferPointer(start: nil, count: 0)
    }

    deinit {
        freeSpareBuffers()
        modePointer.deallocate()
    }

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
