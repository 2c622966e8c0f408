import Foundation
import Testing
@testable import Nabla

/// The data of the interactive page (`nabla explain --html`): the tutorial's numbers, worked out
/// by hand in the tutorial, read back from the extended JSON; the steps as the tutorial writes
/// them; the three views.
@Suite("Explanations for the interactive page")
struct ExplanationTests {
    static let tutorial = "b = 5 - 3a; c = 2b + 3; d = 5b + 6; e = 7c + d^2; f = 2e; g = 3f - o"

    static func explain(_ program: String, _ feeds: [String: Double], order: Int = 1) throws -> Explanation {
        try Script(parsing: program).explanation(at: feeds, order: order)
    }

    /// The extended JSON, parsed by Foundation (an independent reader).
    static func parsed(_ explanation: Explanation) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(explanation.json.utf8)) as? [String: Any])
    }

    static func view(_ json: [String: Any], _ id: String) throws -> [String: Any] {
        let views = try #require(json["views"] as? [[String: Any]])
        return try #require(views.first { $0["id"] as? String == id })
    }

    static func node(_ view: [String: Any], _ id: String) throws -> [String: Any] {
        let nodes = try #require(view["nodes"] as? [[String: Any]])
        return try #require(nodes.first { $0["id"] as? String == id })
    }

    @Test func theTutorialsNumbersAreInTheJSON() throws {
        let explanation = try Self.explain(Self.tutorial, ["a": 2, "o": 1])
        let json = try Self.parsed(explanation)
        // By hand (the tutorial): g = 47, dg/da = -252 - 180d = -432 at d = 1, dg/do = -1.
        #expect(json["output"] as? String == "g")
        #expect(json["value"] as? Double == 47)
        let gradient = try #require(json["gradient"] as? [String: Double])
        #expect(gradient == ["a": -432, "o": -1])
        #expect((json["values"] as? [String: Double])?["d"] == 1)
        // The same object nabla grad --json prints, extended: its fields come first, unchanged.
        let grad = try Script(parsing: Self.tutorial).evaluate(at: ["a": 2, "o": 1])
        #expect(explanation.json.hasPrefix(String(grad.json.dropLast()) + ","))

        let statements = try Self.view(json, "statements")
        #expect(try Self.node(statements, "g")["value"] as? Double == 47)
        #expect(try Self.node(statements, "a")["gradient"] as? Double == -432)
        #expect(try Self.node(statements, "o")["gradient"] as? Double == -1)
        // b feeds c and d: the sum over both paths, dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5.
        let b = try Self.node(statements, "b")
        #expect(b["gradient"] as? Double == 144)
        #expect(b["total"] as? String == "dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144")
        #expect(b["text"] as? String == "b = 5 - 3a")
    }

    @Test func theStepsAreTheTutorialsForwardAndBackwardPasses() throws {
        let view = try #require(try Self.explain(Self.tutorial, ["a": 2, "o": 1]).view("statements"))
        let forward = view.steps.filter { $0.phase == .forward }
        #expect(forward.map(\.node) == ["a", "o", "b", "c", "d", "e", "f", "g"])
        #expect(forward.map(\.text) == ["a = 2", "o = 1", "b = 5 - 3a = -1", "c = 2b + 3 = 1", "d = 5b + 6 = 1",
                                        "e = 7c + d^2 = 8", "f = 2e = 16", "g = 3f - o = 47"])
        let backward = view.steps.filter { $0.phase == .backward }
        #expect(backward.first?.text == "dg/dg = 1 (the seed)")
        // Each edge shows its local partial; e = 7c + d^2 gives ∂e/∂d = 2d = 2.
        let edges = view.edges.filter(\.carriesGradient)
        #expect(edges.count == 8)
        let de = try #require(edges.first { $0.from == "d" && $0.to == "e" })
        #expect(de.partial == "∂e/∂d = 2d = 2" && de.partialValue == 2)
        // b's gradient accumulates: 12·5 = 60 through d first (the backward pass meets d before c),
        // then 42·2 more through c.
        let bSteps = backward.filter { $0.node == "b" }
        #expect(bSteps.map(\.gradient) == [60, 144])
        #expect(bSteps.map(\.isFinal) == [false, true])
        #expect(bSteps[1].text.hasSuffix("dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144"))
        let finals = Dictionary(backward.filter(\.isFinal).map { ($0.node, $0.gradient!) }, uniquingKeysWith: { $1 })
        #expect(finals == ["g": 1, "f": 3, "e": 6, "c": 42, "d": 12, "b": 144, "a": -432, "o": -1])
    }

    @Test func theTapeIsTheRecordingInOrderWithTheEnginesGradients() throws {
        let tape = try #require(try Self.explain(Self.tutorial, ["a": 2, "o": 1]).view("tape"))
        #expect(tape.nodes.prefix(2).map(\.id) == ["a", "o"])
        #expect(tape.nodes.prefix(2).map(\.kind) == [.input, .input])
        let gradients = Dictionary(tape.nodes.map { ($0.id, $0.gradient) }, uniquingKeysWith: { first, _ in first })
        for (name, expected) in [("a", -432.0), ("o", -1), ("b", 144), ("c", 42), ("d", 12), ("e", 6), ("f", 3), ("g", 1)] {
            #expect(gradients[name] == expected, "d g/d \(name)")
        }
        #expect(tape.nodes.last?.id == "g" && tape.nodes.last?.kind == .output)
        // Backward visits the tape from the output down: each step's node comes earlier on the tape.
        let position = Dictionary(tape.nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for step in tape.steps where step.phase == .backward {
            guard let edge = step.edge else { continue }
            #expect(position[tape.edges[edge].from]! < position[tape.edges[edge].to]!)
        }
    }

    @Test func theBackwardGraphHasTheGradientNodesAppended() throws {
        let view = try #require(try Self.explain(Self.tutorial, ["a": 2, "o": 1]).view("backward-graph"))
        let byID = Dictionary(view.nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byID["g"]?.value == 47 && byID["g"]?.kind == .output)
        #expect(byID["dg/da"]?.value == -432 && byID["dg/da"]?.kind == .gradient)
        #expect(byID["dg/do"]?.value == -1)
        #expect(byID["dg/db"]?.value == 144)
        // The gradient's nodes come after the program's.
        let firstGradient = try #require(view.nodes.firstIndex { $0.kind == .gradient })
        #expect(view.nodes[..<firstGradient].allSatisfy { $0.kind != .gradient })
        #expect(view.nodes.firstIndex { $0.id == "g" }! < firstGradient)
        #expect(!view.steps.contains { $0.phase == .backward })
    }

    @Test func orderTwoAddsTheHessian() throws {
        let explanation = try Self.explain(Self.tutorial, ["a": 2, "o": 1], order: 2)
        let json = try Self.parsed(explanation)
        // dg/da = -252 - 180d with d = 31 - 15a, so d²g/da² = 180·15 = 2700; o enters linearly.
        let hessian = try #require(json["hessian"] as? [String: [String: Double]])
        #expect(hessian == ["a": ["a": 2700, "o": 0], "o": ["a": 0, "o": 0]])
        #expect(json["order"] as? Int == 2)
        let backward = try #require(explanation.view("backward-graph"))
        #expect(backward.nodes.contains { $0.label == "d²g/da²" && $0.value == 2700 })
    }

    @Test func everyViewIsLaidOutWithoutOverlaps() throws {
        let explanation = try Self.explain(Self.tutorial, ["a": 2, "o": 1])
        for view in explanation.views {
            for (k, m) in view.nodes.enumerated() {
                for n in view.nodes[(k + 1)...] {
                    let apart = m.origin.x + m.size.width <= n.origin.x || n.origin.x + n.size.width <= m.origin.x
                        || m.origin.y + m.size.height <= n.origin.y || n.origin.y + n.size.height <= m.origin.y
                    #expect(apart, "\(view.id): \(m.id) and \(n.id) overlap")
                }
            }
            let byID = Dictionary(view.nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for edge in view.edges {
                #expect(byID[edge.from]!.origin.x + byID[edge.from]!.size.width < byID[edge.to]!.origin.x, "\(view.id): \(edge.from) → \(edge.to)")
            }
        }
    }

    @Test("Errors are the evaluation's, with their place", arguments: [
        ("c = 2b * ", ["b": 1.0], "line 1, column 10: expected an expression after '*'"),
        ("b = x - 3; c = log(b)", ["x": 1], "line 1, column 12: log(-2) is undefined (nan) in 'c = log(b)'"),
        ("y = 2x", [:], "missing a value for the input 'x'"),
        ("repeat 3 { x = 2x }", ["x": 1], "line 1, column 1: an explanation shows every operation, and this program's loop would show each of its 3 steps"),
    ])
    func errors(program: String, feeds: [String: Double], message: String) {
        do {
            _ = try Script(parsing: program).explanation(at: feeds)
            Issue.record("no error for \(program)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }

    @Test func aConstantOutputHasNoBackwardPassOnTheTape() throws {
        let explanation = try Self.explain("y = 3", [:])
        #expect(explanation.evaluation.value == 3)
        #expect(explanation.derivation.statements.map(\.name) == ["y"])
        let tape = try #require(explanation.view("tape"))
        #expect(!tape.steps.contains { $0.phase == .backward })
    }
}
