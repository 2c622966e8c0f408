import ArgumentParser
import Nabla

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Work out the chain rule by hand, as the tutorial does.",
        discussion: """
            Prints the forward values in order, each edge's local partial derivative (as a \
            formula and a number), the total derivatives from the output back to the inputs, \
            with the sum over paths where a value feeds several others, and why any gradient \
            is zero. With --order 2, the Hessian too.

            With --html FILE, writes one self-contained page instead (it opens from disk and \
            fetches nothing) that steps through the forward and backward passes: the graph \
            laid out left to right, each value and each local partial as it is computed, a \
            node's inspector on a click, the dynamic tape and the static backward graph.

            Examples (a line break inside the quotes separates statements, as ';' does):
              nabla explain 'b = 5 - 3a; c = 2b + 3; d = 5b + 6
                e = 7c + d^2; f = 2e; g = 3f - o' --at a=2,o=1
              nabla explain 'h = tanh(w*x + b); y = h^2' --at w=0.5,x=2,b=-1
              nabla explain 'y = relu(x) * 3 + max(x, z)' --at x=-1,z=2
              nabla explain 'y = x^3 * z' --at x=1,z=2 --order 2 --html y.html
            """
    )

    @OptionGroup var options: ProgramOptions

    @Option(parsing: .unconditional, help: "1 for the gradient, 2 to add the Hessian.")
    var order: Int = 1

    @Option(help: ArgumentHelp("Write the interactive page (one self-contained HTML file) to this file.", valueName: "file"))
    var html: String?

    func validate() throws {
        guard order == 1 || order == 2 else { throw ValidationError("--order must be 1 or 2, got \(order)") }
    }

    func run() throws {
        try reportingErrors {
            if let html { try options.refuseOverwritingTheProgram(with: html, option: "--html") }
            let script = try options.script()
            try script.requireNoLoops(for: "nabla explain")
            let feeds = try options.feeds()
            if let html {
                let explanation = try script.explanation(at: feeds, output: options.output, order: order)
                warn(explanation.evaluation.warnings)
                do {
                    try AtomicFileWriter.write(Array(ExplanationPage.html(for: explanation).utf8), to: html)
                } catch {
                    throw CommandError("\(error)")
                }
                print("wrote \(html)")
                return
            }
            // Validates the feeds and the output, and reports domain errors by statement.
            let evaluation = try script.evaluate(at: feeds, output: options.output, order: order)
            warn(evaluation.warnings)
            let graph = Graph()
            let nodes = script.buildStatic(in: graph)
            let output = nodes[try script.index(ofName: evaluation.output)]
            print(try graph.derivation(of: output, at: script.inputValues(in: feeds)))
            if let hessian = evaluation.hessianText { print("\n" + hessian) }
        }
    }
}
