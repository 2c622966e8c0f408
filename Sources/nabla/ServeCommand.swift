import ArgumentParser
import Foundation
import NablaPlayground

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a local playground: a page with an editor, and a JSON API (POST /api/explain).",
        discussion: """
            Type a program and its input values in the page and see its value and derivatives \
            update as you type; errors are shown with their caret. Prints the URL it listens \
            on, then serves until Ctrl-C (exit status 130) or SIGTERM (exit status 0), \
            finishing the requests it has.

            It listens on 127.0.0.1, this machine only, unless --host says otherwise. Requests \
            are limited to 1 MiB, about 10 million operations and 5 seconds each.

            Examples:
              nabla serve
              nabla serve --port 0
              curl -s localhost:8080/api/explain -d '{"program": "y = x^2", "at": {"x": 3}}'
            """
    )

    @Option(help: ArgumentHelp("The port to listen on (0: any free port).", valueName: "port"))
    var port: Int = 8080

    @Option(help: ArgumentHelp("The address to listen on; other than loopback, other machines may reach the playground.", valueName: "address"))
    var host = "127.0.0.1"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must be an address, such as 127.0.0.1") }
    }

    func run() throws {
        let server = PlaygroundServer(.gradient, host: host, port: port)
        var stop: PlaygroundServer.Signal?
        try reportingErrors {
            do {
                stop = try server.runBlocking { url in
                    // Written at once (print is buffered when standard output is a pipe), so that
                    // a script can read the URL.
                    FileHandle.standardOutput.write(Data("nabla serve: listening on \(url)\n".utf8))
                    if !PlaygroundServer.isLoopback(host) {
                        FileHandle.standardError.write(Data("warning: listening on \(host): other machines may reach the playground, which has no access control\n".utf8))
                    }
                }
            } catch let error as PlaygroundServer.StartError {
                throw CommandError(error.description)
            }
        }
        FileHandle.standardError.write(Data("nabla serve: stopped\n".utf8))
        if stop == .interrupt { throw ExitCode(130) }
    }
}
