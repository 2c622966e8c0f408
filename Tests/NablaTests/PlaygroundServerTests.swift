import Foundation
import Nabla
import NablaPlayground
import Testing

/// `nabla serve`'s playground, through its HTTP API on a server started in this process: the
/// tutorial's numbers, errors with their place, the limits on size, work and time, concurrent
/// requests and the page.
@Suite("Playground server")
struct PlaygroundServerTests {
    static let tutorial = "b = 5 - 3a\nc = 2b + 3\nd = 5b + 6\ne = 7c + d^2\nf = 2e\ng = 3f - o"

    /// The tutorial's graph by hand, for any a and o: b = 5 − 3a, d = 31 − 15a,
    /// g = 6(7(13 − 6a) + d²) − o, dg/da = 6(7·(−6) + 2d·(−15)) = −5832 + 2700a, dg/do = −1.
    static func tutorialByHand(a: Double, o: Double) -> (g: Double, dgda: Double) {
        let d = 31 - 15 * a
        return (6 * (7 * (13 - 6 * a) + d * d) - o, -5832 + 2700 * a)
    }

    @Test func theTutorialsValueAndGradient() async throws {
        try await PlaygroundClient.with { client in
            let answer = try await client.explain(["program": Self.tutorial, "at": ["a": 2, "o": 1], "order": 1])
            #expect(answer.status == 200)
            #expect(answer.contentType.hasPrefix("application/json"))
            let json = answer.json
            #expect(json["output"] as? String == "g")
            #expect(json["value"] as? Double == 47)
            let gradient = try #require(json["gradient"] as? [String: Double])
            #expect(gradient == ["a": -432, "o": -1])
            #expect(json["hessian"] == nil)
            // As `nabla grad --json` prints it, byte for byte.
            #expect(answer.text == #"{"output":"g","value":47,"values":{"a":2,"o":1,"b":-1,"c":1,"d":1,"e":8,"f":16,"g":47},"gradient":{"a":-432,"o":-1}}"#)
        }
    }

    @Test func orderTwoAddsTheHessianAndAtMayBeWrittenAsOnTheCommandLine() async throws {
        try await PlaygroundClient.with { client in
            // d²g/da² = −180·dd/da = −180·(−15) = 2700; g is linear in o.
            let answer = try await client.explain(["program": Self.tutorial, "at": "a=2, o=1", "order": 2])
            #expect(answer.status == 200)
            let hessian = try #require(answer.json["hessian"] as? [String: [String: Double]])
            #expect(hessian == ["a": ["a": 2700, "o": 0], "o": ["a": 0, "o": 0]])
        }
    }

    @Test func aSyntaxErrorIs400WithItsPlace() async throws {
        try await PlaygroundClient.with { client in
            let answer = try await client.explain(["program": "b = 5 - 3a\nc = 2b *", "at": ["a": 2]])
            #expect(answer.status == 400)
            let json = answer.json
            #expect(json["error"] as? String == "expected an expression after '*'")
            #expect(json["field"] as? String == "program")
            #expect(json["line"] as? Int == 2)
            #expect(json["column"] as? Int == 9)
            #expect(json["sourceLine"] as? String == "c = 2b *")
            #expect(json["text"] as? String == "line 2, column 9: expected an expression after '*'\n  c = 2b *\n          ^")
        }
    }

    @Test func aDomainErrorNamesItsStatementWithTheCaretUnderIt() async throws {
        try await PlaygroundClient.with { client in
            let answer = try await client.explain(["program": "u = x + 1\ny = log(u - 3)", "at": ["x": 1]])
            #expect(answer.status == 400)
            let json = answer.json
            #expect(json["line"] as? Int == 2)
            #expect(json["column"] as? Int == 1)
            // The statement's own line, which the evaluation's error does not carry, from the program.
            #expect(json["sourceLine"] as? String == "y = log(u - 3)")
            #expect((json["text"] as? String)?.hasSuffix("\n  y = log(u - 3)\n  ^^^^^^^^^^^^^^") == true)
        }
    }

