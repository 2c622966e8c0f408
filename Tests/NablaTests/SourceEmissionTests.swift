import Foundation
import Testing
@testable import Nabla

/// `nabla emit` and `Program.source(in:)`: the emitted code is compiled with the machine's C and
/// Swift compilers and run, and its numbers compared with `Program.run`'s bit for bit (every
/// primitive, first and second derivatives, at points including ±0, kinks, overflow and NaN),
/// and its `main` with what `nabla grad --json` prints, byte for byte. All the table's
/// functions go into one file per language, compiled once.
@Suite("Programs compiled to source")
struct SourceEmissionTests {
    /// One function of the table: a compiled program and its emitter.
    struct Case {
        var name: String
        var program: Program
        var emitter: (SourceLanguage) -> SourceEmitter
    }

    /// The points every function of one or two inputs is run at (every pair, for two): signed
    /// zeros, kinks, the thresholds of softplus and hardtanh, overflow of exp, and NaN.
    static let points: [Double] = [-800, -2.5, -1, -0.0, 0, 1e-300, 0.5, 1, 2, 25, 710, .nan]
    /// The points of functions of three inputs (every triple).
    static let points3: [Double] = [-1.5, -0.0, 0.5, 2]

    /// Scripts in the notation, every function of the notation among them, the tutorial first.
    static let scripts = [
        Tutorial.program,
        "y = x^3 + sin(x) * cos(x) / (1 + x^2)",
        "y = exp(x) - log(x^2 + 1) + sqrt(x^2 + 2) + tanh(x) * erf(x)",
        "y = sigmoid(x) + relu(x) + abs(x) + softplus(x) + logSigmoid(x) + elu(x) + hardtanh(x) + silu(x)",
        "u = x * w; v = pow(u, w) - min(x, w) + max(x, 0.5 * w); y = v / (w - 3)",
        "h = tanh(x * w + b); y = (h - 0.25)^2 + 1e-300 * b - 0.1 * x",
        "b = 5 - 3a; b2 = b; y = b2 * -2.5e-7 + 123456789.125",
    ]

    static var cases: [Case] {
        var cases: [Case] = []
        for (k, text) in scripts.enumerated() {
            let script = try! Script(parsing: text)
            let program = try! script.sourceFile(in: .c, order: 2).program
            cases.append(Case(name: "script\(k)", program: program) { language in
                try! script.sourceFile(in: language, order: 2, functionName: "script\(k)").file.functions[0]
            })
        }
        // Every primitive and operator form, with its gradient and Hessian.
        for op in OpCase.allCases {
            let graph = Graph()
            let inputs = (0..<op.arity).map { graph.input(["x", "y"][$0]) }
            cases.append(staticCase("op_\(op.rawValue)", graph, op(inputs), inputs))
        }
        // Primitives at other constants: shortcuts of pow_const, the step's value at 0, softplus
        // where exp overflows, ELU and hardtanh with other parameters, constants that are
        // subnormal, negative zero or huge.
        let constants: [(Primitive, Double)] = [
            (.powerConstant, 0), (.powerConstant, 1), (.powerConstant, 0.5), (.powerConstant, -3), (.heaviside, 0),
            (.heaviside, -0.0), (.heaviside, 1), (.softplus, 800), (.elu, 0.7), (.hardtanh, 2.5), (.addConstant, -0.0),
            (.multiplyConstant, .leastNonzeroMagnitude), (.multiplyConstant, -.greatestFiniteMagnitude),
            (.addConstant, 0.1), (.multiplyConstant, .infinity),
        ]
        for (k, (primitive, c)) in constants.enumerated() {
            let graph = Graph()
            let x = graph.input("x")
            cases.append(staticCase("constant\(k)", graph, Symbol.apply(primitive, x, x, constant: c), [x]))
        }
        // A register written several times (as memory planning makes programs reuse registers),
        // and an input and a constant register overwritten: y = ((x·x + 1)·x)·2.5, by hand.
        let reused = Program(
            inputNames: ["x"], declaredInputs: ["x"], outputNames: ["y", "x_end"],
            instructions: [.init(op: .multiply, x: 0, y: 0, target: 2, constant: 0),
                           .init(op: .addConstant, x: 2, y: 2, target: 2, constant: 1),
                           .init(op: .multiply, x: 2, y: 0, target: 2, constant: 0),
                           .init(op: .multiply, x: 2, y: 1, target: 1, constant: 0),
                           .init(op: .negate, x: 0, y: 0, target: 0, constant: 0)],
            registerCount: 3, constantRegisters: [(1, 2.5)], firstInstructionRegister: 2,
            outputRegisters: [1, 0], registerNames: [0: "x"])
        cases.append(Case(name: "reused", program: reused) { language in
            reused.sourceEmitter(language, functionName: "reused", resultNames: nil, valueCount: nil)
        })
        return cases
    }

