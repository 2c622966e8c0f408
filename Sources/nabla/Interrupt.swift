#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Nabla
import Synchronization

/// Ctrl-C for a long command: the first SIGINT asks the work to stop at its next check (the
/// library's training loop asks after every step) and says so on standard error; a second
/// one removes any file being written (``AtomicFileWriter/removeTemporaryFiles()``) and exits
/// at once with status 130, as a shell reports a SIGINT.
enum Interrupt {
    private static let count = Atomic<Int>(0)

    /// Whether a SIGINT has arrived since ``install()``.
    static var requested: Bool { count.load(ordering: .relaxed) > 0 }

    /// Handles SIGINT from now on (only async-signal-safe calls in the handler: an atomic add,
    /// `write`, `unlink`, `_exit`), and unblocks it: a process started from a thread that
    /// blocks signals (as libdispatch's threads do) inherits the block. A SIGINT that was
    /// ignored when the tool started (a background job of a script) stays ignored.
    static func install() {
        _ = count.load(ordering: .relaxed)  // initialised before the handler can read it
        var current = sigaction()
        sigaction(SIGINT, nil, &current)
        #if canImport(Glibc)
        let previous = current.__sigaction_handler.sa_handler
        #else
        let previous = current.__sigaction_u.__sa_handler
        #endif
        // SIG_IGN is the handler "1".
        let ignored = current.sa_flags & SA_SIGINFO == 0 && previous.map { unsafeBitCast($0, to: Int.self) } == 1
        guard !ignored else { return }
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        let handler: @convention(c) (Int32) -> Void = { _ in
            if Interrupt.count.add(1, ordering: .relaxed).newValue == 1 {
                let message: StaticString = "\ninterrupted: stopping at the end of this step (Ctrl-C again to quit at once)\n"
                _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
            } else {
                AtomicFileWriter.removeTemporaryFiles()
                _exit(130)
            }
        }
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigaction(SIGINT, &action, nil)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    private static let announcesStop = Atomic<Bool>(true)

    /// `nabla train --distributed`: SIGUSR1, which mpirun passes on to every rank (it ends the
    /// job on SIGINT), asks the training to stop as the first Ctrl-C does; the ranks agree to
    /// stop after the same step. Only a rank that `announces` says so on standard error.
    static func installStopSignal(announces: Bool) {
        announcesStop.store(announces, ordering: .relaxed)
        _ = count.load(ordering: .relaxed)
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        let handler: @convention(c) (Int32) -> Void = { _ in
            if Interrupt.count.add(1, ordering: .relaxed).newValue == 1, Interrupt.announcesStop.load(ordering: .relaxed) {
                let message: StaticString = "\nSIGUSR1: every rank stops at the end of this step\n"
                _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
            }
        }
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigaction(SIGUSR1, &action, nil)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGUSR1)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}