    @Test(arguments: [
        ("{\"program\": \"y = x\"", "the body is not valid JSON; it must be a JSON object, such as {\"program\": \"y = x^2\", \"at\": {\"x\": 3}}", nil),
        ("", "the body is empty: it must be a JSON object, such as {\"program\": \"y = x^2\", \"at\": {\"x\": 3}}", nil),
        ("[1, 2]", "the body must be a JSON object, such as {\"program\": \"y = x^2\", \"at\": {\"x\": 3}}", nil),
        ("{\"at\": {\"x\": 1}}", "missing the field 'program' (the program's text, a string)", "program"),
        ("{\"program\": 3}", "'program' must be a string", "program"),
        ("{\"program\": \"y = x\", \"at\": {\"x\": true}}",
         "'at' must be an object of numbers, such as {\"a\": 2, \"o\": 1}, or a string such as \"a=2, o=1\"", "at"),
        ("{\"program\": \"y = x\", \"at\": \"x=two\"}", "at x=two: 'two' is not a decimal number (write values as 2, -0.5 or 1e-3)", "at"),
        ("{\"program\": \"y = x\", \"at\": {\"x\": 1}, \"order\": 3}",
         "order must be 1 (the gradient) or 2 (the gradient and the Hessian), not 3", "order"),
        ("{\"program\": \"y = x\", \"at\": {\"x\": 1}, \"order\": 1.5}",
         "order must be 1 (the gradient) or 2 (the gradient and the Hessian), not 1.5", "order"),
        ("{\"program\": \"y = x\", \"at\": {\"x\": 1}, \"oder\": 2}", "unknown field 'oder' (the fields are program, at, order and output)", "oder"),
        ("{\"program\": \"y = x\"}", "missing a value for the input 'x'", nil),
        ("{\"program\": \"y = x\", \"at\": {\"x\": 1}, \"output\": \"z\"}", "'z' is not a name in the program (its names are x, y)", nil),
    ] as [(String, String, String?)])
    func aBadRequestIs400SayingWhatIsWrong(body: String, message: String, field: String?) async throws {
        try await PlaygroundClient.with { client in
            let answer = try await client.explain(body)
            #expect(answer.status == 400)
            #expect(answer.contentType.hasPrefix("application/json"))
            #expect(answer.json["error"] as? String == message)
            #expect(answer.json["field"] as? String == field)
        }
    }

