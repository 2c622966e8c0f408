import Foundation
import Testing
@testable import Nabla

/// Loops in the notation, `repeat N { statements }`: parsing and its errors, the rule on names
/// (carries, locals), and the numbers in every mode against the same steps written out.
@Suite("Notation loops")
struct NotationLoopTests {
    // MARK: Parsing

    @Test func aLoopCarriesTheNamesItsBodyAssignsThatHaveAValueBefore() throws {
        let w2 = try Script(parsing: "repeat 1000000 { x = tanh(1.01x + 0.1) }")
        #expect(w2.inputs == ["x"])
        #expect(w2.loops.map(\.count) == [1_000_000])
        #expect(w2.loops.map(\.carries) == [["x"]])
        #expect(w2.valueNames == ["x", "x'"])
        #expect(w2.output == "x'")

        // A multi-line body, a local (t), a carried statement (x), an input read before the loop
        // (c), names after the loop; two loops changing x: x' and x''.
        let script = try Script(parsing: """
            x = 2a
            repeat 3 {     # t is local: one step only
              t = x + c
              x = t^2
            }
            repeat 2 { x = x - 1; s = s + x }
            y = x + s
            """)
        #expect(script.inputs == ["a", "c", "s"])
        #expect(script.loops.map(\.carries) == [["x"], ["x", "s"]])
        #expect(script.loops.map(\.statements) == [1..<3, 3..<5])
        #expect(script.statements.map(\.loop) == [nil, 0, 0, 1, 1, nil])
        #expect(script.valueNames == ["a", "c", "s", "x", "x'", "x''", "s'", "y"])
        #expect(script.output == "y")
        #expect(script.statements.map(\.text) == ["x = 2a", "t = x + c", "x = t^2", "x = x - 1", "s = s + x", "y = x + s"])

        // Nested loops: the outer loop carries what the inner one changes.
        let nested = try Script(parsing: "repeat 2 { y = x + 1; repeat 3 { x = x * c } }")
        #expect(nested.loops.map(\.carries) == [["x"], ["x"]])
        #expect(nested.loops.map(\.statements) == [0..<2, 1..<2])
        #expect(nested.output == "x'")
    }