    /// A static graph's node with its gradient and Hessian, compiled; results named by
    /// `Program.source`'s default rules.
    static func staticCase(_ name: String, _ graph: Graph, _ y: Symbol, _ inputs: [Symbol]) -> Case {
        let outputs = [y] + graph.gradients(of: y, wrt: inputs) + graph.hessian(of: y, wrt: inputs).flatMap { $0 }
        let program = graph.compile(outputs)
        return Case(name: name, program: program) { language in
            program.sourceEmitter(language, functionName: name, resultNames: nil, valueCount: 1)
        }
    }

    /// The input tuples a function of `arity` inputs runs at, in the drivers' loop order.
    static func inputs(arity: Int) -> [[Double]] {
        switch arity {
        case 0: [[]]
        case 1: points.map { [$0] }
        case 2: points.flatMap { x in points.map { [x, $0] } }
        default: points3.flatMap { x in points3.flatMap { y in points3.map { [x, y, $0] } } }
        }
    }

    /// Every result of every function at every point, as `Program.run` computes it: one line of
    /// 16 hexadecimal digits (the bit pattern) per number.
    static func expected(_ cases: [Case]) -> String {
        var lines: [String] = []
        for item in cases {
            var outputs: [Double] = []
            for input in inputs(arity: item.program.inputNames.count) {
                // Non-finite outputs are written before `run` reports them.
                try? item.program.run(input, into: &outputs)
                lines += outputs.map(hex)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The bit pattern in hexadecimal, and `nan` for every NaN: IEEE 754 leaves the sign and payload
    /// of a NaN that arithmetic produces unspecified, and compilers use that freedom (Swift's and
    /// C's optimisers both rewrite −x + y as y − x, which keeps x's NaN sign).
    static func hex(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        let digits = String(x.bitPattern, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    // MARK: Compiling and running

    static func onPath(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static let cc = onPath("cc")
    static let swiftc = onPath("swiftc")

    /// Runs `executable` with `arguments`; its status, standard output and standard error.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-emit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (outFile, errFile) = (directory.appendingPathComponent("out"), directory.appendingPathComponent("err"))
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: outFile, encoding: .utf8), try String(contentsOf: errFile, encoding: .utf8))
    }

    /// Compiles `source` (C with `cc -O2`, Swift with `swiftc -O`) into a temporary directory
    /// and returns the executable's path; records the compiler's messages if it fails.
    static func build(_ source: String, _ language: SourceLanguage, in directory: URL) throws -> String? {
        let file = directory.appendingPathComponent(language == .c ? "main.c" : "main.swift")
        let executable = directory.appendingPathComponent(language == .c ? "program-c" : "program-swift").path
        try source.write(to: file, atomically: true, encoding: .utf8)
        let result = language == .c
            ? try run(cc!, ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", file.path, "-o", executable, "-lm"])
            : try run(swiftc!, ["-O", "-warnings-as-errors", file.path, "-o", executable])
        #expect(result.status == 0, "\(language) compile failed:\n\(result.errors)\(result.output)")
        return result.status == 0 ? executable : nil
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-emit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The table's functions in one file, and a `main` printing every result's bit pattern at
    /// every point.
    static func driver(_ cases: [Case], _ language: SourceLanguage) -> String {
        let emitters = cases.map { $0.emitter(language) }
        let file = SourceFile(language: language, heading: ["The table of SourceEmissionTests."], functions: emitters)
        let swift = language == .swift
        let list = { (values: [Double]) in values.map { "0x" + String($0.bitPattern, radix: 16) }.joined(separator: ", ") }
        var lines: [String] = []
        if swift {
            lines += ["let points = [\(list(points))].map { Double(bitPattern: $0 as UInt64) }",
                      "let points3 = [\(list(points3))].map { Double(bitPattern: $0 as UInt64) }",
                      "var text = \"\"",
                      "func out(_ x: Double) { let h = String(x.bitPattern, radix: 16); text += x.isNaN ? \"nan\\n\" : String(repeating: \"0\", count: 16 - h.count) + h + \"\\n\" }"]
        } else {
            lines += ["#include <stdio.h>", "#include <string.h>",
                      "static const unsigned long long point_bits[] = {\(list(points))};",
                      "static const unsigned long long point3_bits[] = {\(list(points3))};",
                      "static double point(int k) { double d; memcpy(&d, &point_bits[k], 8); return d; }",
                      "static double point3(int k) { double d; memcpy(&d, &point3_bits[k], 8); return d; }",
                      "static void out(double x) { unsigned long long b; memcpy(&b, &x, 8); if (isnan(x)) puts(\"nan\"); else printf(\"%016llx\\n\", b); }",
                      "int main(void) {"]
        }
        for emitter in emitters {
            let parameters = emitter.parameterNames
            let arity = parameters.count
            let (source, count) = arity == 3 ? ("points3", points3.count) : ("points", points.count)
            let loops = ["i", "j", "k"].prefix(arity)
            let arguments = zip(parameters, loops).map { swift ? "\($0): \(source)[\($1)]" : "\(source == "points" ? "point" : "point3")(\($1))" }
            let call = "\(language.identifier(emitter.functionName))(\(arguments.joined(separator: ", ")))"
            let labels = emitter.resultLabels
            let fields = labels.count == 1 && swift ? ["r"] : labels.map { "r.\($0)" }
            let body = swift ? "let r = \(call); " + fields.map { "out(\($0))" }.joined(separator: "; ")
                             : "struct \(emitter.resultTypeName) r = \(call); " + fields.map { "out(\($0));" }.joined(separator: " ")
            let open = loops.map { swift ? "for \($0) in 0..<\(count) { " : "for (int \($0) = 0; \($0) < \(count); \($0)++) { " }.joined()
            lines.append((swift ? "" : "    ") + open + (swift ? "do { \(body) }" : "{ \(body) }") + String(repeating: " }", count: arity))
        }
        lines.append(swift ? "print(text, terminator: \"\")" : "    return 0;\n}")
        return file.text + "\n" + lines.joined(separator: "\n") + "\n"
    }

    // MARK: Tests

    @Test(.enabled(if: cc != nil, "needs a C compiler: no cc on PATH"))
    func emittedCComputesWhatProgramRunComputesBitForBit() throws {
        let cases = Self.cases
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let executable = try Self.build(Self.driver(cases, .c), .c, in: directory) else { return }
        let result = try Self.run(executable, [])
        #expect(result.status == 0)
        Self.compare(result.output, Self.expected(cases), cases)
    }

    @Test(.enabled(if: swiftc != nil, "needs a Swift compiler: no swiftc on PATH"))
    func emittedSwiftComputesWhatProgramRunComputesBitForBit() throws {
        let cases = Self.cases
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let executable = try Self.build(Self.driver(cases, .swift), .swift, in: directory) else { return }
        let result = try Self.run(executable, [])
        #expect(result.status == 0)
        Self.compare(result.output, Self.expected(cases), cases)
    }

    /// Compares line by line, naming the first function and number that differ.
    static func compare(_ actual: String, _ expected: String, _ cases: [Case]) {
        let (a, e) = (actual.split(separator: "\n"), expected.split(separator: "\n"))
        #expect(a.count == e.count)
        guard let first = a.indices.first(where: { $0 < e.count && a[$0] != e[$0] }) else { return }
        var offset = first
        for item in cases {
            let count = inputs(arity: item.program.inputNames.count).count * item.program.outputNames.count
            if offset < count {
                let point = inputs(arity: item.program.inputNames.count)[offset / item.program.outputNames.count]
                Issue.record("\(item.name) at \(point), result \(offset % item.program.outputNames.count): emitted \(a[first]), Program.run \(e[first])")
                return
            }
            offset -= count
        }
    }

    @Test func theTableCoversEveryPrimitive() {
        // `loopValue` (a loop's results) is covered by the table of SourceEmissionLoopTests.
        let covered = Set((Self.cases + SourceEmissionLoopTests.cases).flatMap { $0.program.instructions.map(\.op) })
        // `input` and `constant` are registers, and `custom` nodes compile to their forward's register.
        let missing = Primitive.allCases.filter { !covered.contains($0) && ![.input, .constant, .custom].contains($0) }
        #expect(missing.isEmpty, "not covered: \(missing)")
    }

    /// The scripts, values and options of the `--main` comparison.
    static let mainCases: [(script: String, values: [String], wrt: [String]?, order: Int, output: String?)] = [
        (Tutorial.program, ["a=2", "o=1"], nil, 2, nil),
        // The notation's loops: carried names (primed after the loop), a local, a nested loop.
        ("x = a\nrepeat 5 { t = 1.01x + 0.1; x = tanh(t) * b }\ny = x^2 + b", ["a=0.5", "b=0.9"], nil, 2, nil),
        ("repeat 1000 { x = tanh(1.01x + 0.1) }", ["x=0.5"], nil, 1, nil),
        ("repeat 2 { x = sin(x) + 1; repeat 3 { x = x * c } }", ["x=0.3", "c=1.1"], nil, 2, nil),
        (Tutorial.program, ["a=-0.1,o=1e-5"], ["a", "d"], 1, "e"),
        ("y = x^3 + sin(x) * w / (1 + x^2) + sigmoid(w * x)", ["x=0.3", "w=-1.7"], nil, 2, nil),
        ("y = 1e20 * exp(x) + 3e-8 * x; z = y * 1e-30", ["x=1.25"], nil, 2, nil),
        ("y = 1e14 * x + 0.5", ["x=3"], nil, 1, nil),
        ("y = 2^53 * x + x / 7", ["x=1.5"], nil, 2, nil),
        ("y = -x * 0", ["x=2"], nil, 2, nil),
        ("y = relu(x) + abs(x) + 4", ["x=-3"], nil, 2, nil),
        ("z = 3", [], nil, 1, nil),
        ("é = x^2; y = é * 3 + x", ["x=0.5"], nil, 2, nil),
    ]

    @Test(.enabled(if: cc != nil, "needs a C compiler: no cc on PATH"))
    func emittedCMainPrintsWhatGradJsonPrints() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for item in Self.mainCases {
            let script = try Script(parsing: item.script)
            let source = try script.source(in: .c, output: item.output, wrt: item.wrt, order: item.order, main: true)
            guard let executable = try Self.build(source, .c, in: directory) else { return }
            let result = try Self.run(executable, item.values)
            let feeds = try Script.inputValues(item.values)
            let json = try script.evaluate(at: feeds, output: item.output, wrt: item.wrt, order: item.order).json
            #expect(result.status == 0 && result.errors.isEmpty, "\(item.script): \(result.errors)")
            #expect(result.output == json + "\n", "\(item.script)")
        }
    }

    @Test(.enabled(if: swiftc != nil, "needs a Swift compiler: no swiftc on PATH"))
    func emittedSwiftMainPrintsWhatGradJsonPrints() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = try Script(parsing: Tutorial.program)
        guard let executable = try Self.build(try script.source(in: .swift, order: 2, main: true), .swift, in: directory) else { return }
        for values in [["a=2", "o=1"], ["a=0.3,o=-1e-7"], ["o=1e10", "a=-123.456"]] {
            let result = try Self.run(executable, values)
            let json = try script.evaluate(at: Script.inputValues(values), order: 2).json
            #expect(result.status == 0 && result.output == json + "\n", "\(values): \(result.errors)")
        }
        // Errors as the tool words them.
        let missing = try Self.run(executable, ["a=2"])
        #expect(missing.status == 1 && missing.errors == "error: missing a value for the input 'o'\n" && missing.output.isEmpty)
        let computed = try Self.run(executable, ["a=2", "o=1", "d=3"])
        #expect(computed.status == 1 && computed.errors == "error: 'd' is computed by the program; only inputs (a, o) take values\n")
        let malformed = try Self.run(executable, ["a=2", "o=0x10"])
        #expect(malformed.status == 64 && malformed.errors.hasPrefix("error: 'o=0x10': the value is not a decimal number"))
        let overflow = try Self.run(executable, ["a=1e200", "o=1"])
        #expect(overflow.status == 1 && overflow.errors.hasPrefix("error: the value of 'e' is inf"))
    }

    @Test(.enabled(if: cc != nil, "needs a C compiler: no cc on PATH"))
    func emittedCMainReportsErrorsAsTheToolWordsThem() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try Script(parsing: Tutorial.program).source(in: .c, main: true)
        guard let executable = try Self.build(source, .c, in: directory) else { return }
        let cases: [([String], Int32, String)] = [
            (["a=2"], 1, "error: missing a value for the input 'o'\n"),
            (["a=2,o=1,d=3"], 1, "error: 'd' is computed by the program; only inputs (a, o) take values\n"),
            (["a=2", "o=1", "z=3"], 1, "error: 'z' is not a name in the program (its inputs are a, o)\n"),
            (["a=2", "o=inf"], 64, "error: 'o=inf': the value is not a decimal number (write values as 2, -0.5 or 1e-3)\n"),
            (["a=2", "o=1e999"], 64, "error: 'o=1e999': input values must be finite numbers\n"),
            (["a=2", "o"], 64, "error: expects name=value, got 'o'\n"),
            (["a=2", "a=3", "o=1"], 64, "error: 'a' is given twice\n"),
            (["a=1e200", "o=1"], 1, "error: the value of 'e' is inf (nabla grad names the operation)\n"),
        ]
        for (arguments, status, message) in cases {
            let result = try Self.run(executable, arguments)
            #expect(result.status == status && result.errors == message && result.output.isEmpty, "\(arguments): \(result.errors)")
        }
    }

    /// Numbers whose JSON form exercises every rule: integers up to 10^15, the switch to
    /// exponents below 10^-4 and above 2^53, every power of two (where the shortest decimal may
    /// lie above the nearest), and random doubles of every magnitude.
    static var formattingNumbers: [Double] {
        var numbers: [Double] = [0, -0.0, 1, -1, 47, 0.1, 0.5, 1e15, 1e15 - 1, -1e15, 1e15 + 0.5, 123456789012345.6, 9007199254740992,
                                 9007199254740994, 9007199254740991.5, 1e-4, 9.999999999999999e-5, 1e-5, 0.00012, 1e16, 1e22, 1e100,
                                 .leastNonzeroMagnitude, .greatestFiniteMagnitude, .ulpOfOne, 1 / 3.0, 2 / 3.0, -1e-300, 12345678.125]
        for k in -1074...1023 { numbers.append(Double(sign: .plus, exponent: k, significand: 1)) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let x = Double(bitPattern: generator.next())
            if x.isFinite { numbers.append(x) }
        }
        for _ in 0..<1000 { numbers.append((Double.random(in: -1e6...1e6) * 1000).rounded() / 1000) }
        return numbers
    }

    @Test(.enabled(if: cc != nil, "needs a C compiler: no cc on PATH"))
    func emittedCWritesNumbersAsGradJsonDoes() throws {
        let numbers = Self.formattingNumbers
        let source = """
            #include <math.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>

            \(SourceMain.cHelpers)

            static const unsigned long long bits[] = {\(numbers.map { "0x" + String($0.bitPattern, radix: 16) }.joined(separator: ",\n"))};

            int main(void) {
                (void)nabla_fail; (void)nabla_decimal; (void)nabla_nonfinite;
                for (size_t k = 0; k < sizeof bits / sizeof bits[0]; k++) {
                    double x;
                    memcpy(&x, &bits[k], 8);
                    nabla_json(x);
                    putchar('\\n');
                }
                return 0;
            }
            """
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let executable = try Self.build(source, .c, in: directory) else { return }
        let lines = try Self.run(executable, []).output.split(separator: "\n").map(String.init)
        #expect(lines.count == numbers.count)
        let wrong = zip(numbers, lines).filter { JSON.number($0) != $1 }.prefix(5).map { "\(JSON.number($0)) written \($1)" }
        #expect(wrong.isEmpty, "\(wrong)")
    }

    @Test func theTutorialReadsAsTheReversePassWrittenOut() throws {
        let source = try Script(parsing: Tutorial.program).source(in: .swift, functionName: "tutorial")
        for line in ["import Foundation",
                     "func tutorial(a: Double, o: Double) -> (g: Double, dg_da: Double, dg_do: Double) {",
                     "    // b = 5 - 3a", "    let b = t4 + 5.0", "    // e = 7c + d^2", "    let t11 = d * d",
                     "    // reverse pass", "    let dg_da = t20 * 3.0", "    return (g: g, dg_da: dg_da, dg_do: (-1.0))"] {
            #expect(source.contains(line + "\n"), "\(line)")
        }
        let c = try Script(parsing: Tutorial.program).source(in: .c, order: 2)
        for line in ["#include <math.h>", "struct g_gradient_result g_gradient(double a, double o) {", "    // b = 5 - 3a", "    double b = t6 + 5.0;",
                     "    result.d2g_da_da = 2700.0;"] {
            #expect(c.contains(line + "\n"), "\(line)")
        }
        #expect(!c.contains("stdio.h"))
    }

    @Test func registersWrittenSeveralTimesAreVariables() {
        let reused = Self.cases.first { $0.name == "reused" }!
        let swift = reused.emitter(.swift).function()
        for line in ["    var x = x", "    var y = 2.5", "    var t2 = x * x", "    t2 = t2 + 1.0", "    t2 = t2 * x", "    y = t2 * y",
                     "    x = -x", "    return (y: y, x_end: x)"] {
            #expect(swift.contains(line + "\n"), "\(line)")
        }
        let c = reused.emitter(.c).function()
        for line in ["    double y = 2.5;", "    double t2 = x * x;", "    t2 = t2 + 1.0;", "    x = -x;"] {
            #expect(c.contains(line + "\n"), "\(line)")
        }
    }

    @Test func namesBecomeIdentifiersThatCollideWithNothing() {
        #expect(SourceLanguage.swift.identifier("x") == "x")
        #expect(SourceLanguage.swift.identifier("in") == "in_")
        #expect(SourceLanguage.c.identifier("double") == "double_")
        #expect(SourceLanguage.c.identifier("exp") == "exp_")
        #expect(SourceLanguage.c.identifier("é") == "u00e9")
        #expect(SourceLanguage.c.identifier("nabla_x") == "nabla_x_")
        var taken: Set<String> = ["t3"]
        #expect(SourceEmitter.unique("t3", in: &taken) == "t3_2")
        #expect(SourceLiteral.double(-0.0, in: .c) == "(-0.0)")
        #expect(SourceLiteral.double(.leastNonzeroMagnitude, in: .c) == "0x0.0000000000001p-1022")
        #expect(SourceLiteral.double(.leastNonzeroMagnitude, in: .swift) == "Double(bitPattern: 0x1)")
        #expect(SourceLiteral.double(1e-5, in: .swift) == "1e-05")
    }

    @Test func theBenchmarksEmittedTutorialIsUpToDate() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/nabla-bench/TutorialEmitted.swift")
        let committed = try String(contentsOf: path, encoding: .utf8)
        let current = try Script(parsing: Tutorial.program).source(in: .swift, functionName: "emittedTutorial")
        #expect(committed == current, """
            Sources/nabla-bench/TutorialEmitted.swift is out of date; regenerate it:
              swift run nabla emit '\(Tutorial.program)' --lang swift --function emittedTutorial > Sources/nabla-bench/TutorialEmitted.swift
            """)
    }
}
