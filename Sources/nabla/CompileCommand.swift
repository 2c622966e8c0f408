import ArgumentParser
import Nabla

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Show the compiled program (and, with --passes, each pass of the compiler).",
        discussion: """
            Compiles the program as 'nabla grad' does (the values, the gradient, with --order 2 \
            the Hessian) and prints the program it runs: the registers holding the inputs and \
            the constants, every instruction in order, the outputs, how many registers, and \
            which forward values the gradient keeps for backward. With --at, each instruction \
            shows its value. With --passes, first the graph after each pass: the gradient \
            nodes appended, dead-code elimination, constant folding, algebraic simplification \
            (only where IEEE arithmetic keeps every bit), common subexpressions, fusion and \
            memory planning, with what each removed, merged or reused. With --at, the \
            values are checked as 'nabla grad' checks them.

            Examples:
              nabla compile 'b = 5 - 3a; c = 2b + 3; d = 5b + 6
                e = 7c + d^2; f = 2e; g = 3f - o' --passes
              nabla compile 'h = tanh(w*x + b); y = h^2' --at w=0.5,x=2,b=-1
              nabla compile 'y = x^3 + sin(x)' --order 2 --wrt x
            """
    )

    @OptionGroup var options: ProgramOptions

    @Option(help: ArgumentHelp("Differentiate with respect to these names only (comma-separated).", valueName: "names"))
    var wrt: String?

    @Option(parsing: .unconditional, help: "1 for the gradient, 2 to add the Hessian.")
    var order: Int = 1

    @Flag(help: "Print the graph after each pass of the compiler first.")
    var passes = false

    func validate() throws {
        guard order == 1 || order == 2 else { throw ValidationError("--order must be 1 or 2, got \(order)") }
    }

    func run() throws {
        try reportingErrors {
            let script = try options.script()
            let names = wrt.map { $0.split(separator: ",").map { String($0).trimmingWhitespace } }
            let feeds = try options.feeds()
            let compiled = try script.compiled(output: options.output, wrt: names, order: order)
            if options.at.isEmpty {
                warn(script.warnings(output: options.output))
            } else {
                // Values are shown only where `nabla grad` would show them: the same checks, the
                // same errors (a missing input, a value or derivative that is not finite).
                warn(try script.evaluate(at: feeds, output: options.output, wrt: names, order: order).warnings)
            }
            print(try compiled.text(passes: passes, at: options.at.isEmpty ? nil : script.inputValues(in: feeds)))
        }
    }
}
