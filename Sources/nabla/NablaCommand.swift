import ArgumentParser
import Nabla

/// `nabla`: see derivatives worked out. Parsing and printing only; the work is in the library.
@main
struct NablaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nabla",
        abstract: "Automatic differentiation you can watch: values, gradients and the chain rule, step by step.",
        discussion: "With no subcommand, works out the tutorial's graph (b = 5 - 3a, …, g = 3f - o) at a = 2, o = 1.",
        subcommands: [TutorialCommand.self, GradCommand.self, ExplainCommand.self, GraphCommand.self, CheckCommand.self, TrainCommand.self],
        defaultSubcommand: TutorialCommand.self
    )
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
        let report = Tutorial.run(a: try number(a, "--a"), o: try number(o, "--o"))
        print(report)
        if !report.modesAgree { throw ExitCode.failure }
    }
}