    @Test func aBodyOverOneMebibyteIs413AndOneUnderItIsRead() async throws {
        try await PlaygroundClient.with { client in
            // A body padded with spaces between JSON's tokens: reading it is quick, so only the
            // size matters.
            let padding = { (bytes: Int) in String(repeating: " ", count: bytes) }
            let over = try await client.explain(#"{"program": "y = x", "at": {"x": 1}\#(padding(1 << 20))}"#)
            #expect(over.status == 413)
            #expect(over.json["error"] as? String == "the request is larger than 1048576 bytes, the playground's limit")
            let under = try await client.explain(#"{"program": "y = x", "at": {"x": 1}\#(padding((1 << 20) - 100))}"#)
            #expect(under.status == 200)
            #expect(under.json["value"] as? Double == 1)
        }
    }

    @Test func aProgramOverTheWorkLimitIsRefusedBeforeItRuns() async throws {
        try await PlaygroundClient.with { client in
            // 5·10⁶ steps of 6 operations: 3·10⁷, over the limit of 10⁷ (the parser allows 10⁸).
            let answer = try await client.explain(["program": "repeat 5000000 { x = tanh(1.01x + 0.1) }", "at": ["x": 0.5]])
            #expect(answer.status == 422)
            #expect(answer.json["error"] as? String == "the program would take about 30000000 operations, over the playground's limit "
                    + "of 10000000 (each step of a loop counts); nabla grad has no such limit")
            // To order 2 with n inputs, each sweep counts n + 1 times, and the Hessian's n² entries.
            let inputs = (0..<4000).map { "x\($0)" }
            let big = try await client.explain(["program": "y = " + inputs.joined(separator: " + "),
                                                "at": Dictionary(uniqueKeysWithValues: inputs.map { ($0, 1.0) }), "order": 2])
            #expect(big.status == 422)
            #expect((big.json["error"] as? String)?.hasPrefix("the program would take about ") == true)
        }
    }

    /// An explanation that takes 3 s: past a deadline of 0.3 s it is answered 422, while it
    /// goes on holding its slot; with a slot left the server answers others, and with none, a
    /// request waiting past its deadline is answered 503. (Three slots: the first slow
    /// explanation holds one until the end of the test.)
    @Test func aSlowExplanationIsAnsweredAtTheDeadlineAndTheServerGoesOn() async throws {
        let slow = Playground(explain: { request in
            if request.program.hasPrefix("slow") { Thread.sleep(forTimeInterval: 3) }
            return try request.script.evaluate(at: request.at).json
        }, renderer: .gradientTable, limits: PlaygroundLimits(deadline: .milliseconds(300), concurrentEvaluations: 3))
        try await PlaygroundClient.with(slow) { client in
            let answer = try await client.explain(["program": "slow = x", "at": ["x": 1]])
            #expect(answer.status == 422)
            #expect(answer.json["error"] as? String == "the evaluation took longer than 300 ms, the playground's limit; nabla grad has none")
            let next = try await client.explain(["program": "y = 2x", "at": ["x": 1]])
            #expect(next.status == 200)
            #expect(next.json["value"] as? Double == 2)
            // Every slot busy with slow explanations: another request waits past its deadline.
            async let first = client.explain(["program": "slow = x", "at": ["x": 1]])
            async let second = client.explain(["program": "slow = 2x", "at": ["x": 1]])
            try await Task.sleep(for: .milliseconds(100))
            let third = try await client.explain(["program": "y = 3x", "at": ["x": 1]])
            #expect(third.status == 503)
            #expect(third.json["error"] as? String == "the server is busy with other evaluations; try again in a moment")
            #expect(try await [first.status, second.status] == [422, 422])
        }
    }

    @Test func tenConcurrentRequestsGetTheirOwnAnswers() async throws {
        try await PlaygroundClient.with { client in
            let answers = try await withThrowingTaskGroup(of: (Int, PlaygroundClient.Answer).self) { group in
                for a in 0..<10 {
                    group.addTask { (a, try await client.explain(["program": Self.tutorial, "at": ["a": Double(a), "o": 1]])) }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(answers.count == 10)
            for (a, answer) in answers.sorted(by: { $0.key < $1.key }) {
                let expected = Self.tutorialByHand(a: Double(a), o: 1)
                #expect(answer.status == 200)
                #expect(answer.json["value"] as? Double == expected.g, "a = \(a)")
                #expect((answer.json["gradient"] as? [String: Double])?["a"] == expected.dgda, "a = \(a)")
            }
        }
    }

    @Test func thePageIsSelfContainedHTML() async throws {
        try await PlaygroundClient.with { client in
            let page = try await client.send("")
            #expect(page.status == 200)
            #expect(page.contentType == "text/html; charset=utf-8")
            for part in [#"<textarea id="program""#, #"<input id="at" type="text" value="a=2, o=1""#, #"<select id="order">"#,
                         "b = 5 - 3a\nc = 2b + 3", #"const NablaPlaygroundRenderer = "NablaGradient.render";"#, "window.NablaGradient = {"] {
                #expect(page.text.contains(part), "missing: \(part)")
            }
            // Nothing loaded from elsewhere: no src or href attributes, no URL but its own API.
            #expect(!page.text.contains("src=") && !page.text.contains("href=") && !page.text.contains("http"))
        }
    }

    @Test func otherPathsAndMethodsAreRefusedInJSON() async throws {
        try await PlaygroundClient.with { client in
            let missing = try await client.send("nowhere")
            #expect(missing.status == 404)
            #expect(missing.json["error"] as? String == "no such page: the playground is at / and its API at POST /api/explain")
            let get = try await client.send("api/explain")
            #expect(get.status == 405)
            #expect((get.json["error"] as? String)?.hasPrefix("/api/explain takes POST") == true)
        }
    }
}
