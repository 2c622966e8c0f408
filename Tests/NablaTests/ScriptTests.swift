import Foundation
import Testing
@testable import Nabla

/// The tutorial's notation: precedence, implicit multiplication, errors with places.
@Suite("Program notation")
struct ScriptTests {
    /// The value of the last statement, computed by the script, at the given inputs.
    func value(_ text: String, _ feeds: [String: Double] = [:]) throws -> Double {
        try Script(parsing: text).evaluate(at: feeds).value
    }

    static let precedenceCases: [(String, Double)] = [
        ("y = -a^2", -9),                        // -(a^2)
        ("y = a^b^c", 4.728804387837416),        // a^(b^c) = 3^(2^0.5)
        ("y = a^-1", 0.3333333333333333),
        ("y = a/b*c", 0.75),                     // (a/b)*c
        ("y = 2*-a", -6),
        ("y = a - -b", 5),
        ("y = a - b - c", 0.5),
        ("y = 2^-a*3", 0.375),                   // (2^-3)*3
        ("y = a ** 2", 9),
        ("y = -2^2", -4),
        ("y = 1e-3 * a + 2.5", 2.503),
        ("y = 3a", 9), ("y = 3(a + 1)", 12), ("y = 2b^2", 8), ("y = 2e", 14),
        ("y = pow(a, 2) + min(a, b) - max(b, c)", 9),
        ("y = exp(0) + log(1) + sqrt(4) + sin(0) + cos(0) + tanh(0) + sigmoid(0) + relu(-1) + abs(-2)", 6.5),
    ]

    @Test("Precedence and associativity", arguments: precedenceCases)
    func precedence(_ text: String, _ expected: Double) throws {
        #expect(try value(text, ["a": 3, "b": 2, "c": 0.5, "e": 7]) == expected)
    }

    @Test func theTutorialAsItIsWritten() throws {
        let program = """
            # the tutorial's graph
            b = 5 - 3a
            c = 2b + 3
            d = 5b + 6
            e = 7c + d^2
            f = 2e
            g = 3f - o
            """
        let script = try Script(parsing: program)
        #expect(script.inputs == ["a", "o"])
        #expect(script.output == "g")
        for mode in ScriptMode.allCases {
            let result = try script.evaluate(at: ["a": 2, "o": 1], order: 2, mode: mode)
            #expect(result.value == 47)
            #expect(result.gradient.map(\.value) == [-432, -1])
            #expect(result.statementGradients.map(\.value) == [144, 42, 12, 6, 3, 1])
            #expect(result.hessian?.map { $0.row.map(\.value) } == [[2700, 0], [0, 0]])
        }
        // On one line, with ';', as in Tutorial.program.
        #expect(try Script(parsing: Tutorial.program).evaluate(at: ["a": 2, "o": 1]).gradient.map(\.value) == [-432, -1])
    }

    @Test func theScriptBuildsTheSameGraphAsSwiftCode() throws {
        // 5 - 3a in the notation and in Swift record the same nodes, so the numbers agree bit for bit.
        let a = Value(2.5, requiresGrad: true), o = Value(-1, requiresGrad: true)
        let swift = Tutorial.graph(a: a, o: o).g
        let script = try Script(parsing: Tutorial.program)
        let scripted = script.evaluate(input: { $0 == "a" ? a : o }, constant: { Value($0) }).last!
        #expect(scripted.data.bitPattern == swift.data.bitPattern)
        #expect(scripted.gradients(wrt: [a, o]) == swift.gradients(wrt: [a, o]))
    }

