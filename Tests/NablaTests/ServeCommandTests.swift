import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `nabla serve` as a user runs it: it prints the URL it listens on, answers, and stops
/// cleanly on Ctrl-C (SIGINT, exit status 130) and on SIGTERM (0).
@Suite("nabla serve")
struct ServeCommandTests {
    /// `nabla serve` running in the background, its standard output and error in pipes.
    final class Server {
        let process = Process()
        let output = Pipe(), errors = Pipe()

        init(_ arguments: [String]) throws {
            let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            var executable = directory.appendingPathComponent("nabla")
            while !FileManager.default.isExecutableFile(atPath: executable.path), executable.pathComponents.count > 2 {
                executable = executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("nabla")
            }
            process.executableURL = executable
            process.arguments = ["serve"] + arguments
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        deinit { if process.isRunning { process.terminate() } }

        /// The first line of standard output (up to 30 s for it; empty if it ends first).
        func firstLine() -> String {
            let handle = output.fileHandleForReading
            nonisolated(unsafe) var line = Data()
            let done = DispatchSemaphore(value: 0)
            Thread {
                while !line.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    line.append(chunk)
                }
                done.signal()
            }.start()
            _ = done.wait(timeout: .now() + 30)
            return String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        }

        /// Sends `signal` and waits for the exit: its status and standard error.
        func stop(with signal: Int32) -> (status: Int32, errors: String) {
            kill(process.processIdentifier, signal)
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, errorText)
        }
    }

    /// The URL in `nabla serve: listening on http://127.0.0.1:PORT/`.
    static func url(in line: String) throws -> URL {
        let prefix = "nabla serve: listening on "
        #expect(line.hasPrefix(prefix + "http://127.0.0.1:"), "first line: \(line)")
        return try #require(URL(string: String(line.dropFirst(prefix.count))))
    }

    static func tutorialGradient(at url: URL) async throws -> String {
        var request = URLRequest(url: url.appendingPathComponent("api/explain"))
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"program": "b = 5 - 3a; c = 2b + 3; d = 5b + 6; e = 7c + d^2; f = 2e; g = 3f - o", "at": "a=2, o=1"}"#.utf8)
        let (data, _) = try await URLSession.shared.data(for: request)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func ctrlCStopsItWithStatus130() async throws {
        let server = try Server(["--port", "0"])
        let url = try Self.url(in: server.firstLine())
        #expect(try await Self.tutorialGradient(at: url).contains(#""gradient":{"a":-432,"o":-1}"#))
        let (status, errors) = server.stop(with: SIGINT)
        #expect(status == 130)
        #expect(errors == "nabla serve: stopped\n")
    }

    @Test func sigtermStopsItWithStatus0() async throws {
        let server = try Server(["--port", "0", "--host", "127.0.0.1"])
        let url = try Self.url(in: server.firstLine())
        #expect(try await Self.tutorialGradient(at: url).hasPrefix(#"{"output":"g","value":47,"#))
        let (status, errors) = server.stop(with: SIGTERM)
        #expect(status == 0)
        #expect(errors == "nabla serve: stopped\n")
    }

    @Test func aPortInUseIsAnErrorNamingIt() throws {
        let first = try Server(["--port", "0"])
        let url = try Self.url(in: first.firstLine())
        let port = try #require(url.port)
        let second = try CommandLineTests.nabla(["serve", "--port", "\(port)"])
        #expect(second.status == 1)
        #expect(second.errors.hasPrefix("error: cannot listen on 127.0.0.1:\(port): "), "\(second.errors)")
        #expect(first.stop(with: SIGTERM).status == 0)
    }

    @Test func aPortOutOfRangeIsAUsageError() throws {
        let run = try CommandLineTests.nabla(["serve", "--port", "70000"])
        #expect(run.status == 64)
        #expect(run.errors.contains("--port must be from 0 to 65535, got 70000"))
    }
}
