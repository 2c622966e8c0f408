import ArgumentParser
import Nabla

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Work out the chain rule by hand, as the tutorial does.",
        discussion: """
            Prints the forward values in order, each edge's local partial derivative (as a \
            formula and a number), and the total derivatives from the output back to the inputs, \
            with the sum over paths where a value feeds several others.

            Examples (a line break inside the quotes separates statements, as ';' does):
              nabla explain 'b = 5 - 3a; c = 2b + 3; d = 5b + 6
                e = 7c + d^2; f = 2e; g = 3f - o' --at a=2,o=1
              nabla explain 'h = tanh(w*x + b); y = h^2' --at w=0.5,x=2,b=-1
            """
    )

    @OptionGroup var options: ProgramOptions

    func run() throws {
        try reportingErrors {
            let script = try options.script()
            try script.requireNoLoops(for: "nabla explain")
            let feeds = try options.feeds()
            // Validates the feeds and the output, and reports domain errors by statement.
            let evaluation = try script.evaluate(at: feeds, output: options.output)
            warn(evaluation.warnings)
            let graph = Graph()
            let nodes = script.buildStatic(in: graph)
            let output = nodes[try script.index(ofName: evaluation.output)]
            print(try graph.derivation(of: output, at: script.inputValues(in: feeds)))
        }
    }
}
