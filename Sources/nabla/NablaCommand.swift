import ArgumentParser
import Nabla

/// `nabla`: see derivatives worked out. Parsing and printing only; the work is in the library.
@main
struct NablaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nabla",
        abstract: "Automatic differentiation you can watch: values, gradients and the chain rule, step by step.",
        discussion: """
            With no subcommand, works out the tutorial's graph (b = 5 - 3a, …, g = 3f - o) at \
            a = 2, o = 1.

            The notation, with every function and its derivative:
              nabla help notation

            Exit status: 0 done; 1 an error in the program, a file or the computation (and \
            for check, an error above the tolerance); 64 a usage error (an unknown subcommand \
            or option, an option's value that is missing, malformed or out of range, options \
            that conflict); 130 interrupted (Ctrl-C).
            """,
        subcommands: [TutorialCommand.self, GradCommand.self, ExplainCommand.self, GraphCommand.self, CompileCommand.self, CheckCommand.self,
                      TrainCommand.self, EmitCommand.self, ServeCommand.self,
                      NotationCommand.self],
        defaultSubcommand: TutorialCommand.self
    )

    /// Runs the command line. A first argument that is not an option must be a subcommand:
    /// argument-parser would hand it to the default subcommand (the tutorial), which answers
    /// about its options ("Unknown option '--at'") instead of naming the word.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        // `nabla help notation` is the reference itself, as `nabla notation` prints it.
        if arguments == ["help", "notation"] { arguments = ["notation"] }
        if let first = arguments.first, !first.hasPrefix("-") {
            let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
            if !names.contains(first) { exit(withError: ValidationError(unknownSubcommand(first, names: names))) }
        }
        main(arguments)
    }

    /// The error for a first argument that is no subcommand: the closest subcommand, or for
    /// what looks like a program, how to give one.
    static func unknownSubcommand(_ word: String, names: [String]) -> String {
        // At most 40 characters, control characters shown as �.
        let scalars = word.unicodeScalars.prefix(40).map { $0.properties.generalCategory == .control ? "\u{FFFD}" : $0 }
        let shown = String(String.UnicodeScalarView(scalars)) + (word.unicodeScalars.count > 40 ? "…" : "")
        if word.contains("=") || word.contains(" ") {
            return "'\(shown)' is not a subcommand; to work out a program, write: nabla grad '\(shown)' --at …"
        }
        if let suggestion = Spelling.closest(to: word, among: names) {
            return "unknown subcommand '\(shown)'; did you mean '\(suggestion)'?"
        }
        return "unknown subcommand '\(shown)' (the subcommands are \(names.joined(separator: ", ")))"
    }
}

struct TutorialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tutorial",
        abstract: "Work out the tutorial's graph in both modes (dynamic and static).",
        discussion: """
            Prints each node's value in forward order, the local partial derivatives taken from \
            the op declarations, the total derivatives from g back to a and o, and checks \
            dg/da against the tutorial's formula -252 - 180d.

            Examples:
              nabla
              nabla tutorial --a 3 --o -1
            """
    )

    // Unconditional: a value may start with '-' (`--o -1`).
    @Option(parsing: .unconditional, help: ArgumentHelp("The value of the input a.", valueName: "number")) var a = "2"
    @Option(parsing: .unconditional, help: ArgumentHelp("The value of the input o.", valueName: "number")) var o = "1"

    func validate() throws {
        _ = try number(a, "--a")
        _ = try number(o, "--o")
    }

    func run() throws {
        let (a, o) = (try number(a, "--a"), try number(o, "--o"))
        try reportingErrors {
            // Inputs so large that a node overflows are an error naming the statement, as for
            // `nabla grad`, rather than a report of infinities.
            _ = try Script(parsing: Tutorial.program).evaluate(at: ["a": a, "o": o])
        }
        let report = Tutorial.run(a: a, o: o)
        print(report)
        if !report.modesAgree { throw ExitCode.failure }
    }
}

struct NotationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notation",
        abstract: "The notation's rules, and every operation with its derivatives (also: nabla help notation).",
        discussion: "The derivatives listed are the op catalogue's rules, the ones Nabla computes with."
    )

    func run() {
        print(Script.notationReference)
    }
}
