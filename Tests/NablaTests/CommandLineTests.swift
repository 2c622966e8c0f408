import Foundation
import Testing
@testable import Nabla

/// `nabla` end to end: the built tool is run as a user runs it, and its output compared exactly.
/// The expected texts were reviewed by hand against the tutorial.
@Suite("The nabla command")
struct CommandLineTests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs the `nabla` built beside the tests.
    static func nabla(_ arguments: [String], input: String? = nil, inputBytes: [UInt8]? = nil, inputFile: String? = nil,
                      environment: [String: String]? = nil) throws -> Run {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var executable = directory.appendingPathComponent("nabla")
        // swift test runs the tests from an .xctest bundle inside the build folder on some platforms.
        while !FileManager.default.isExecutableFile(atPath: executable.path), executable.pathComponents.count > 2 {
            executable = executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("nabla")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let (out, err, inp) = (Pipe(), Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        // Standard input: a file (`/dev/zero`), or a pipe the program reads to its end before it
        // writes anything.
        process.standardInput = try inputFile.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        if let inputBytes { inp.fileHandleForWriting.write(Data(inputBytes)) }
        inp.fileHandleForWriting.closeFile()
        // Standard error is read on its own thread, so that a long error cannot fill its pipe
        // while standard output is read.
        nonisolated(unsafe) var errorData = Data()
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            errorData = err.fileHandleForReading.readDataToEndOfFile()
            errorsRead.signal()
        }.start()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        errorsRead.wait()
        let errors = String(decoding: errorData, as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: output, errors: errors)
    }

    static let tutorial = "b = 5 - 3a; c = 2b + 3; d = 5b + 6; e = 7c + d^2; f = 2e; g = 3f - o"

    @Test func noArgumentsRunsTheTutorial() throws {
        let run = try Self.nabla([])
        #expect(run.status == 0)
        for line in ["  b = 5 - 3a = -1", "  ∂e/∂d = 2d = 2", "  dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144",
                     "Result: g = 47, dg/da = -432, dg/do = -1",
                     "  Static and dynamic agree bit for bit on every value and gradient."] {
            #expect(run.output.contains(line + "\n"), "missing: \(line)")
        }
    }

    @Test func gradPrintsValuesAndGradients() throws {
        let run = try Self.nabla(["grad", Self.tutorial, "--at", "a=2", "--at", "o=1"])
        #expect(run.status == 0 && run.errors.isEmpty)
        #expect(run.output == """
            g = 47

            values:
              a = 2
              o = 1
              b = -1
              c = 1
              d = 1
              e = 8
              f = 16
              g = 47
            gradient of g:
              dg/da = -432
              dg/do = -1
            gradient of g with respect to its intermediate values:
              dg/db = 144
              dg/dc = 42
              dg/dd = 12
              dg/de = 6
              dg/df = 3
              dg/dg = 1

            """)
    }

    @Test func gradJSONWithTheHessian() throws {
        for mode in ["static", "dynamic", "forward"] {
            let run = try Self.nabla(["grad", Self.tutorial, "--at", "a=2,o=1", "--order", "2", "--json", "--mode", mode])
            #expect(run.status == 0)
            #expect(run.output == """
                {"output":"g","value":47,"values":{"a":2,"o":1,"b":-1,"c":1,"d":1,"e":8,"f":16,"g":47},\
                "gradient":{"a":-432,"o":-1},"hessian":{"a":{"a":2700,"o":0},"o":{"a":0,"o":0}}}

                """)
        }
        let limited = try Self.nabla(["grad", Self.tutorial, "--at", "a=2,o=1", "--wrt", "a", "--of", "e", "--json"])
        #expect(limited.output == "{\"output\":\"e\",\"value\":8,\"values\":{\"a\":2,\"o\":1,\"b\":-1,\"c\":1,\"d\":1,\"e\":8,\"f\":16,\"g\":47},\"gradient\":{\"a\":-72}}\n")
    }

    @Test func programsFromFilesAndStandardInput() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-test-\(UUID()).txt")
        try "b = 5 - 3a\nc = 2b + 3\nd = 5b + 6\ne = 7c + d^2\nf = 2e\ng = 3f - o\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try Self.nabla(["grad", "-f", file.path, "--at", "a=2,o=1", "--json"])
        let fromInput = try Self.nabla(["grad", "-", "--at", "a=2,o=1", "--json"], input: Self.tutorial)
        #expect(fromFile.status == 0 && fromFile.output == fromInput.output)
        #expect(fromFile.output.contains("\"gradient\":{\"a\":-432,\"o\":-1}"))
    }

    @Test func explainWorksOutTheChainRule() throws {
        let run = try Self.nabla(["explain", "h = tanh(w*x + b); y = h^2", "--at", "w=0.5,x=2,b=-1"])
        #expect(run.status == 0)
        #expect(run.output == """
            Forward pass (values in topological order):
              w = 0.5
              x = 2
              b = -1
              h = tanh(w·x + b) = 0
              y = h^2 = 0

            Local partial derivatives (from the op declarations):
              ∂y/∂h = 2h = 0
              ∂h/∂w = (1 - h^2)·x = 2
              ∂h/∂x = (1 - h^2)·w = 0.5
              ∂h/∂b = 1 - h^2 = 1

            Total derivatives, from y back to the inputs (chain rule):
              dy/dy = 1 (the seed)
              dy/dh = dy/dy·∂y/∂h = 1·0 = 0
              dy/dw = dy/dh·∂h/∂w = 0·2 = 0
              dy/dx = dy/dh·∂h/∂x = 0·0.5 = 0
              dy/db = dy/dh·∂h/∂b = 0·1 = 0

            Why some gradients are zero:
              dy/dh = 0: ∂y/∂h = 2h is 0 at h = 0
              dy/dw = 0: its only path to y goes through h, and dy/dh = 0
              dy/dx = 0: its only path to y goes through h, and dy/dh = 0
              dy/db = 0: its only path to y goes through h, and dy/dh = 0

            """)
    }

    @Test func graphAsDOTAndJSON() throws {
        let dot = try Self.nabla(["graph", "y = sin(x) * x", "--at", "x=0"])
        #expect(dot.status == 0)
        #expect(dot.output == """
            digraph nabla {
              rankdir=LR;
              node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];
              edge [color="#555555"];
              n0 [label="x\\ninput\\nvalue 0\\ndy/dx = 0", fillcolor="#dbeafe"];
              n1 [label="sin\\nvalue 0\\ngrad 0", fillcolor="#ffffff"];
              n2 [label="y\\nmul\\nvalue 0\\ndy/dy = 1", fillcolor="#d1fae5"];
              n0 -> n1;
              n1 -> n2;
              n0 -> n2;
            }

            """)
        let json = try Self.nabla(["graph", "y = 2x + 1", "--format", "json"])
        #expect(json.output == "{\"output\":2,\"nodes\":[{\"id\":0,\"name\":\"x\",\"op\":\"input\"},{\"id\":1,\"op\":\"mul_const\",\"constant\":2},{\"id\":2,\"name\":\"y\",\"op\":\"add_const\",\"constant\":1}],\"edges\":[{\"from\":0,\"to\":1},{\"from\":1,\"to\":2}]}\n")
    }

    @Test func graphRenderingSaysHowToInstallGraphviz() throws {
        let run = try Self.nabla(["graph", "y = x^2", "--output", "/tmp/nabla-test.svg"], environment: ["PATH": "/nonexistent"])
        #expect(run.status != 0)
        #expect(run.errors.contains("Graphviz's 'dot' is not installed"))
        #expect(run.errors.contains("apt-get install graphviz"))
    }

    static let dotInstalled = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/dot") }

    @Test(.enabled(if: dotInstalled, "Graphviz's dot is not installed (.ci/run installs it)"))
    func graphRendersSVGWithGraphviz() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-test-\(UUID()).svg")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try Self.nabla(["graph", Self.tutorial, "--at", "a=2,o=1", "--output", file.path])
        #expect(run.status == 0 && run.output == "wrote \(file.path)\n")
        let svg = try String(contentsOf: file, encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("dg/da = &#45;432"))
    }

    @Test func checkComparesWithFiniteDifferences() throws {
        let run = try Self.nabla(["check", "y = x^3 * sin(x)", "--at", "x=0.7", "--order", "2"])
        #expect(run.status == 0)
        #expect(run.output.hasSuffix("≤ tolerance 1e-05: ok\n"))
        let strict = try Self.nabla(["check", "y = x^3 * sin(x)", "--at", "x=0.7", "--order", "2", "--tolerance", "1e-15"])
        #expect(strict.status == 1)
        #expect(strict.output.contains("FAILED"))
    }

    @Test("Bad input is a clear error, never a crash", arguments: [
        (["grad", "c = 2b * ", "--at", "b=1"], "error: line 1, column 10: expected an expression after '*'\n  c = 2b * \n           ^\n"),
        (["grad", "y = foo(x)", "--at", "x=1"], "error: line 1, column 5: unknown function 'foo'"),
        (["grad", "y = x; y = 2", "--at", "x=1"], "error: line 1, column 8: 'y' is assigned twice"),
        (["grad", "y = z + 1; z = x", "--at", "x=1"], "error: line 1, column 5: 'z' is used before it is assigned"),
        (["grad", "y = 2x"], "error: missing a value for the input 'x'\n"),
        (["grad", "y = 2x", "--at", "x=1", "--of", "w"], "error: 'w' is not a name in the program (its names are x, y)\n"),
        (["grad", "y = log(x)", "--at", "x=-1"], "error: line 1, column 1: log(-1) is undefined (nan) in 'y = log(x)'\n"),
        (["grad", "y = 1/x", "--at", "x=0"], "error: line 1, column 1: 1 / 0 overflows to inf in 'y = 1/x'\n"),
        // The tutorial at inputs that overflow names the statement (it printed infinities and a mismatch).
        (["tutorial", "--a", "1e200", "--o", "0"], "error: line 1, column 37: -1.4999999999999999e+201 ^ 2 overflows to inf in 'e = 7c + d^2'\n"),
        // A value that overflows is that statement's value, not a derivative.
        (["grad", "y = exp(x)", "--at", "x=1000"], "error: line 1, column 1: exp(1000) overflows to inf in 'y = exp(x)'\n"),
        (["grad", "y = 1e300 * x * x", "--at", "x=1e10"], "error: line 1, column 1: 1e+300 * 10000000000 overflows to inf in 'y = 1e300 * x * x'\n"),
        (["grad", "y = sqrt(x)", "--at", "x=0"], "error: line 1, column 1: dy/dx is inf at x = 0: d/dx sqrt(x) = 1 / (2sqrt(x)) is inf, in 'y = sqrt(x)'\n"),
        (["grad", "y = x", "--at", "x"], "--at expects name=value, got 'x'"),
        (["grad", "y = x", "--at", "x=abc"], "--at x=abc: 'abc' is not a decimal number (write values as 2, -0.5 or 1e-3)"),
        (["grad", "y = x", "--at", "x=0x10"], "--at x=0x10: '0x10' is not a decimal number"),
        (["grad", "y = x", "--at", "x=inf"], "--at x=inf: input values must be finite numbers"),
        (["grad", "y = x", "--at", "x=nan"], "--at x=nan: input values must be finite numbers"),
        (["grad", "y = x", "--at", "x=1e309"], "--at x=1e309: '1e309' is too large: it would be inf"),
        (["grad", "y = 1e309 * x", "--at", "x=1"], "error: line 1, column 5: the number '1e309' is too large: it would be inf (the largest double is about 1.8e308)\n  y = 1e309 * x\n      ^^^^^\n"),
        (["grad", "y = inf * x", "--at", "x=1,inf=2"], "error: line 1, column 5: 'inf' is reserved"),
        (["grad", "-f", "/nonexistent/program.txt", "--at", "x=1"], "error: cannot read the file '/nonexistent/program.txt': No such file or directory\n"),
        (["grad", "-f", "/", "--at", "x=1"], "error: cannot read the file '/': Is a directory\n"),
    ] as [([String], String)])
    func badInput(_ arguments: [String], _ message: String) throws {
        let run = try Self.nabla(arguments)
        #expect(run.status != 0, "\(arguments)")
        #expect(run.errors.contains(message), "stderr was: \(run.errors)")
        #expect(run.output.isEmpty)
    }

    @Test func bothModesReportANonFiniteDerivativeAlikeAndJSONNeverTraps() throws {
        let expected = "error: line 1, column 1: dy/dx is inf at x = 0: d/dx sqrt(x) = 1 / (2sqrt(x)) is inf, in 'y = sqrt(x)'\n"
        for mode in ["static", "dynamic", "forward"] {
            for json in [[], ["--json"]] {
                let run = try Self.nabla(["grad", "y = sqrt(x)", "--at", "x=0", "--mode", mode] + json)
                #expect(run.status == 1 && run.output.isEmpty, "\(mode) \(json)")
                #expect(run.errors == expected, "\(mode) \(json)")
            }
        }
    }

    @Test func onlyWhatWasAskedForIsComputedAndShown() throws {
        let power = try Self.nabla(["grad", "y = a^b", "--at", "a=-2,b=2", "--wrt", "a"])
        #expect(power.status == 0 && power.errors.isEmpty, "\(power.errors)")
        #expect(power.output == "y = 4\n\nvalues:\n  a = -2\n  b = 2\n  y = 4\ngradient of y:\n  dy/da = -4\n")
        let refused = try Self.nabla(["grad", "y = a^b", "--at", "a=-2,b=2"])
        #expect(refused.status == 1 && refused.errors.hasPrefix("error: line 1, column 1: dy/db is nan at a = -2, b = 2: d/db a^b = a^b·log(a) is nan"))
        // --wrt limits the text as it limits the JSON: no intermediate gradients.
        let tutorial = try Self.nabla(["grad", Self.tutorial, "--at", "a=2,o=1", "--wrt", "a,o"])
        #expect(tutorial.output.hasSuffix("gradient of g:\n  dg/da = -432\n  dg/do = -1\n"), "\(tutorial.output)")
        let intermediate = try Self.nabla(["grad", Self.tutorial, "--at", "a=2,o=1", "--wrt", "d"])
        #expect(intermediate.output.hasSuffix("gradient of g:\n  dg/dd = 12\n"), "\(intermediate.output)")
    }

    @Test func standardInputAndFilesAreBounded() throws {
        let fromInput = try Self.nabla(["grad", "-"], inputFile: "/dev/zero")
        #expect(fromInput.status == 1 && fromInput.output.isEmpty)
        #expect(fromInput.errors == "error: standard input is longer than 64 MiB, the largest program accepted\n")
        let fromFile = try Self.nabla(["grad", "-f", "/dev/zero"])
        #expect(fromFile.status == 1)
        #expect(fromFile.errors == "error: the file '/dev/zero' is longer than 64 MiB, the largest program accepted\n")
    }

    @Test func windowsAndOldMacFilesAndByteOrderMarks() throws {
        // As Notepad saves them (CR LF, with a byte-order mark), as classic Mac OS did (CR), tabs.
        for bytes in [Array("a = 2x\r\nb = a^2\r\n".utf8), [0xEF, 0xBB, 0xBF] + Array("a = 2x\r\nb = a^2".utf8),
                      Array("a = 2x\rb = a^2\r".utf8), Array("a\t= 2x\n\tb = a^2\n".utf8)] {
            let run = try Self.nabla(["grad", "-", "--at", "x=1", "--json"], inputBytes: bytes)
            #expect(run.status == 0 && run.errors.isEmpty, "\(bytes): \(run.errors)")
            #expect(run.output == "{\"output\":\"b\",\"value\":4,\"values\":{\"x\":1,\"a\":2,\"b\":4},\"gradient\":{\"x\":8}}\n")
        }
        let argument = try Self.nabla(["grad", "\u{FEFF}y = 2x", "--at", "x=1", "--json"])
        #expect(argument.status == 0 && argument.output.hasPrefix("{\"output\":\"y\",\"value\":2,"), "\(argument.errors)")
    }

    @Test func invalidUTF8IsPlacedFromFilesAndStandardInput() throws {
        let bytes = Array("y = 2x\nz = y".utf8) + [0xFF] + Array(" + 1\n".utf8)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("p-\(UUID().uuidString.prefix(8)).txt")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try Self.nabla(["grad", "-f", file.path, "--at", "x=1"])
        let fromInput = try Self.nabla(["grad", "-", "--at", "x=1"], inputBytes: bytes)
        for (run, source) in [(fromFile, "the file '\(file.path)'"), (fromInput, "standard input")] {
            #expect(run.status == 1 && run.output.isEmpty)
            #expect(run.errors == "error: line 2, column 6: invalid UTF-8 in \(source) at byte offset 12 (0xFF); save the program as UTF-8\n  z = y\u{FFFD} + 1\n       ^\n")
        }
    }

    @Test func errorsInAHugeLineQuoteAnExcerpt() throws {
        let program = "y = x" + String(repeating: " + x", count: 100_000) + " $"
        let run = try Self.nabla(["grad", "-", "--at", "x=1"], input: program)
        #expect(run.status == 1)
        #expect(run.errors.utf8.count < 300, "\(run.errors.utf8.count) bytes")
        #expect(run.errors.hasPrefix("error: line 1, column 400007: unexpected character '$'\n  …"))
    }

    @Test func explainingSinNested30000DeepFinishesInLinearText() throws {
        let depth = 30_000
        let program = "y = " + String(repeating: "sin(", count: depth) + "x" + String(repeating: ")", count: depth)
        let run = try Self.nabla(["explain", "-", "--at", "x=1"], input: program)
        #expect(run.status == 0 && run.errors.isEmpty)
        #expect(run.output.contains("\n  dy/dx = dy/dt₁·∂t₁/∂x = "))
        // Each named part of 16 sines takes a few hundred bytes; quadratic text would be gigabytes.
        #expect(run.output.utf8.count < 40 * program.utf8.count, "\(run.output.utf8.count) bytes")
    }

    @Test func theOutputIsNeverTheProgramsFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let program = directory.appendingPathComponent("p.svg")
        try "y = x^2\n".write(to: program, atomically: true, encoding: .utf8)
        for output in [program.path, directory.path + "/./p.svg", directory.path + "/../" + directory.lastPathComponent + "/p.svg"] {
            let run = try Self.nabla(["graph", "-f", program.path, "--output", output])
            #expect(run.status == 1 && run.output.isEmpty)
            #expect(run.errors == "error: --output '\(output)' is the program's file ('\(program.path)'): writing it would destroy the program; choose another file\n")
            #expect(try String(contentsOf: program, encoding: .utf8) == "y = x^2\n")
        }
    }

    @Test func anUnusedInputIsAWarning() throws {
        let run = try Self.nabla(["grad", "y = 2x", "--at", "x=1,q=3", "--json"])
        #expect(run.status == 0)
        #expect(run.errors == "warning: 'q' is given a value but the program does not use it\n")
        #expect(run.output == "{\"output\":\"y\",\"value\":2,\"values\":{\"x\":1,\"y\":2},\"gradient\":{\"x\":2}}\n")
    }

    @Test("An unknown subcommand is named, with the closest one", arguments: [
        (["gard", "y = x^2", "--at", "x=1"], "Error: unknown subcommand 'gard'; did you mean 'grad'?\n"),
        (["expalin"], "Error: unknown subcommand 'expalin'; did you mean 'explain'?\n"),
        (["foo"], "Error: unknown subcommand 'foo' (the subcommands are tutorial, grad, explain, graph, compile, check, train, emit, serve, notation, help)\n"),
        (["y = x^2", "--at", "x=1"], "Error: 'y = x^2' is not a subcommand; to work out a program, write: nabla grad 'y = x^2' --at …\n"),
    ] as [([String], String)])
    func unknownSubcommands(_ arguments: [String], _ message: String) throws {
        let run = try Self.nabla(arguments)
        #expect(run.status == 64 && run.output.isEmpty)
        #expect(run.errors.hasPrefix(message), "\(run.errors)")
    }

    @Test func negativeNumbersAfterOptions() throws {
        // The README's and --help's own example.
        let tutorial = try Self.nabla(["tutorial", "--a", "3", "--o", "-1"])
        #expect(tutorial.status == 0 && tutorial.errors.isEmpty, "\(tutorial.errors)")
        #expect(tutorial.output.contains("Result: g = 967, dg/da = 2268, dg/do = -1\n"))
        #expect(try Self.nabla(["tutorial", "--a=3", "--o=-1"]).output == tutorial.output)
    }

    @Test("Options out of range or in conflict are usage errors (status 64), before anything runs", arguments: [
        (["tutorial", "--o", "inf"], "Error: --o inf: --o takes a finite number\n"),
        (["tutorial", "--a", "0x10"], "Error: --a 0x10: '0x10' is not a decimal number (write values as 2, -0.5 or 1e-3)\n"),
        (["grad", "y = x", "--at", "x=1", "--order", "3"], "Error: --order must be 1 or 2, got 3\n"),
        (["grad", "y = x", "--at", "x=1", "--order", "-1"], "Error: --order must be 1 or 2, got -1\n"),
        (["check", "y = x", "--at", "x=1", "--tolerance", "-1e-5"], "Error: --tolerance must be 0 or more, got -1e-5\n"),
        (["check", "y = x", "--at", "x=1", "--tolerance", "nan"], "Error: --tolerance nan: --tolerance takes a finite number\n"),
        (["graph", "y = x", "--format", "json", "--output", "g.svg"],
         "Error: --format json prints JSON on standard output and --output renders a picture of the graph: give one or the other\n"),
        (["graph", "y = x", "--output", "g.dot"], "Error: --output must end in .svg or .png (got 'g.dot'); use --format dot for DOT text\n"),
        (["grad", "y = x", "--at", "x=abc"], "Error: --at x=abc: 'abc' is not a decimal number"),
    ] as [([String], String)])
    func usageErrors(_ arguments: [String], _ message: String) throws {
        let run = try Self.nabla(arguments)
        #expect(run.status == 64, "\(arguments)")
        #expect(run.errors.hasPrefix(message), "\(arguments): \(run.errors)")
        #expect(run.output.isEmpty && run.errors.contains("Usage: nabla \(arguments[0])"))
    }

    @Test func aStatementTheOutputNeverUsesIsAWarning() throws {
        let program = "u = x^2; v = 2u; y = 3x"
        for arguments in [["grad", program, "--at", "x=1"], ["explain", program, "--at", "x=1"], ["graph", program],
                          ["check", program, "--at", "x=1"]] {
            let run = try Self.nabla(arguments)
            #expect(run.status == 0 && !run.output.isEmpty, "\(arguments)")
            #expect(run.errors == "warning: 'u', 'v' are never used by the output 'y'\n", "\(arguments)")
        }
        // Statements after an output chosen with --of were left out on purpose.
        let chosen = try Self.nabla(["grad", "u = x^2; y = 3x", "--at", "x=1", "--of", "u", "--json"])
        #expect(chosen.status == 0 && chosen.errors.isEmpty)
        let one = try Self.nabla(["grad", "u = x^2; y = 3x", "--at", "x=1", "--json"])
        #expect(one.errors == "warning: 'u' is never used by the output 'y'\n" && one.output.hasPrefix("{\"output\":\"y\""))
    }

    /// The example commands in a subcommand's --help: lines starting `  nabla` or `  echo`, with
    /// the lines that continue a quoted program (indented further).
    static func examples(inHelpOf command: String) throws -> [String] {
        let help = try nabla([command, "--help"]).output
        guard let block = help.components(separatedBy: "\n\n").first(where: { $0.hasPrefix("Examples") }) else { return [] }
        var examples: [String] = []
        for line in block.split(separator: "\n").dropFirst() {
            if line.hasPrefix("    "), !examples.isEmpty { examples[examples.count - 1] += "\n" + line } else { examples.append(String(line.dropFirst(2))) }
        }
        return examples
    }

    @Test func everySubcommandHasHelpWithExamplesThatFitAndRun() throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for command in ["grad", "explain", "graph", "compile", "check", "tutorial", "train", "emit"] {
            let run = try Self.nabla([command, "--help"])
            #expect(run.status == 0)
            let examples = try Self.examples(inHelpOf: command)
            #expect(!examples.isEmpty, "\(command)")
            for example in examples {
                // 80 columns: the help is wrapped there when it is not on a terminal, and an
                // example wrapped in the middle breaks when copied.
                for line in example.split(separator: "\n") {
                    #expect(line.count + 2 <= 80 && (line.hasPrefix("nabla") || line.hasPrefix("echo") || line.hasPrefix("  ")), "\(command): \(line)")
                }
                #expect(example.filter { $0 == "'" }.count.isMultiple(of: 2), "\(command): \(example)")
                // Run it as a shell would, unless it needs a file, writes one or trains.
                guard command != "train", !example.contains("-f "), !example.contains("--output"), !example.contains("--html"),
                      !example.contains(">") else { continue }
                let shell = Process()
                shell.executableURL = URL(fileURLWithPath: "/bin/sh")
                shell.arguments = ["-c", "PATH=\"$0:$PATH\" && " + example, directory.path]
                shell.standardOutput = FileHandle.nullDevice
                shell.standardError = FileHandle.nullDevice
                try shell.run()
                shell.waitUntilExit()
                #expect(shell.terminationStatus == 0, "\(command): \(example)")
            }
        }
    }

    @Test func helpNotationListsTheRulesAndEveryFunctionFromTheCatalogue() throws {
        let help = try Self.nabla(["help", "notation"])
        #expect(help.status == 0 && help.errors.isEmpty)
        #expect(help.output == Script.notationReference + "\n")
        #expect(try Self.nabla(["notation"]).output == help.output)
        for line in ["  sqrt(x)        d/dx = 1 / (2sqrt(x))", "  x^y            d/dx = y·x^(y - 1),  d/dy = x^y·log(x)",
                     "  tanh(x)        d/dx = 1 - tanh(x)^2", "  max(x, y)      d/dx = [x - y > 0],  d/dy = [y - x > 0]",
                     "  softplus(x)    d/dx = max(sigmoid(x), [x - 20 > 0])", "  hardtanh(x)    d/dx = [1 - abs(x) > 0]"] {
            #expect(help.output.contains(line + "\n"), "\(line)")
        }
        for function in ScriptFunction.allCases { #expect(help.output.contains("  \(function.rawValue)(x")) }
        for rule in ["-a^2 is -(a^2)", "a^b^c is a^(b^c)", "a/b*c is (a/b)*c", "'#' starts a comment", "nan, inf, infinity"] {
            #expect(help.output.contains(rule), "\(rule)")
        }
        #expect(help.output.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}