    @Test("Errors name the place", arguments: [
        ("c = 2b * ", "line 1, column 10: expected an expression after '*'\n  c = 2b * \n           ^"),
        ("y = foo(x)", "line 1, column 5: unknown function 'foo' (known: exp, log, sqrt, sin, cos, tanh, erf, sigmoid, relu, abs, softplus, logSigmoid, elu, hardtanh, silu, pow, min, max)\n  y = foo(x)\n      ^^^"),
        ("y = sine(x)", "line 1, column 5: unknown function 'sine'; did you mean 'sin'? (known: exp, log, sqrt, sin, cos, tanh, erf, sigmoid, relu, abs, softplus, logSigmoid, elu, hardtanh, silu, pow, min, max)\n  y = sine(x)\n      ^^^^"),
        ("y = x\ny = 2", "line 2, column 1: 'y' is assigned twice (first on line 1)\n  y = 2\n  ^"),
        ("y = z + 1; z = x", "line 1, column 5: 'z' is used before it is assigned on line 1\n  y = z + 1; z = x\n      ^"),
        ("y = y + 1", "line 1, column 5: 'y' is used in its own statement\n  y = y + 1\n      ^"),
        ("y = (a + 1", "line 1, column 5: '(' is never closed\n  y = (a + 1\n      ^"),
        ("y = a + 1)", "line 1, column 10: ')' without a matching '('\n  y = a + 1)\n           ^"),
        ("y = ()", "line 1, column 6: empty parentheses\n  y = ()\n       ^"),
        ("y = pow(a)", "line 1, column 5: pow takes 2 arguments\n  y = pow(a)\n      ^^^"),
        ("y = exp(a, b)", "line 1, column 5: exp takes 1 argument\n  y = exp(a, b)\n      ^^^"),
        ("y = a $ b", "line 1, column 7: unexpected character '$'\n  y = a $ b\n        ^"),
        ("3 = a", "line 1, column 1: expected a statement 'name = expression'\n  3 = a\n  ^"),
        ("y a", "line 1, column 3: expected '=' after 'y' (statements are name = expression)\n  y a\n    ^"),
        ("exp = 2", "line 1, column 1: 'exp' is a function and cannot be assigned\n  exp = 2\n  ^^^"),
        ("y = 1.2.3", "line 1, column 5: malformed number '1.2.3'\n  y = 1.2.3\n      ^^^^^"),
        ("y = a b", "line 1, column 7: expected an operator before 'b'\n  y = a b\n        ^"),
        ("", "the program has no statements (write them as name = expression)"),
        ("y = 1e309 * x", "line 1, column 5: the number '1e309' is too large: it would be inf (the largest double is about 1.8e308)\n  y = 1e309 * x\n      ^^^^^"),
        ("y = x + 1e-400", "line 1, column 9: the number '1e-400' is too small: it would be 0 (the smallest positive double is about 4.9e-324)\n  y = x + 1e-400\n          ^^^^^^"),
        ("y = inf * x", "line 1, column 5: 'inf' is reserved: values are finite numbers, and nan, inf and infinity (in any case) are not names\n  y = inf * x\n      ^^^"),
        ("y = 2 * NaN", "line 1, column 9: 'NaN' is reserved: values are finite numbers, and nan, inf and infinity (in any case) are not names\n  y = 2 * NaN\n          ^^^"),
        ("Infinity = 2", "line 1, column 1: 'Infinity' is reserved: values are finite numbers, and nan, inf and infinity (in any case) are not names\n  Infinity = 2\n  ^^^^^^^^"),
        ("y = x\u{1B}[2J", "line 1, column 6: unexpected character U+001B\n  y = x�[2J\n       ^"),
    ])
    func errors(_ text: String, _ message: String) {
        #expect(throws: ScriptError.self) { try Script(parsing: text) }
        do {
            _ = try Script(parsing: text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func anExponentThatCouldBeANameIsAnError() throws {
        // The tutorial's e: 2e-1 could be 2·e − 1 as well as 0.2; the program must say which.
        let tutorial = "b = 5 - 3a; c = 2b + 3; d = 5b + 6; e = 7c + d^2; f = 2e-1; g = 3f - o"
        #expect(throws: ScriptError("'2e-1' is ambiguous in a program with a name 'e': the number 0.2, or 2*e - 1? Write 0.2 for the number or 2*e - 1 for the product",
                                    line: 1, column: 55, length: 4, sourceLine: tutorial)) { try Script(parsing: tutorial) }
        #expect(try value(tutorial.replacingOccurrences(of: "2e-1", with: "2e - 1"), ["a": 2, "o": 1]) == 44)
        #expect(try value(tutorial.replacingOccurrences(of: "2e-1", with: "0.2"), ["a": 2, "o": 1]) == 3 * 0.2 - 1)
        // e3 for 2e3, E for 1E+5; an input counts as a name; the check is case-sensitive.
        #expect(throws: ScriptError.self) { try Script(parsing: "y = 2e3 * e3") }
        #expect(throws: ScriptError.self) { try Script(parsing: "E = 2x\ny = 1E+5 * x") }
        #expect(throws: ScriptError.self) { try Script(parsing: "y = 1e-300 * e") }
        #expect(try value("y = 1e-3 * E", ["E": 2]) == 0.002)
        #expect(try value("y = 2e3 * e", ["e": 1]) == 2000)   // e3 is not a name here
        #expect(try value("y = 2e - 1", ["e": 3]) == 5)
    }

    @Test func unusedStatements() throws {
        let script = try Script(parsing: "a = 2x; b = a + 1; u = x^2; w = u; y = 3b; z = y")
        #expect(script.unusedStatements() == ["u", "w"])
        #expect(script.unusedStatements(output: "y") == ["u", "w"])
        #expect(script.unusedStatements(output: "b") == [])   // u, w, y, z come after b
        #expect(script.unusedStatements(output: "w") == ["a", "b"])
        #expect(script.unusedStatements(output: "x") == [])
        #expect(try script.evaluate(at: ["x": 1]).warnings == ["'u', 'w' are never used by the output 'z'"])
        let many = try Script(parsing: (0..<20).map { "v\($0) = x" }.joined(separator: "\n") + "\ny = x")
        #expect(many.warnings() == ["'v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', … (20 in all) are never used by the output 'y'"])
    }

    @Test func spellingSuggestsTheClosestWord() {
        let commands = ["tutorial", "grad", "explain", "graph", "check", "train", "help"]
        #expect(Spelling.closest(to: "gard", among: commands) == "grad")      // a swap is one edit
        #expect(Spelling.closest(to: "grpah", among: commands) == "graph")
        #expect(Spelling.closest(to: "explian", among: commands) == "explain")
        #expect(Spelling.closest(to: "trian", among: commands) == "train")
        #expect(Spelling.closest(to: "foo", among: commands) == nil)
        #expect(Spelling.closest(to: "", among: commands) == nil)
        #expect(Spelling.distance("kitten", "sitting") == 3 && Spelling.distance("ab", "ba") == 1 && Spelling.distance("", "abc") == 3)
    }

    @Test func numbersADoubleHoldsAreAccepted() throws {
        #expect(try value("y = 1.7976931348623157e308") == .greatestFiniteMagnitude)
        #expect(try value("y = 5e-324") == .leastNonzeroMagnitude)
        #expect(try value("y = 0e-400 + 0.000") == 0)
        #expect(try value("y = 2x + infinite", ["x": 1, "infinite": 3]) == 5)   // only the whole words are reserved
        #expect(throws: ScriptError.self) { try Script(parsing: "y = " + String(repeating: "9", count: 400)) }
    }

    @Test("Lines end at LF, CR LF or a lone CR; a byte-order mark is skipped; a tab is a space", arguments: [
        "b = 5 - 3a\nc = 2b\n", "b = 5 - 3a\r\nc = 2b\r\n", "b = 5 - 3a\rc = 2b\r", "b = 5 - 3a\r\nc = 2b\rd = 1\n",
        "\u{FEFF}b = 5 - 3a\r\nc = 2b", "b\t=\t5 - 3a\n\tc = 2b\t# comment\r",
    ])
    func lineEndings(_ text: String) throws {
        let script = try Script(parsing: text)
        #expect(script.statements.prefix(2).map(\.name) == ["b", "c"] && script.inputs == ["a"])
        #expect(script.statements[1].line == 2 && !script.statements[1].text.contains("\r"))
        #expect(try script.evaluate(at: ["a": 2], output: "c").value == -2)
    }

    @Test func errorsAfterCarriageReturnsNameTheRightLine() {
        for text in ["y = 2x\rz = y $\r", "y = 2x\r\nz = y $\r\n", "\u{FEFF}y = 2x\nz = y $"] {
            #expect(throws: ScriptError("unexpected character '$'", line: 2, column: 7, sourceLine: "z = y $")) {
                try Script(parsing: text)
            }
        }
        // A byte-order mark is skipped only at the start.
        #expect(throws: ScriptError("unexpected character U+FEFF", line: 1, column: 7, sourceLine: "y = 2x\u{FEFF}")) {
            try Script(parsing: "y = 2x\u{FEFF}")
        }
    }

    @Test("Input values are decimal numbers a double holds", arguments: [
        (["a=2", "b = -0.5 , c=.5", "d=1e-3", "e=+4", "f=5."], nil),
        (["x=0x10"], "--at x=0x10: '0x10' is not a decimal number (write values as 2, -0.5 or 1e-3)"),
        (["x=inf"], "--at x=inf: input values must be finite numbers"),
        (["x=-Infinity"], "--at x=-Infinity: input values must be finite numbers"),
        (["x=nan"], "--at x=nan: input values must be finite numbers"),
        (["x=1e309"], "--at x=1e309: '1e309' is too large: it would be inf (the largest double is about 1.8e308)"),
        (["x=-1e-400"], "--at x=-1e-400: '-1e-400' is too small: it would be 0 (the smallest positive double is about 4.9e-324)"),
        (["x=1_000"], "--at x=1_000: '1_000' is not a decimal number (write values as 2, -0.5 or 1e-3)"),
        (["x=2", "x=3"], "--at gives 'x' twice"),
        (["x"], "--at expects name=value, got 'x'"),
        (["=2"], "--at expects name=value, got '=2'"),
    ] as [([String], String?)])
    func inputValues(_ arguments: [String], _ message: String?) throws {
        guard let message else {
            #expect(try Script.inputValues(arguments) == ["a": 2, "b": -0.5, "c": 0.5, "d": 0.001, "e": 4, "f": 5])
            return
        }
        #expect(throws: ScriptError(message)) { try Script.inputValues(arguments) }
    }

    @Test func errorsQuoteShortExcerptsOfLongInput() throws {
        // A 200 kB line: the error shows 80 characters around the offending one, and the caret under it.
        let line = "y = x" + String(repeating: " + x", count: 50_000) + " $ x" + String(repeating: " + x", count: 1000)
        do { _ = try Script(parsing: line); Issue.record("no error") } catch {
            let text = error.description
            #expect(text.utf8.count < 300, "\(text.utf8.count) bytes")
            #expect(error.column == 200_007)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0] == "line 1, column 200007: unexpected character '$'")
            #expect(lines[1].hasPrefix("  …") && lines[1].hasSuffix("…"))
            let caret = lines[2].firstIndex(of: "^").map { lines[2].distance(from: lines[2].startIndex, to: $0) }
            #expect(caret.map { Array(lines[1])[$0] } == "$")
        }
        // Long names and statements are quoted shortened, lists of names cut.
        let name = String(repeating: "a", count: 100_000)
        let cases: [(String, [String: Double], String?)] = [
            ("y = \(name)(x)", ["x": 1], nil),
            ("y = \(name) x", [:], nil),
            ("y = log(x - 2)" + String(repeating: " + x", count: 10_000), ["x": 1], nil),
            ((0..<1000).map { "v\($0) = x" }.joined(separator: "\n"), ["x": 1], "nothing"),
        ]
        for (program, feeds, output) in cases {
            do {
                _ = try Script(parsing: program).evaluate(at: feeds, output: output)
                Issue.record("no error")
            } catch {
                #expect(error.description.utf8.count < 400, "\(error.description.prefix(400))")
            }
        }
    }

    @Test("A non-finite derivative is explained in the notation, alike in both modes", arguments: [
        ("y = sqrt(x)", ["x": 0.0], 1, nil,
         "line 1, column 1: dy/dx is inf at x = 0: d/dx sqrt(x) = 1 / (2sqrt(x)) is inf, in 'y = sqrt(x)'"),
        // An operand without a name is named u, and given.
        ("y = sqrt(x - 1) + x", ["x": 1], 1, nil,
         "line 1, column 1: dy/dx is inf at x = 1: d/du sqrt(u) = 1 / (2sqrt(u)) is inf where u = x - 1 = 0, in 'y = sqrt(x - 1) + x'"),
        ("u = x - 1; y = sqrt(u)", ["x": 1], 1, nil,
         "line 1, column 12: dy/dx is inf at x = 1: d/du sqrt(u) = 1 / (2sqrt(u)) is inf where u = 0, in 'y = sqrt(u)'"),
        ("y = 0 * sqrt(x) + x", ["x": 0], 2, nil,
         "line 1, column 1: dy/dx is nan at x = 0: d/dx sqrt(x) = 1 / (2sqrt(x)) is inf, in 'y = 0 * sqrt(x) + x'"),
        ("y = abs(x)^0.5", ["x": 0], 1, nil,
         "line 1, column 1: dy/dx is nan at x = 0: d/du u^0.5 = 0.5u^-0.5 is inf where u = abs(x) = 0, in 'y = abs(x)^0.5'"),
        ("y = a^b", ["a": -2, "b": 2], 1, ["b"],
         "line 1, column 1: dy/db is nan at a = -2, b = 2: d/db a^b = a^b·log(a) is nan, in 'y = a^b'"),
        ("y = log(x)", ["x": .leastNonzeroMagnitude], 1, nil,
         "line 1, column 1: dy/dx is inf at x = 5e-324: d/dx log(x) = 1 / x is inf, in 'y = log(x)'"),
        // Finite local derivatives whose product is beyond the doubles.
        ("y = 1e200 * sqrt(x)", ["x": 1e-300], 1, nil,
         "line 1, column 1: dy/dx is inf at x = 1e-300: the chain rule's product 1e+200 · 5e+149 overflows (the largest double is about 1.8e308), in 'y = 1e200 * sqrt(x)'"),
        ("y = 1.5e308 * x + 1.5e308 * x", ["x": 1e-300], 1, nil,
         "line 1, column 1: dy/dx is inf at x = 1e-300: the chain rule's sum over paths 1.5e+308 + 1.5e+308 overflows (the largest double is about 1.8e308), in 'y = 1.5e308 * x + 1.5e308 * x'"),
        ("y = x^1.5", ["x": 0], 2, nil,
         "d²y/dx² is inf at x = 0: the derivative of a derivative rule is not finite there (the gradient is)"),
    ] as [(String, [String: Double], Int, [String]?, String)])
    func nonFiniteDerivatives(_ program: String, _ feeds: [String: Double], _ order: Int, _ wrt: [String]?, _ message: String) throws {
        let script = try Script(parsing: program)
        for mode in ScriptMode.allCases {
            #expect(throws: ScriptError.self, "\(mode)") { try script.evaluate(at: feeds, wrt: wrt, order: order, mode: mode) }
            do { _ = try script.evaluate(at: feeds, wrt: wrt, order: order, mode: mode) } catch {
                #expect(error.description == message, "\(mode)")
            }
        }
    }

    @Test func onlyTheDerivativesAskedForHaveToBeFinite() throws {
        // PyTorch: y = a^b at a = -2, b = 2 gives dy/da = -4 and dy/db = nan.
        let script = try Script(parsing: "y = a^b")
        for mode in ScriptMode.allCases {
            let evaluation = try script.evaluate(at: ["a": -2, "b": 2], wrt: ["a"], order: 2, mode: mode)
            #expect(evaluation.gradient.map(\.value) == [-4] && evaluation.hessian?[0].row.map(\.value) == [2], "\(mode)")
            #expect(evaluation.statementGradients.isEmpty, "only what was asked for")
        }
        let all = try Script(parsing: "u = 2x; y = u^2").evaluate(at: ["x": 1])
        #expect(all.gradient.map(\.name) == ["x"] && all.statementGradients.map(\.name) == ["u", "y"])
        let some = try Script(parsing: "u = 2x; y = u^2").evaluate(at: ["x": 1], wrt: ["u", "u"])
        #expect(some.gradient.map(\.value) == [4, 4] && some.statementGradients.isEmpty)
    }

    @Test func jsonWritesNonFiniteNumbersAsNull() {
        let evaluation = ScriptEvaluation(output: "y", value: .infinity, values: [("x", .nan), ("y", -.infinity)],
                                          gradient: [("x", .infinity)], statementGradients: [], hessian: [("x", [("x", .nan)])], warnings: [])
        #expect(evaluation.json == "{\"output\":\"y\",\"value\":null,\"values\":{\"x\":null,\"y\":null},\"gradient\":{\"x\":null},\"hessian\":{\"x\":{\"x\":null}}}")
    }

    @Test func domainErrorsNameTheStatement() throws {
        let script = try Script(parsing: "b = x - 3\nc = log(b)\nd = c * 2")
        #expect(throws: ScriptError.self) { try script.evaluate(at: ["x": 1]) }
        do { _ = try script.evaluate(at: ["x": 1]) } catch {
            #expect(error.description == "line 2, column 1: log(-2) is undefined (nan) in 'c = log(b)'")
        }
        for (program, message) in [
            ("y = 1 / x", "1 / 0 overflows to inf in 'y = 1 / x'"),
            ("y = sqrt(x - 1)", "sqrt(-1) is undefined (nan) in 'y = sqrt(x - 1)'"),
            ("y = exp(1000 + x)", "exp(1000) overflows to inf in 'y = exp(1000 + x)'"),
        ] {
            do { _ = try Script(parsing: program).evaluate(at: ["x": 0]); Issue.record("no error for \(program)") } catch {
                #expect(error.message == message)
            }
        }
    }

    @Test func inputsAndOutputs() throws {
        let script = try Script(parsing: "y = x * 2; z = y + w")
        #expect(throws: ScriptError("missing a value for the input 'w'")) { try script.evaluate(at: ["x": 1]) }
        #expect(throws: ScriptError("'q' is not a name in the program (its names are x, w, y, z)")) {
            try script.evaluate(at: ["x": 1, "w": 2], output: "q")
        }
        let result = try script.evaluate(at: ["x": 1, "w": 2, "unused": 3], output: "y", wrt: ["x"])
        #expect(result.value == 2 && result.gradient.map(\.value) == [2])
        #expect(result.warnings == ["'unused' is given a value but the program does not use it"])
    }

    @Test func veryLongAndDeeplyNestedPrograms() throws {
        // 100,000 statements.
        var lines = ["x0 = a"]
        for k in 1..<100_000 { lines.append("x\(k) = x\(k - 1) * 0.9999 + 0.0001") }
        let long = try Script(parsing: lines.joined(separator: "\n"))
        let result = try long.evaluate(at: ["a": 2], wrt: ["a"])
        #expect(Swift.abs(result.gradient[0].value - pow(0.9999, 99_999)) < 1e-9)
        // Parentheses nested 100,000 deep.
        let depth = 100_000
        let nested = "y = " + String(repeating: "(", count: depth) + "a + 1" + String(repeating: ")", count: depth) + " * 2"
        #expect(try Script(parsing: nested).evaluate(at: ["a": 1]).value == 4)
        let nestedFunctions = "y = " + String(repeating: "sin(", count: depth) + "a" + String(repeating: ")", count: depth)
        #expect(try Script(parsing: nestedFunctions).evaluate(at: ["a": 0]).value == 0)
    }
}
