import Testing
@testable import Nabla

/// Derivations of graphs whose nodes are not all named: an unnamed node used by several others
/// becomes a statement named `v₁`, `v₂`, …; an unnamed output is `y`; no automatic name
/// clashes with the program's.
@Suite("Derivations name unnamed nodes")
struct DerivationNamingTests {
    @Test func aSharedUnnamedNodeBecomesAStatement() throws {
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let g = Tutorial.graph(a: a, o: o).g          // b … f unnamed; b alone is used twice (2b, 5b)
        let derivation = try graph.derivation(of: g, at: ["a": 2, "o": 1])
        #expect(derivation.output == "y")
        #expect(derivation.statements.map(\.name) == ["v₁", "y"])
        #expect(derivation.statements.map(\.isShared) == [true, false])
        #expect(derivation.total("v₁") == 144 && derivation.total("a") == -432 && derivation.total("o") == -1)
        let text = derivation.description
        #expect(text.contains("  v₁ = 5 - 3a = -1\n"))
        #expect(text.contains("  (v₁: unnamed, used more than once; name nodes with .named(_:) to see your names)\n"))
        #expect(text.contains("  dy/da = dy/dv₁·∂v₁/∂a = 144·(-3) = -432\n"))
    }

    @Test func automaticNamesAvoidTheProgramsNames() throws {
        let graph = Graph()
        let x = graph.input("y"), z = graph.input("v₁")
        let s = sin(x * z)                                   // used twice: v₂, since v₁ is taken
        let t = exp(s) + s * s                               // s·s counts once; exp(s) is another use
        let derivation = try graph.derivation(of: t, at: ["y": 0.5, "v₁": 2])
        #expect(derivation.output == "y₁")
        #expect(derivation.statements.map(\.name) == ["v₂", "y₁"])
        let expected = cos(1.0) * (exp(sin(1.0)) + 2 * sin(1.0))
        #expect(Swift.abs(derivation.total("y")! - 2 * expected) < 1e-12 && Swift.abs(derivation.total("v₁")! - 0.5 * expected) < 1e-12)
    }

    @Test func aNodeSquaredByItselfIsNotShared() throws {
        let graph = Graph()
        let x = graph.input("x")
        let u = sin(x)
        let derivation = try graph.derivation(of: u * u, at: ["x": 1])
        #expect(derivation.statements.map(\.name) == ["y"])
        #expect(derivation.statements[0].expression.description == "sin(x)^2")
    }

    @Test func namedNodesAndScriptsAreExplainedAsBefore() throws {
        // Every statement of a program is named, and each use of a name is the named node:
        // nothing is shared unnamed, so `nabla explain` says the same as before.
        let script = try Script(parsing: "u = x*x; y = sin(u) + u*x + exp(x)*exp(x)")
        let graph = Graph()
        let nodes = script.buildStatic(in: graph)
        let derivation = try graph.derivation(of: nodes.last!, at: ["x": 0.5])
        #expect(derivation.statements.map(\.name) == ["u", "y"])
        #expect(!derivation.description.contains("v₁"))
        let tutorial = try #require(Tutorial.run().derivation)
        #expect(tutorial.statements.map(\.name) == ["b", "c", "d", "e", "f", "g"] && !tutorial.statements.contains(where: \.isShared))
    }
}
