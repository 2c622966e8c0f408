import Nabla

/// `POST /api/explain`: a body checked, its program parsed and weighed, and the playground's
/// explanation made on an evaluation thread by the deadline.
struct ExplainEndpoint: Sendable {
    let playground: Playground
    let threads: EvaluationThreads

    init(_ playground: Playground) {
        self.playground = playground
        threads = EvaluationThreads(slots: playground.limits.concurrentEvaluations)
    }

    /// The JSON text for a request's body; otherwise the error to answer.
    func answer(_ body: [UInt8]) async throws(PlaygroundError) -> String {
        let request = try ExplainRequestBody.decode(body)
        let (explain, limits) = (playground.explain, playground.limits)
        return try await threads.run(deadline: limits.deadline) { () throws(PlaygroundError) -> String in
            let script: Script
            do throws(ScriptError) {
                script = try Script(parsing: request.program)
            } catch {
                throw PlaygroundError(error, program: request.program)
            }
            let operations = script.estimatedOperations(order: request.order)
            guard operations <= limits.maximumOperations else {
                throw PlaygroundError(status: 422, "the program would take about \(Self.rounded(operations)) operations\(request.order == 2 ? " to order 2" : ""), "
                                      + "over the playground's limit of \(Self.rounded(limits.maximumOperations)) (each step of a loop counts); "
                                      + "nabla grad has no such limit", field: "program")
            }
            let explainRequest = ExplainRequest(program: request.program, script: script, at: request.at, order: request.order, output: request.output)
            do {
                return try explain(explainRequest)
            } catch let error as ScriptError {
                // An error with a place is in the program; one without is about the request
                // as a whole (a missing input value, an unknown output).
                throw PlaygroundError(error, program: request.program, field: error.line == nil ? nil : "program")
            } catch let error as PlaygroundError {
                throw error
            } catch let error as ProgramError {
                throw PlaygroundError(status: 400, "\(error)", field: "program")
            } catch {
                throw PlaygroundError(status: 500, "internal error: \(error)")
            }
        }
    }

    /// `3.2e7` as `32000000`, `1e7` as `10000000`: whole numbers, for messages.
    static func rounded(_ x: Double) -> String { x < 1e18 ? String(Int64(x.rounded())) : "\(x)" }
}
