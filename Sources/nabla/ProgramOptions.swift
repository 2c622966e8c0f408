import ArgumentParser
import Foundation
import Nabla

/// The program and input values every subcommand reads.
struct ProgramOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "The program, in the tutorial's notation ('-' reads standard input).",
        discussion: "Statements are name = expression, separated by ';' or new lines.\nThe notation: nabla help notation",
        valueName: "program"))
    var program: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("Read the program from a file.", valueName: "file"))
    var file: String?

    @Option(name: .customLong("at"), parsing: .singleValue,
            help: ArgumentHelp("Input values: --at a=2 --at o=1, or --at a=2,o=1 (decimal numbers).", valueName: "name=value"))
    var at: [String] = []

    @Option(name: .customLong("of"), help: ArgumentHelp("The output (default: the last statement).", valueName: "name"))
    var output: String?

    func validate() throws {
        if program != nil && file != nil { throw ValidationError("give the program either as an argument or with --file, not both") }
        if program == nil && file == nil { throw ValidationError("missing the program: give it as an argument, with --file FILE, or '-' for standard input") }
        do { _ = try Script.inputValues(at) } catch { throw ValidationError(error.message) }
    }

    /// The program text (at most 64 MiB of UTF-8, from any source).
    func text() throws(ScriptError) -> String {
        if let file { return try ProgramSource.readFile(file) }
        if program == "-" { return try ProgramSource.readStandardInput() }
        return program ?? ""
    }

    /// The parsed program.
    func script() throws(ScriptError) -> Script { try Script(parsing: text()) }

    /// Refuses an output file (given with `option`) that is the program's file.
    func refuseOverwritingTheProgram(with path: String, option: String) throws(CommandError) {
        if let file, ProgramSource.isSameFile(file, path) {
            throw CommandError("\(option) '\(path)' is the program's file ('\(file)'): writing it would destroy the program; choose another file")
        }
    }

    /// The input values from every --at.
    func feeds() throws(ScriptError) -> [String: Double] { try Script.inputValues(at) }
}

/// The value of a number-valued option, read as the notation reads numbers (`2`, `-0.5`, `1e-3`;
/// never `inf`, `nan` or hexadecimal): otherwise a usage error (exit status 64) naming the
/// option and the value.
func number(_ text: String, _ option: String) throws -> Double {
    do { return try Script.decimal(text, option: option) } catch { throw ValidationError(error.message) }
}

/// An error of the command line itself (not of the program): printed as `error: …`.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints warnings to standard error.
func warn(_ warnings: [String]) {
    for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
}

/// Runs a subcommand's body, printing a program's errors as `error: …` on standard error with
/// exit status 1 (never a crash, never a stack trace).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ScriptError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    } catch let error as CommandError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    } catch let error as ProgramError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
