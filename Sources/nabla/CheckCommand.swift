import ArgumentParser
import Nabla

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare the gradient (and Hessian) with finite differences.",
        discussion: """
            Exits with status 1 if the largest relative error exceeds the tolerance (0 if not).

            Examples:
              nabla check 'y = x^3 * sin(x)' --at x=0.7 --order 2
              nabla check 'b = 5 - 3a; g = b^2 - o' --at a=2,o=1 --tolerance 1e-4
            """
    )

    @OptionGroup var options: ProgramOptions

    @Option(parsing: .unconditional, help: "1 checks the gradient, 2 also the Hessian.")
    var order: Int = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("The largest relative error accepted (0 or more).", valueName: "number"))
    var tolerance = "1e-5"

    func validate() throws {
        guard order == 1 || order == 2 else { throw ValidationError("--order must be 1 or 2, got \(order)") }
        guard try number(tolerance, "--tolerance") >= 0 else { throw ValidationError("--tolerance must be 0 or more, got \(tolerance)") }
    }

    func run() throws {
        var passed = true
        let tolerance = try number(tolerance, "--tolerance")
        try reportingErrors {
            let report = try options.script().check(at: options.feeds(), output: options.output, order: order, tolerance: tolerance)
            warn(report.warnings)
            print(report.text)
            passed = report.passed
        }
        if !passed { throw ExitCode.failure }
    }
}
