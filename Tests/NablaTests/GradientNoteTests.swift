import Testing
@testable import Nabla

/// "Why is this gradient zero?": each reason named where it arises, in the derivation, in the
/// text of `nabla explain` and in the page's data.
@Suite("Notes on zero gradients")
struct GradientNoteTests {
    static func derivation(_ program: String, _ feeds: [String: Double], output: String? = nil) throws -> Derivation {
        try Script(parsing: program).explanation(at: feeds, output: output).derivation
    }

    static func note(_ derivation: Derivation, _ node: String) throws -> GradientNote {
        try #require(derivation.notes.first { $0.node == node })
    }

    @Test func reluAtANegativeInput() throws {
        let d = try Self.derivation("y = relu(x)", ["x": -1])
        #expect(d.total("x") == 0)
        let note = try Self.note(d, "x")
        #expect(note.reasons == [.relu])
        #expect(note.text == "dy/dx = 0: ∂y/∂x = [x > 0] is 0 at x = -1: relu(x) has slope 0 where x ≤ 0 (x = -1)")
        #expect(d.description.contains("Why some gradients are zero:\n  " + note.text))
    }

    @Test func maxPassesTheGradientToTheLargerOperandOnly() throws {
        let d = try Self.derivation("y = max(x, z)", ["x": -1, "z": 2])
        #expect(d.total("x") == 0 && d.total("z") == 1)
        let note = try Self.note(d, "x")
        #expect(note.reasons == [.notSelected])
        #expect(note.text.hasSuffix("max(x, z) passes the gradient only to its larger operand, z (x = -1 < z = 2)"))
        #expect(!d.notes.contains { $0.node == "z" })
    }

    @Test func aTieInMaxGivesEachOperandHalf() throws {
        // At a tie Nabla gives each operand half the gradient, as torch.maximum does: not zero,
        // but worth a note.
        let d = try Self.derivation("y = max(x, z)", ["x": 1, "z": 1])
        #expect(d.total("x") == 0.5 && d.total("z") == 0.5)
        for name in ["x", "z"] {
            let note = try Self.note(d, name)
            #expect(note.reasons == [.tie] && note.isTie)
            #expect(note.text == "dy/d\(name) = 0.5: max(x, z) is a tie (x = z = 1): each operand gets half the gradient, as in PyTorch")
        }
        #expect(d.description.contains("Ties (max and min give each operand half the gradient):"))
        #expect(!d.description.contains("Why some gradients are zero"))
    }

    @Test func absAtZero() throws {
        let d = try Self.derivation("y = abs(w) + w^2", ["w": 0])
        let note = try Self.note(d, "w")
        #expect(note.reasons == [.absAtZero, .zeroPartial])
        #expect(note.text.contains("abs(w) has slope sign(w) = 0 at w = 0"))
    }

    @Test func anInputAndAStatementWithNoPathToTheOutput() throws {
        let d = try Self.derivation("u = 3z; y = 2x", ["x": 1, "z": 1])
        #expect(try Self.note(d, "z").reasons == [.noPath])
        #expect(try Self.note(d, "z").text == "dy/dz = 0: y does not depend on z (no path leads from z to y)")
        #expect(try Self.note(d, "u").text == "dy/du = 0: y does not use u (no path leads from u to y)")
        #expect(!d.notes.contains { $0.node == "x" })
    }

    @Test func aConstantHasNoGradientOfItsOwn() throws {
        let d = try Self.derivation("k = 3; y = k*x", ["x": 2])
        let note = try Self.note(d, "k")
        #expect(note.reasons == [.constant])
        #expect(note.text == "k = 3 is a constant: it depends on no input and is written as its number where it is used, so it has no gradient of its own")
        #expect(d.statements.map { $0.expression.description } == ["3x"])
        // A named constant that is an operand (here of max) is written as its number too.
        let e = try Self.derivation("k = 3; y = max(x, k)", ["x": 1])
        #expect(e.statements.map { $0.expression.description } == ["max(x, 3)"])
        #expect(try Self.note(e, "x").reasons == [.notSelected])
        #expect(try Self.note(e, "k").reasons == [.constant])
    }

    @Test func aZeroPassedOnFromTheOutputSide() throws {
        // h = tanh(0) = 0, so ∂y/∂h = 2h = 0, and everything before h gets 0 through it.
        let d = try Self.derivation("h = tanh(w*x + b); y = h^2", ["w": 0.5, "x": 2, "b": -1])
        #expect(try Self.note(d, "h").reasons == [.zeroPartial])
        #expect(try Self.note(d, "h").text == "dy/dh = 0: ∂y/∂h = 2h is 0 at h = 0")
        for name in ["w", "x", "b"] {
            #expect(try Self.note(d, name).reasons == [.zeroUpstream])
            #expect(try Self.note(d, name).text == "dy/d\(name) = 0: its only path to y goes through h, and dy/dh = 0")
        }
        // From the output back, as the totals: the cause first.
        #expect(d.notes.map(\.node) == ["h", "w", "x", "b"])
    }

    @Test func pathsThatCancel() throws {
        let d = try Self.derivation("a = 2x; b = -2x; y = a + b", ["x": 1])
        let note = try Self.note(d, "x")
        #expect(note.reasons == [.cancelled])
        #expect(note.text == "dy/dx = 0: the paths' shares cancel: 1·2 + 1·(-2) = 0")
    }

    @Test func aPiecewiseConstantOpKeepsItsEdgeWithAZeroPartial() throws {
        let graph = Graph()
        let x = graph.input("x")
        let y = (sign(x) * 3).named("y")
        let d = try graph.derivation(of: y, at: ["x": 2])
        #expect(d.partials.map { "∂\($0.of)/∂\($0.wrt) = \($0.formula) = \($0.value)" } == ["∂y/∂x = 0 = 0.0"])
        let note = try Self.note(d, "x")
        #expect(note.reasons == [.flat])
        #expect(note.text == "dy/dx = 0: ∂y/∂x = 0: sign(x) is piecewise constant: its derivative is 0")
    }

    @Test func theNotesReachThePage() throws {
        let explanation = try Script(parsing: "y = relu(x) * 3 + max(x, z)").explanation(at: ["x": -1, "z": 2])
        let x = try #require(explanation.view("statements")?.nodes.first { $0.id == "x" })
        #expect(x.gradient == 0)
        #expect(x.note?.reasons == [.notSelected, .relu])
        #expect(explanation.json.contains("\"reasons\":[\"not-selected\",\"relu\"]"))
    }
}
