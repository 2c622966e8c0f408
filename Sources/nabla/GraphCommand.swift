import ArgumentParser
import Foundation
import Nabla

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Show the computation graph (Graphviz DOT, JSON, or a rendered picture).",
        discussion: """
            One box per operation, with its name, op, and with --at its value and the output's \
            derivative with respect to it. Render DOT with Graphviz (`dot -Tsvg`), or let --output \
            do it.

            Examples (a line break inside the quotes separates statements, as ';' does):
              nabla graph 'b = 5 - 3a; c = 2b + 3; d = 5b + 6
                e = 7c + d^2; f = 2e; g = 3f - o' --at a=2,o=1 > tutorial.dot
              nabla graph 'y = sin(x) * x' --at x=1 --output y.svg
              nabla graph 'y = sin(x) * x' --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case dot, json }

    @OptionGroup var options: ProgramOptions

    @Option(help: "dot (the default) or json, printed on standard output.")
    var format: Format?

    @Option(name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("Render to an .svg or .png file with Graphviz's dot.", valueName: "file"))
    var outputFile: String?

    func validate() throws {
        guard let outputFile else { return }
        if format == .json {
            throw ValidationError("--format json prints JSON on standard output and --output renders a picture of the graph: give one or the other")
        }
        guard ["svg", "png"].contains((outputFile as NSString).pathExtension.lowercased()) else {
            throw ValidationError("--output must end in .svg or .png (got '\(outputFile)'); use --format dot for DOT text")
        }
    }

    func run() throws {
        try reportingErrors {
            if let outputFile { try options.refuseOverwritingTheProgram(with: outputFile, option: "--output") }
            let script = try options.script()
            try script.requireNoLoops(for: "nabla graph")
            let feeds = try options.feeds()
            let outputIndex = try script.index(ofName: options.output ?? script.output)
            var evaluationFeeds: [String: Double]?
            if !feeds.isEmpty {
                let evaluation = try script.evaluate(at: feeds, output: options.output)
                warn(evaluation.warnings)
                evaluationFeeds = script.inputValues(in: feeds)
            } else {
                warn(script.warnings(output: options.output))
            }
            let graph = Graph()
            let output = script.buildStatic(in: graph)[outputIndex]
            let export = try graph.export(output, at: evaluationFeeds)
            guard let outputFile else {
                print(format == .json ? export.json : export.dot)
                return
            }
            try render(export.dot, to: outputFile)
        }
    }

    /// Runs Graphviz's `dot` to write an SVG or PNG.
    private func render(_ dot: String, to path: String) throws {
        let fileFormat = (path as NSString).pathExtension.lowercased()   // svg or png (see validate())
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let executable = directories.map({ "\($0)/dot" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CommandError("Graphviz's 'dot' is not installed: install it (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz), or print DOT with --format dot")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-T\(fileFormat)", "-o", path]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        let message: String
        do {
            try process.run()
            try input.fileHandleForWriting.write(contentsOf: Data(dot.utf8))
            try input.fileHandleForWriting.close()
            // Read to the end before waiting, so that dot never blocks on a full pipe.
            message = String(decoding: try errors.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
            process.waitUntilExit()
        } catch {
            throw CommandError("could not run Graphviz's dot (\(executable)): \(error.localizedDescription)")
        }
        guard process.terminationStatus == 0 else { throw CommandError("dot failed: \(message)") }
        print("wrote \(path)")
    }
}
