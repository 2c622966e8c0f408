import ArgumentParser
import Nabla

struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "Evaluate a program and its gradient (and Hessian).",
        discussion: """
            Prints the output's value, every named value, and the gradient of the output with \
            respect to every input and every intermediate value (with --wrt, to those names \
            only).

            The notation: nabla help notation

            Examples (a line break inside the quotes separates statements, as ';' does):
              nabla grad 'b = 5 - 3a; c = 2b + 3; d = 5b + 6
                e = 7c + d^2; f = 2e; g = 3f - o' --at a=2 --at o=1
              nabla grad 'y = x^3 + sin(x)' --at x=0.5 --order 2
              nabla grad -f model.txt --at a=2,o=1 --wrt a --json
              echo 'y = exp(x) * x' | nabla grad - --at x=1 --mode dynamic
              nabla grad 'y = x^2 * z + exp(z)' --at x=1.5,z=0.5 --order 2 --mode forward
              nabla grad 'repeat 1000 { x = tanh(1.01x + 0.1) }' --at x=0.5 --json
            """
    )

    @OptionGroup var options: ProgramOptions

    @Option(help: ArgumentHelp("Differentiate with respect to these names only (comma-separated).", valueName: "names"))
    var wrt: String?

    @Option(parsing: .unconditional, help: "1 for the gradient, 2 to add the Hessian.")
    var order: Int = 1

    @Option(help: "The engine: static (compiled graph), dynamic (recorded while computing), or forward (forward mode: one Jacobian-vector product per input, the Hessian forward-over-reverse).")
    var mode: ScriptMode = .static

    @Flag(help: "Print one JSON object (see the README for its schema).")
    var json = false

    func validate() throws {
        guard order == 1 || order == 2 else { throw ValidationError("--order must be 1 or 2, got \(order)") }
    }

    func run() throws {
        try reportingErrors {
            let script = try options.script()
            let names = wrt.map { $0.split(separator: ",").map { String($0).trimmingWhitespace } }
            let evaluation = try script.evaluate(at: options.feeds(), output: options.output, wrt: names, order: order, mode: mode)
            warn(evaluation.warnings)
            print(json ? evaluation.json : evaluation.text)
        }
    }
}

extension ScriptMode: ExpressibleByArgument {}

extension StringProtocol {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
