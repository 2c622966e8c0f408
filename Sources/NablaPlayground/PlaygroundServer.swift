#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Serves a ``Playground`` over HTTP/1.1 (Hummingbird) until a signal or cancellation stops
/// it, gracefully: it stops accepting connections and finishes the requests it has.
public struct PlaygroundServer: Sendable {
    /// What is served.
    public var playground: Playground
    /// The address to listen on: `127.0.0.1` (the default: this machine only), `::1`,
    /// `localhost`, or another address, which other machines may reach.
    public var host: String
    /// The port to listen on; 0 picks a free one (the URL given to `onListening` says which).
    public var port: Int

    /// The signals that stop the server.
    public enum Signal: Sendable, Equatable {
        /// SIGINT, as Ctrl-C sends it.
        case interrupt
        /// SIGTERM, as `kill` and service managers send it.
        case terminate
    }

    /// A server of `playground` on `host` and `port`.
    public init(_ playground: Playground, host: String = "127.0.0.1", port: Int = 8080) {
        self.playground = playground
        self.host = host
        self.port = port
    }

    /// Whether `host` names this machine only (`127.0.0.0/8`, `::1`, `localhost`).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Serves until one of `signals` arrives (then stops gracefully and returns it; a second
    /// signal stops at once, ending requests in flight) or the calling task is cancelled (then
    /// stops gracefully and returns nil). `onListening` is given the URL once the server
    /// listens (`http://127.0.0.1:8080/`). Throws a ``PlaygroundServer/StartError`` if it cannot listen.
    public func run(stoppingOn signals: [Signal] = [.interrupt, .terminate],
                    onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Signal? {
        var logger = Logger(label: "nabla.serve", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        let listening = Atomic<Bool>(false)
        let app = Application(
            responder: PlaygroundResponder(playground),
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                listening.store(true, ordering: .relaxed)
                onListening(Self.url(of: channel.localAddress))
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let received = FirstSignal()
        let trapped = signals.map { $0 == .interrupt ? UnixSignal.sigint : .sigterm }
        // Trapped before the server listens, so that a signal sent as soon as the URL is
        // printed stops it gracefully too.
        let arriving = trapped.isEmpty ? nil : await UnixSignalsSequence(trapping: trapped)
        // The group runs in a task of its own, so that cancelling the caller stops it gracefully
        // (by the handler below) rather than cancelling the requests in flight.
        let serving = Task { try await group.run() }
        let watching = Task {
            guard let arriving else { return }
            for await signal in arriving {
                if received.record(signal == .sigint ? .interrupt : .terminate) {
                    await group.triggerGracefulShutdown()
                } else {
                    serving.cancel()
                }
            }
        }
        defer { watching.cancel() }
        do {
            try await withTaskCancellationHandler {
                try await serving.value
            } onCancel: {
                Task { await group.triggerGracefulShutdown() }
            }
        } catch is CancellationError {
        } catch {
            if !listening.load(ordering: .relaxed) { throw StartError(host: host, port: port, reason: StartError.reason(error)) }
            throw error
        }
        return received.signal
    }

    /// Runs ``run(stoppingOn:onListening:)`` from synchronous code (a command line tool's
    /// main thread), which it blocks until the server stops. SIGINT and SIGTERM are unblocked
    /// on the calling thread first: a process started from a thread that blocks them (as
    /// libdispatch's threads do) inherits the block, and would not stop on Ctrl-C.
    public func runBlocking(stoppingOn signals: [Signal] = [.interrupt, .terminate],
                            onListening: @escaping @Sendable (String) -> Void = { _ in }) throws -> Signal? {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in signals { sigaddset(&unblock, signal == .interrupt ? SIGINT : SIGTERM) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let outcome = Mutex<Result<Signal?, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<Signal?, any Error>
            do { result = .success(try await run(stoppingOn: signals, onListening: onListening)) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    /// The URL of a listening address: `http://127.0.0.1:8080/`, `http://[::1]:8080/`.
    static func url(of address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "http://localhost/" }
        return "http://\(ip.contains(":") ? "[\(ip)]" : ip):\(port)/"
    }

    /// The server could not listen: the address is taken, not this machine's, or not an address.
    public struct StartError: Error, CustomStringConvertible {
        /// The host asked for.
        public var host: String
        /// The port asked for.
        public var port: Int
        /// What the system said.
        public var reason: String

        /// What the system said about `error`, in words: `Address already in use`.
        static func reason(_ error: any Error) -> String {
            if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
            if error is SocketAddressError.UnknownHost { return "no such host" }
            return "\(error)"
        }

        /// `cannot listen on 127.0.0.1:8080: …`.
        public var description: String { "cannot listen on \(host.contains(":") ? "[\(host)]" : host):\(port): \(reason)" }
    }
}

/// The first signal received.
private final class FirstSignal: Sendable {
    private let first = Mutex<PlaygroundServer.Signal?>(nil)

    /// Records `signal` if it is the first; whether it was.
    func record(_ signal: PlaygroundServer.Signal) -> Bool {
        first.withLock { value in
            guard value == nil else { return false }
            value = signal
            return true
        }
    }

    var signal: PlaygroundServer.Signal? { first.withLock { $0 } }
}
