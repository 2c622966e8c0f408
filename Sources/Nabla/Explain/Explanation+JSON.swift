// The data the interactive page reads: `nabla grad --json`'s object, extended with the steps.

extension Explanation {
    /// The explanation as one JSON object: first exactly the fields `nabla grad --json` prints
    /// for the same program, inputs and order (``ScriptEvaluation/json``: `output`, `value`,
    /// `values`, `gradient`, and `hessian` at order 2), then
    ///
    /// - `order`: 1 or 2; `program`: the statements as written;
    /// - `derivation`: the derivation's text, as `nabla explain` prints it;
    /// - `notes`: `[{"node":…,"reasons":["relu",…],"text":…}]`, why gradients are zero, missing or
    ///   split at a tie (``GradientNote``);
    /// - `views`: `[{"id":"statements"|"tape"|"backward-graph","title":…,"summary":…,"width":…,
    ///   "height":…,"nodes":[…],"edges":[…],"steps":[…]}]`, where a node is `{"id","label","kind",
    ///   "text","value","gradient"?,"total"?,"note"?,"x","y","width","height"}` (x, y its top-left
    ///   corner), an edge `{"from","to","partial"?,"value"?,"gradient":true|false,"points":[x0,y0,
    ///   x1,y1,…]}` and a step `{"phase":"forward"|"backward","node","edge"?,"value"?,"gradient"?,
    ///   "final","text"}`.
    ///
    /// Optional fields are left out where they do not apply; numbers are written as
    /// ``ScriptEvaluation/json`` writes them (the shortest text that reads back as the same
    /// double; coordinates to a tenth of a pixel).
    public var json: String {
        var text = String(evaluation.json.dropLast())
        text += ",\"order\":\(order)"
        text += ",\"program\":[" + program.map(JSON.string).joined(separator: ",") + "]"
        text += ",\"derivation\":" + JSON.string(derivation.description)
        text += ",\"notes\":[" + notes.map(Self.json).joined(separator: ",") + "]"
        text += ",\"views\":[" + views.map(Self.json).joined(separator: ",") + "]"
        return text + "}"
    }

    private static func json(_ note: GradientNote) -> String {
        "{\"node\":\(JSON.string(note.node)),\"reasons\":[" + note.reasons.map { JSON.string($0.rawValue) }.joined(separator: ",")
            + "],\"text\":\(JSON.string(note.text))}"
    }

    private static func json(_ view: View) -> String {
        var fields = ["\"id\":\(JSON.string(view.id))", "\"title\":\(JSON.string(view.title))", "\"summary\":\(JSON.string(view.summary))",
                      "\"width\":\(coordinate(view.width))", "\"height\":\(coordinate(view.height))"]
        fields.append("\"nodes\":[" + view.nodes.map(json).joined(separator: ",") + "]")
        fields.append("\"edges\":[" + view.edges.map(json).joined(separator: ",") + "]")
        fields.append("\"steps\":[" + view.steps.map(json).joined(separator: ",") + "]")
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func json(_ node: Node) -> String {
        var fields = ["\"id\":\(JSON.string(node.id))", "\"label\":\(JSON.string(node.label))", "\"kind\":\(JSON.string(node.kind.rawValue))",
                      "\"text\":\(JSON.string(node.text))", "\"value\":\(JSON.number(node.value))"]
        if let gradient = node.gradient { fields.append("\"gradient\":\(JSON.number(gradient))") }
        if let total = node.total { fields.append("\"total\":\(JSON.string(total))") }
        if let note = node.note { fields.append("\"note\":\(json(note))") }
        fields += ["\"x\":\(coordinate(node.origin.x))", "\"y\":\(coordinate(node.origin.y))",
                   "\"width\":\(coordinate(node.size.width))", "\"height\":\(coordinate(node.size.height))"]
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func json(_ edge: Edge) -> String {
        var fields = ["\"from\":\(JSON.string(edge.from))", "\"to\":\(JSON.string(edge.to))"]
        if let partial = edge.partial { fields.append("\"partial\":\(JSON.string(partial))") }
        if let value = edge.partialValue { fields.append("\"value\":\(JSON.number(value))") }
        fields.append("\"gradient\":\(edge.carriesGradient)")
        fields.append("\"points\":[" + edge.path.map { "\(coordinate($0.x)),\(coordinate($0.y))" }.joined(separator: ",") + "]")
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func json(_ step: Step) -> String {
        var fields = ["\"phase\":\(JSON.string(step.phase.rawValue))", "\"node\":\(JSON.string(step.node))"]
        if let edge = step.edge { fields.append("\"edge\":\(edge)") }
        if let value = step.value { fields.append("\"value\":\(JSON.number(value))") }
        if let gradient = step.gradient { fields.append("\"gradient\":\(JSON.number(gradient))") }
        fields.append("\"final\":\(step.isFinal)")
        fields.append("\"text\":\(JSON.string(step.text))")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A coordinate to a tenth of a pixel.
    private static func coordinate(_ x: Double) -> String { JSON.number((x * 10).rounded() / 10) }
}
