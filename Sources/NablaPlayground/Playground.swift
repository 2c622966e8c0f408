import Nabla

/// `nabla serve`'s playground: a page with an editor, and `POST /api/explain`, which answers a
/// program at input values with the JSON of an explanation. What that JSON is, and how the page
/// draws it, are given: ``explain`` makes the JSON text and ``renderer`` draws it, so that the
/// explanation can change without touching the server or the editor.
///
///     let playground = Playground(explain: { try $0.script.evaluate(at: $0.at, output: $0.output, order: $0.order).json },
///                                 renderer: .gradientTable)
public struct Playground: Sendable {
    /// Makes the JSON text answered for a request (already parsed and within the work limit).
    /// A `ScriptError` it throws is answered 400 with the error's place; a
    /// ``PlaygroundError``, as it says; anything else, 500.
    public var explain: @Sendable (ExplainRequest) throws -> String
    /// Draws that JSON in the page.
    public var renderer: PlaygroundRenderer
    /// The limits on requests.
    public var limits: PlaygroundLimits

    /// A playground answering with `explain`'s JSON, drawn by `renderer`, within `limits`.
    public init(explain: @escaping @Sendable (ExplainRequest) throws -> String, renderer: PlaygroundRenderer,
                limits: PlaygroundLimits = PlaygroundLimits()) {
        self.explain = explain
        self.renderer = renderer
        self.limits = limits
    }

    /// The playground of `nabla grad --json`: the value, every named value, the gradient and
    /// (order 2) the Hessian, as `ScriptEvaluation.json` writes them, drawn as tables.
    public static let gradient = Playground(explain: { request in
        try request.script.evaluate(at: request.at, output: request.output, order: request.order).json
    }, renderer: .gradientTable)

    /// The page at `/`: the editor and the renderer, in one self-contained HTML document.
    public var page: String { PlaygroundPage.html(renderer: renderer) }
}

/// How the page draws an answer: a stylesheet and a script, inlined in the page, and the name of
/// the function the script defines, which the page calls as `render(container, answer)` with a
/// `<div>` to fill and the parsed JSON of a successful answer. The page calls it again, on a
/// cleared container, for every new answer.
public struct PlaygroundRenderer: Sendable {
    /// CSS for what the renderer draws.
    public var stylesheet: String
    /// JavaScript that defines ``function`` (and nothing it needs from the network).
    public var script: String
    /// The function the page calls, as a path from `window`: `NablaGradient.render`.
    public var function: String

    /// A renderer from its `stylesheet`, its `script` and the `function` the script defines.
    public init(stylesheet: String, script: String, function: String) {
        self.stylesheet = stylesheet
        self.script = script
        self.function = function
    }
}
