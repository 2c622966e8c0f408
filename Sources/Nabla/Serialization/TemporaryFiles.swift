#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The temporary files that ``AtomicFileWriter``s are writing now, where a signal handler can
/// find them: a fixed number of slots, each a state and a path buffer, allocated once, so that
/// removing the files allocates nothing, takes no lock and touches no reference count (only
/// atomic loads and `unlink`, both async-signal-safe).
///
/// A slot is free (0), reserved while its path is copied in and the file created (1), or live
/// (2); only live slots are removed. A writer whose path is too long for a slot, or that finds
/// every slot taken, still writes atomically, without the signal-time cleanup.
struct TemporaryFiles: @unchecked Sendable {
    /// The registry that writers use and signal handlers empty.
    static let shared = TemporaryFiles(capacity: 64)

    let capacity: Int
    static let pathCapacity = 4096
    private let states: UnsafeMutablePointer<Atomic<Int>>
    private let paths: UnsafeMutablePointer<CChar>

    /// A registry of `capacity` slots, never freed (the shared one lives as long as the
    /// process).
    init(capacity: Int) {
        self.capacity = capacity
        states = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: capacity)
        for slot in 0..<capacity { (states + slot).initialize(to: Atomic(0)) }
        paths = UnsafeMutablePointer<CChar>.allocate(capacity: capacity * Self.pathCapacity)
        paths.initialize(repeating: 0, count: capacity * Self.pathCapacity)
    }

    /// Takes a free slot for `path` (not yet removable), or nil when none is free or the path
    /// does not fit.
    func reserve(_ path: String) -> Int? {
        let bytes = Array(path.utf8)
        guard bytes.count < Self.pathCapacity, !bytes.contains(0) else { return nil }
        for slot in 0..<capacity where states[slot].compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
            let buffer = paths + slot * Self.pathCapacity
            for (i, byte) in bytes.enumerated() { buffer[i] = CChar(bitPattern: byte) }
            buffer[bytes.count] = 0
            return slot
        }
        return nil
    }

    /// Marks a reserved slot's file as existing: from now on ``removeAll()`` removes it.
    func activate(_ slot: Int) {
        states[slot].store(2, ordering: .releasing)
    }

    /// Frees a slot (its file has been renamed or removed).
    func release(_ slot: Int) {
        states[slot].store(0, ordering: .releasing)
    }

    /// Removes every live slot's file. Async-signal-safe.
    func removeAll() {
        for slot in 0..<capacity where states[slot].load(ordering: .acquiring) == 2 {
            unlink(paths + slot * Self.pathCapacity)
        }
    }

    /// The paths of the live slots.
    var live: [String] {
        (0..<capacity).filter { states[$0].load(ordering: .acquiring) == 2 }.map { String(cString: paths + $0 * Self.pathCapacity) }
    }

    /// For each of SIGINT, SIGTERM and SIGHUP whose action is still the default, a handler that
    /// removes the temporary files, restores the default action and raises the signal again,
    /// so that the process ends as it would have. Done once, the first time a writer starts;
    /// signals a program handles or ignores are left alone.
    static func installSignalHandlers() {
        _ = handlersInstalled
    }

    private static let handlersInstalled: Void = {
        _ = shared  // initialised before any handler can read it
        for number in [SIGINT, SIGTERM, SIGHUP] {
            var current = sigaction()
            guard sigaction(number, nil, &current) == 0, isDefault(current) else { continue }
            var action = sigaction()
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            setHandler(&action) { received in
                TemporaryFiles.shared.removeAll()
                _ = signal(received, SIG_DFL)
                raise(received)
            }
            sigaction(number, &action, nil)
        }
    }()

    private static func isDefault(_ action: sigaction) -> Bool {
        #if canImport(Glibc)
        action.sa_flags & SA_SIGINFO == 0 && action.__sigaction_handler.sa_handler == nil
        #else
        action.sa_flags & SA_SIGINFO == 0 && action.__sigaction_u.__sa_handler == nil
        #endif
    }

    private static func setHandler(_ action: inout sigaction, _ handler: @convention(c) (Int32) -> Void) {
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
    }
}
