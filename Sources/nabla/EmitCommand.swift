import ArgumentParser
import Nabla

struct EmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Print a program and its gradient (and Hessian) as Swift or C source code.",
        discussion: """
            Prints straight-line code computing the output, its gradient and, with --order 2, \
            its Hessian: the compiled program of nabla grad, one statement per operation, the \
            reverse pass written out, using nothing but the language's standard library. The \
            numbers are those nabla grad prints, bit for bit.

            With --main the code is a complete program: its arguments are name=value pairs, \
            and it prints exactly what nabla grad --json prints for the same values.

            Examples:
              nabla emit 'b = 5 - 3a; c = 2b + 3; d = 5b + 6
                e = 7c + d^2; f = 2e; g = 3f - o' --lang swift --function tutorial
              nabla emit 'y = x^3 + sin(x)' --lang c --order 2
              nabla emit 'y = tanh(w*x + b)' --lang c --wrt w,b --main
            """
    )

    @OptionGroup var options: ProgramOptions

    @Option(help: ArgumentHelp("The language: swift or c.", valueName: "language"))
    var lang: SourceLanguage

    @Option(help: ArgumentHelp("Differentiate with respect to these names only (comma-separated).", valueName: "names"))
    var wrt: String?

    @Option(parsing: .unconditional, help: "1 for the gradient, 2 to add the Hessian.")
    var order: Int = 1

    @Option(help: ArgumentHelp("The function's name (default: the output's, with _gradient).", valueName: "name"))
    var function: String?

    @Flag(help: "Add a main that reads name=value arguments and prints what nabla grad --json prints.")
    var main = false

    func validate() throws {
        guard order == 1 || order == 2 else { throw ValidationError("--order must be 1 or 2, got \(order)") }
        if !options.at.isEmpty { throw ValidationError("emit takes no --at: the code takes the input values (with --main, as name=value arguments)") }
    }

    func run() throws {
        try reportingErrors {
            let script = try options.script()
            warn(script.warnings(output: options.output))
            let names = wrt.map { $0.split(separator: ",").map { String($0).trimmingWhitespace } }
            print(try script.source(in: lang, output: options.output, wrt: names, order: order, functionName: function, main: main),
                  terminator: "")
        }
    }
}

extension SourceLanguage: ExpressibleByArgument {}