    @Test("Errors in loops name the place", arguments: [
        ("repeat -3 { x = 2x }", "line 1, column 8: a loop's count is a whole number from 0 to 1000000000: it cannot be negative\n  repeat -3 { x = 2x }\n         ^"),
        ("repeat 2.5 { x = 2x }", "line 1, column 8: a loop's count is a whole number from 0 to 1000000000, not 2.5\n  repeat 2.5 { x = 2x }\n         ^^^"),
        ("repeat n { x = 2x }", "line 1, column 8: a loop's count is a whole number from 0 to 1000000000 written in the program, not a name ('n')\n  repeat n { x = 2x }\n         ^"),
        ("repeat 2000000000 { x = 2x }", "line 1, column 8: a loop's count is at most 1000000000, not 2000000000\n  repeat 2000000000 { x = 2x }\n         ^^^^^^^^^^"),
        ("repeat { x = 2x }", "line 1, column 8: a loop's count is a whole number from 0 to 1000000000, written as a number: repeat 1000 { … }\n  repeat { x = 2x }\n         ^"),
        ("repeat", "line 1, column 1: expected the number of steps after 'repeat': a loop is repeat N { statements }, N a whole number from 0 to 1000000000\n  repeat\n  ^^^^^^"),
        ("repeat 3 x = 2x", "line 1, column 10: expected '{' after 'repeat 3': a loop is repeat N { statements }\n  repeat 3 x = 2x\n           ^"),
        ("repeat 3 { }", "line 1, column 10: the loop's body is empty: write repeat N { statements }\n  repeat 3 { }\n           ^"),
        ("repeat 3 { x = 2x", "line 1, column 10: '{' is never closed\n  repeat 3 { x = 2x\n           ^"),
        ("x = 2 }", "line 1, column 7: '}' without a matching '{'\n  x = 2 }\n        ^"),
        ("repeat 3 { x = 2x } y = x", "line 1, column 21: expected ';' or a new line after '}'\n  repeat 3 { x = 2x } y = x\n                      ^"),
        ("y = { x }", "line 1, column 5: unexpected '{' (a loop is repeat N { statements }, on its own)\n  y = { x }\n      ^"),
        ("repeat = 2", "line 1, column 1: 'repeat' is a keyword (repeat N { statements }) and cannot be assigned\n  repeat = 2\n  ^^^^^^"),
        ("y = repeat + 1", "line 1, column 5: 'repeat' is a keyword (repeat N { statements }), not a value\n  y = repeat + 1\n      ^^^^^^"),
        ("repeat 3 {\n  x = 2x *\n}", "line 2, column 11: expected an expression after '*'\n    x = 2x *\n            ^"),
        ("repeat 3 {\n  y = (x + 1\n}", "line 2, column 7: '(' is never closed\n    y = (x + 1\n        ^"),
        ("repeat 3 { t = 2x }", "line 1, column 1: the loop carries nothing out: a name its body assigns is carried from step to step only if it has a value before the loop (an input, or a name assigned earlier), as x in repeat 3 { x = 2x }; the others are local to one step\n  repeat 3 { t = 2x }\n  ^^^^^^"),
        ("repeat 3 { t = 2x; x = t }\ny = t", "line 2, column 5: 't' has no value here: it is assigned only inside the loop on line 1, and a name first assigned in a loop's body is local to one step (assign it before the loop to carry it)\n  y = t\n      ^"),
        ("repeat 3 { x = 2x; x = x + 1 }", "line 1, column 20: 'x' is assigned twice in one step of the loop on line 1 (first on line 1)\n  repeat 3 { x = 2x; x = x + 1 }\n                     ^"),
        ("repeat 3 { x = 2x }\nx = 1", "line 2, column 1: 'x' is an input (read on line 1 before any assignment, and carried by the loop on line 1): outside a loop's body it cannot be assigned\n  x = 1\n  ^"),
        ("x = a\nrepeat 3 { x = 2x }\nx = 1", "line 3, column 1: 'x' is assigned twice (first on line 1)\n  x = 1\n  ^"),
        ("repeat 2 { repeat 3 { x = 2x }; x = x + 1 }", "line 1, column 33: 'x' is assigned twice in one step of the loop on line 1 (first on line 1)\n  repeat 2 { repeat 3 { x = 2x }; x = x + 1 }\n                                  ^"),
        ("repeat 1000000000 { repeat 10 { x = 2x } }", "line 1, column 1: the program's loops would run 3e10 operations; the most is 100000000 (each step of a loop counts)\n  repeat 1000000000 { repeat 10 { x = 2x } }\n  ^^^^^^"),
        ("repeat 40000000 { x = 2x }", "line 1, column 1: the program's loops would run 1.2e8 operations; the most is 100000000 (each step of a loop counts)\n  repeat 40000000 { x = 2x }\n  ^^^^^^"),
    ])
    func errors(_ program: String, _ expected: String) {
        #expect(throws: ScriptError.self) { try Script(parsing: program) }
        do {
            _ = try Script(parsing: program)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func loopsNestSixteenDeep() throws {
        let nested = { (depth: Int) in String(repeating: "repeat 1 { ", count: depth) + "x = 2x" + String(repeating: " }", count: depth) }
        let deep = try Script(parsing: nested(16))
        #expect(deep.loops.count == 16)
        #expect(try deep.evaluate(at: ["x": 3]).value == 6)
        #expect(throws: ScriptError.self) { try Script(parsing: nested(17)) }
        do {
            _ = try Script(parsing: nested(17))
        } catch {
            #expect(error.message == "loops nest at most 16 deep")
            #expect(error.column == 16 * 11 + 1)   // the 17th 'repeat 1 { '
        }
    }

    // MARK: The numbers: a loop is its steps written out

    /// Every number of two evaluations, bit for bit: the output's value, the gradient, the
    /// Hessian.
    ///
    /// With `exactDerivatives` false, the derivatives agree to 1e-15 relative instead: a compiled
    /// static loop sums a parameter's gradient over the steps in its backward loop (an inner loop's
    /// steps first), which groups the additions differently from the unrolled graph.
    func expectSameNumbers(_ loop: ScriptEvaluation, _ unrolled: ScriptEvaluation, _ comment: Comment, exactDerivatives: Bool = true) {
        #expect(loop.value.bitPattern == unrolled.value.bitPattern, comment)
        #expect(loop.gradient.map(\.name) == unrolled.gradient.map(\.name), comment)
        let derivatives = { (e: ScriptEvaluation) in e.gradient.map(\.value) + (e.hessian?.flatMap { $0.row.map(\.value) } ?? []) }
        if exactDerivatives {
            #expect(derivatives(loop).map(\.bitPattern) == derivatives(unrolled).map(\.bitPattern), comment)
        } else {
            let (a, b) = (derivatives(loop), derivatives(unrolled))
            #expect(a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-15 * Swift.max(Swift.abs($1), 1e-300) }, comment)
        }
    }

    static let loopsAndTheirSteps: [(String, String, [String: Double])] = [
        // Each step reads the previous step's x, then its own t.
        ("x = a\nrepeat 3 { t = 1.01x + 0.1; x = tanh(t) * b }\ny = x^2 + b",
         "x = a; t1 = 1.01x + 0.1; x1 = tanh(t1) * b; t2 = 1.01x1 + 0.1; x2 = tanh(t2) * b; t3 = 1.01x2 + 0.1; x3 = tanh(t3) * b; y = x3^2 + b",
         ["a": 0.5, "b": 0.9]),
        // s reads x before the body assigns it: the previous step's x.
        ("repeat 3 { s = s + x*x; x = x / 2 }\ny = s * x",
         "s1 = s + x*x; x1 = x / 2; s2 = s1 + x1*x1; x2 = x1 / 2; s3 = s2 + x2*x2; x3 = x2 / 2; y = s3 * x3",
         ["s": 1.5, "x": 0.7]),
        // s reads x after the body assigns it: this step's x.
        ("repeat 3 { x = x / 2; s = s + x*x }\ny = s * x",
         "x1 = x / 2; s1 = s + x1*x1; x2 = x1 / 2; s2 = s1 + x2*x2; x3 = x2 / 2; s3 = s2 + x3*x3; y = s3 * x3",
         ["s": 1.5, "x": 0.7]),
        // Nested loops, and a name read from outside the loop (c).
        ("repeat 2 { x = sin(x) + 1; repeat 3 { x = x * c } }",
         "x1 = sin(x) + 1; x2 = x1 * c; x3 = x2 * c; x4 = x3 * c; x5 = sin(x4) + 1; x6 = x5 * c; x7 = x6 * c; x8 = x7 * c",
         ["x": 0.3, "c": 1.1]),
        // Zero steps: the carries keep their values.
        ("repeat 0 { x = exp(x) }\ny = x * c", "y = x * c", ["x": 0.3, "c": 1.1]),
    ]

    @Test("A loop gives the numbers of its steps written out, in every mode", arguments: loopsAndTheirSteps)
    func aLoopIsItsStepsWrittenOut(_ loop: String, _ steps: String, _ at: [String: Double]) throws {
        let (looped, unrolled) = (try Script(parsing: loop), try Script(parsing: steps))
        #expect(looped.inputs == unrolled.inputs)
        for mode in ScriptMode.allCases {
            expectSameNumbers(try looped.evaluate(at: at, order: 2, mode: mode), try unrolled.evaluate(at: at, order: 2, mode: mode), "\(mode): \(loop)",
                              exactDerivatives: mode != .static)
        }
        // Static (a compiled loop) and dynamic agree: values bit for bit, derivatives to rounding.
        let (s, d) = (try looped.evaluate(at: at, order: 2, mode: .static), try looped.evaluate(at: at, order: 2, mode: .dynamic))
        expectSameNumbers(s, d, "static against dynamic: \(loop)", exactDerivatives: false)
    }

    @Test func w2AgainstItsRecurrenceInDoubles() throws {
        // x_{k+1} = tanh(1.01·x_k + 0.1); dx_{k+1}/dx_k = (1 − x_{k+1}²)·1.01.
        let n = 50
        var x = 0.5, derivative = 1.0
        for _ in 0..<n {
            x = tanh(x * 1.01 + 0.1)
            derivative *= (1 - x * x) * 1.01
        }
        let script = try Script(parsing: "repeat \(n) { x = tanh(1.01x + 0.1) }")
        for mode in ScriptMode.allCases {
            let result = try script.evaluate(at: ["x": 0.5], mode: mode)
            #expect(result.output == "x'")
            #expect(result.value == x, "\(mode)")
            #expect(result.values.map(\.name) == ["x", "x'"])
            #expect(result.values.map(\.value) == [0.5, x])
            #expect(result.gradient.map(\.name) == ["x"])
            #expect(abs(result.gradient[0].value - derivative) <= 1e-13 * abs(derivative), "\(mode)")
        }
    }

    @Test func aLongLoopRunsWithoutRecursion() throws {
        // 20,000 steps: a recursion over the graph's depth would overflow a thread's stack.
        let n = 20_000
        var x = 0.5, derivative = 1.0
        for _ in 0..<n {
            x = tanh(x * 1.01 + 0.1)
            derivative *= (1 - x * x) * 1.01
        }
        for mode in ScriptMode.allCases {
            let result = try Script(parsing: "repeat \(n) { x = tanh(1.01x + 0.1) }").evaluate(at: ["x": 0.5], mode: mode)
            #expect(result.value == x)
            #expect(abs(result.gradient[0].value - derivative) <= 1e-10 * abs(derivative), "\(mode)")
        }
    }

    // MARK: Values, names and the JSON

    @Test func carriesArePrimedAfterTheirLoop() throws {
        // x = 2a = 2, then squared twice: x' = (2a)^4 = 16; y = x' + 1 = 17.
        // dy/da = 64a³ = 64; dy/dx = 4x³ = 32; dy/dx' = 1.
        let script = try Script(parsing: "x = 2a; repeat 2 { x = x^2 }; y = x + 1")
        for mode in ScriptMode.allCases {
            let result = try script.evaluate(at: ["a": 1], mode: mode)
            #expect(result.values.map(\.name) == ["a", "x", "x'", "y"])
            #expect(result.values.map(\.value) == [1, 2, 16, 17])
            #expect(result.gradient.map(\.value) == [64], "\(mode)")
            #expect(result.statementGradients.map(\.name) == ["x", "x'", "y"])
            #expect(result.statementGradients.map(\.value) == [32, 1, 1], "\(mode)")
        }
        // --of and --wrt take the primed names; the bare name is the value before the loop.
        let before = try script.evaluate(at: ["a": 1], output: "x'", wrt: ["x"])
        #expect(before.value == 16 && before.gradient.map(\.value) == [32])   // d(x²)²/dx = 4x³
        // Zero steps: x' is x, yet a value of its own: y = x' + 3x, so dy/dx = 1 + 3 (through
        // x' and z), dy/dx' = 1.
        let zero = try Script(parsing: "z = 3x; repeat 0 { x = 2x }; y = x + z").evaluate(at: ["x": 3], wrt: ["x", "x'"])
        #expect(zero.values.map(\.name) == ["x", "z", "x'", "y"])
        #expect(zero.values.map(\.value) == [3, 9, 3, 12])
        #expect(zero.gradient.map(\.value) == [4, 1])
    }

    @Test func aCopyIsAValueOfItsOwnThatTheGradientFlowsThrough() throws {
        // c = b copies b, as x' copies x after zero steps: y = 3c, so dy/dc = 3 and dy/db = 3
        // (before, the copy was made after the statements that read it, and dy/dc was 0).
        for mode in ScriptMode.allCases {
            let result = try Script(parsing: "b = 2a; c = b; y = 3c").evaluate(at: ["a": 1], mode: mode)
            #expect(result.statementGradients.map(\.name) == ["b", "c", "y"])
            #expect(result.statementGradients.map(\.value) == [3, 3, 1], "\(mode)")
            #expect(result.gradient.map(\.value) == [6], "\(mode)")
        }
    }

    @Test func theJSONHasEachNameOnce() throws {
        // x: 1 → 3 → 7 → 15; dx'/dx = 2³ = 8, dx'/dc = 4 + 2 + 1 = 7.
        let script = try Script(parsing: "repeat 3 { x = 2x + c }")
        #expect(try script.evaluate(at: ["x": 1, "c": 1]).json
                == #"{"output":"x'","value":15,"values":{"x":1,"c":1,"x'":15},"gradient":{"x":8,"c":7}}"#)
        // Two loops changing x: x' after the first, x'' after the second.
        // x' = 4x = 4, x'' = x' + 1 = 5; d²x''/dx² = 0.
        #expect(try Script(parsing: "repeat 2 { x = 2x }\nrepeat 1 { x = x + 1 }").evaluate(at: ["x": 1], order: 2).json
                == #"{"output":"x''","value":5,"values":{"x":1,"x'":4,"x''":5},"gradient":{"x":4},"hessian":{"x":{"x":0}}}"#)
    }

    @Test func anUnusedLoopIsAWarning() throws {
        let script = try Script(parsing: "repeat 2 { u = u + 1 }; y = 2x")
        #expect(script.warnings() == ["'u'' is never used by the output 'y'"])
        #expect(try Script(parsing: "repeat 2 { u = u + x }; y = 2u").warnings().isEmpty)
    }

    // MARK: Errors at run time, check, explain and graph

    @Test func aValueThatOverflowsInALoopNamesTheStep() throws {
        // x = 1e100^k after step k: step 4 overflows.
        #expect(throws: ScriptError("1e+300 * 1e+100 overflows to inf in 'x = x * 1e100' (step 4 of the loop on line 1)",
                                    line: 1, column: 12, length: 13)) {
            try Script(parsing: "repeat 5 { x = x * 1e100 }").evaluate(at: ["x": 1])
        }
    }

