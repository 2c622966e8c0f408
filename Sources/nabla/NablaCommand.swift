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

    @Option(help: "The value of the input a.") var a: Double = 2
    @Option(help: "The value of the input o.") var o: Double = 1

    func run() throws {
        let report = Tutorial.run(a: a, o: o)
        print(report)
        if !report.modesAgree { throw ExitCode.failure }
    }
}
