import Testing
@testable import Nabla

/// Explanations of very long and very deep programs: built, written out and freed without
/// recursion, in text that grows linearly with the program.
@Suite("Explanations of large programs")
struct ExplanationSizeTests {
    /// The derivation of the last statement of `program` at `feeds`, as text.
    func explain(_ program: String, _ feeds: [String: Double]) throws -> (derivation: Derivation, text: String) {
        let script = try Script(parsing: program)
        let graph = Graph()
        let nodes = script.buildStatic(in: graph)
        let derivation = try graph.derivation(of: nodes.last!, at: feeds)
        return (derivation, derivation.description)
    }

    static func nestedSines(_ depth: Int) -> String {
        "y = " + String(repeating: "sin(", count: depth) + "x" + String(repeating: ")", count: depth)
    }

    static func sum(_ terms: Int) -> String {
        "y = " + Array(repeating: "x", count: terms).joined(separator: " + ")
    }

    @Test func aFormulaFiftyThousandDeepIsWrittenComparedAndFreed() {
        let depth = 50_000
        func chain() -> Formula {
            var f = Formula.variable("x")
            for _ in 0..<depth { f = sin(f) }
            return f
        }
        let (f, g) = (chain(), chain())
        let text = f.description
        #expect(text == String(repeating: "sin(", count: depth) + "x" + String(repeating: ")", count: depth))
        #expect(f == g)
        #expect(f != sin(g))
        #expect(f.evaluate(["x": 0]) == 0)
        // f and g are freed when the test returns: that must not overflow the stack either.
    }

    @Test func formulasAreWrittenAsBefore() {
        let (x, y) = (Formula.variable("x"), Formula.variable("y"))
        let cases: [(Formula, String)] = [
            (7 * x + pow(y, 2), "7x + y^2"),
            (2 * (x + 1), "2(x + 1)"),
            (2 * pow(3, x), "2·3^x"),
            (-3 * x, "-3x"),
            (5 - 3 * x, "-3x + 5"),
            (1 - pow(tanh(x), 2), "1 - tanh(x)^2"),
            (pow(x + y, 2), "(x + y)^2"),
            (x - (y - x), "x - (y - x)"),
            (x / (y * x), "x / (y·x)"),
            (-(x + y), "-(x + y)"),
            (masked(x, y + 1), "(y + 1)·[x > 0]"),
            (masked(x, x.constant(1)), "[x > 0]"),
            (max(x, y), "max(x, y)"),
        ]
        for (formula, text) in cases { #expect(formula.description == text) }
    }

    @Test("Deep and long statements are explained with named parts, in linear text",
          arguments: [(nestedSines, 5_000, ["x": 0.5]), (sum, 10_000, ["x": 1.0])]
                     as [(@Sendable (Int) -> String, Int, [String: Double])])
    func linearText(_ program: @Sendable (Int) -> String, _ size: Int, _ feeds: [String: Double]) throws {
        let (small, smallText) = try explain(program(size), feeds)
        let (large, largeText) = try explain(program(2 * size), feeds)
        // Twice the program, twice the text (give or take the names' widths), not four times.
        let ratio = Double(largeText.utf8.count) / Double(smallText.utf8.count)
        #expect(ratio > 1.9 && ratio < 2.2, "ratio \(ratio)")
        // No formula is written with more than the limit's operations.
        for formula in large.statements.map(\.expression) + large.partials.map(\.formula) {
            #expect(operations(formula) <= Derivation.formulaOperationLimit * Derivation.formulaOperationLimit)
        }
        for statement in large.statements {
            #expect(operations(statement.expression) <= Derivation.formulaOperationLimit)
        }
        #expect(large.statements.filter(\.isIntermediate).count >= 2 * size / Derivation.formulaOperationLimit - 1)
        // The chain rule through the named parts gives the gradient the static graph computes.
        let expected = try Script(parsing: program(2 * size)).evaluate(at: feeds).gradient[0].value
        #expect(Swift.abs(large.total("x")! - expected) <= 1e-9 * Swift.max(1, Swift.abs(expected)))
        #expect(small.total("x") != nil)
    }

    @Test func shortStatementsAreNotSplit() throws {
        let (derivation, _) = try explain("y = tanh(w1*x1 + w2*x2 + w3*x3 + w4*x4 + b)", ["w1": 1, "x1": 1, "w2": 1, "x2": 1, "w3": 1, "x3": 1, "w4": 1, "x4": 1, "b": 1])
        #expect(derivation.statements.map(\.name) == ["y"])
        #expect(!derivation.description.contains("parts of long statements"))
    }

    /// The operations in a formula written out (its tree's inner nodes), counted with a stack.
    func operations(_ formula: Formula) -> Int {
        var count = 0
        var stack = [formula]
        while let f = stack.popLast() {
            guard case .apply(_, let x, let y, _) = f.kind else { continue }
            count += 1
            stack.append(x)
            if let y { stack.append(y) }
        }
        return count
    }
}