    @Test func checkComparesALoopWithFiniteDifferences() throws {
        let script = try Script(parsing: "x = a\nrepeat 10 { x = tanh(1.01x + b) }\ny = x^2")
        let report = try script.check(at: ["a": 0.5, "b": 0.1], order: 2)
        #expect(report.gradient.map(\.name) == ["a", "b"])
        #expect(report.hessian.count == 4)
        #expect(report.passed, "\(report.text)")
    }

    @Test func explainAndGraphRefuseALoop() throws {
        let script = try Script(parsing: "y = 2x\nrepeat 1000 { x = 2x }")
        #expect(throws: ScriptError("nabla graph shows every operation, and this program's loop would show each of its 1000 steps: write a few steps out as statements, or see the values and gradient with nabla grad",
                                    line: 2, column: 1, length: 6, sourceLine: "repeat 1000 { x = 2x }")) {
            try script.requireNoLoops(for: "nabla graph")
        }
        try Script(parsing: "y = 2x").requireNoLoops(for: "nabla explain")
        for command in ["explain", "graph"] {
            let run = try CommandLineTests.nabla([command, "repeat 3 { x = 2x }", "--at", "x=1"])
            #expect(run.status == 1 && run.output.isEmpty)
            #expect(run.errors.hasPrefix("error: line 1, column 1: nabla \(command) shows every operation"))
        }
        let grad = try CommandLineTests.nabla(["grad", "repeat 3 { x = 2x + c }", "--at", "x=1,c=1", "--wrt", "x", "--json"])
        #expect(grad.status == 0)
        #expect(grad.output == #"{"output":"x'","value":15,"values":{"x":1,"c":1,"x'":15},"gradient":{"x":8}}"# + "\n")
    }
}
