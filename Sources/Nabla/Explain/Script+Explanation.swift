// A program explained for the interactive page: the evaluation `nabla grad` prints, the
// derivation, and the statements view (the tutorial's graph, stepped forward and backward).

extension Script {
    /// The program explained at the given input values, for the interactive page
    /// (``ExplanationPage``) and its JSON: the evaluation `nabla grad --json` prints for
    /// `output` (default: the last statement) with the gradient with respect to every input and,
    /// with `order: 2`, the Hessian; the derivation by hand with its notes on zero gradients; and
    /// the statements, tape and backward-graph views, laid out and stepped.
    ///
    /// Throws what ``evaluate(at:output:wrt:order:mode:)`` throws (a missing input value, a
    /// value or derivative that is not finite, an unknown output, an order other than 1 or 2),
    /// and an error for a program with a loop, whose every step an explanation would show.
    public func explanation(at feeds: [String: Double], output: String? = nil, order: Int = 1) throws(ScriptError) -> Explanation {
        try requireNoLoops(for: "an explanation")
        let evaluation = try evaluate(at: feeds, output: output, order: order)
        let inputFeeds = inputValues(in: feeds)
        let graph = Graph()
        let symbols = buildStatic(in: graph)
        let root = symbols[try index(ofName: evaluation.output)]
        let derivation: Derivation
        do {
            derivation = try graph.derivation(of: root, at: inputFeeds)
        } catch {
            throw ScriptError("\(error)")
        }
        let isConstant = Set(zip(valueNames, symbols).filter { graph.node($0.1).primitive == .constant }.map(\.0))
        let views = [
            statementsView(evaluation, derivation, constants: isConstant),
            tapeView(at: inputFeeds, output: evaluation.output, notes: derivation.notes),
            backwardGraphView(at: inputFeeds, output: evaluation.output, order: order),
        ].map { $0.laidOut(output: evaluation.output) }
        return Explanation(evaluation: evaluation, derivation: derivation, program: statements.map(\.text), order: order, views: views)
    }

    /// The tutorial's graph: the derivation's inputs and statements, with the inputs, constants
    /// and statements the output does not use beside them; forward steps in order, then backward
    /// steps from the output down, one per local partial.
    private func statementsView(_ evaluation: ScriptEvaluation, _ derivation: Derivation, constants: Set<String>) -> Explanation.View {
        let n = NumberFormat.shortest
        let out = derivation.output
        var valueOf: [String: Double] = [:], gradientOf: [String: Double] = [:]
        for (name, value) in evaluation.values { valueOf[name] = value }
        for (name, value) in evaluation.gradient + evaluation.statementGradients { gradientOf[name] = value }
        var noteOf: [String: GradientNote] = [:], totalOf: [String: Derivation.TotalDerivative] = [:]
        for note in derivation.notes where noteOf[note.node] == nil { noteOf[note.node] = note }
        for total in derivation.totals { totalOf[total.node] = total }

        // Nodes in topological order: the derivation's inputs, the other inputs, the constants,
        // the derivation's statements, then the statements the output does not use.
        typealias Node = Explanation.Node
        var nodes: [Node] = []
        func node(_ name: String, _ kind: Node.Kind, _ text: String, _ value: Double, gradient: Double?) -> Node {
            Node(id: name, label: name, kind: kind, text: text, value: value, gradient: gradient,
                 total: totalOf[name].map(derivation.line(for:)), note: noteOf[name])
        }
        for input in derivation.inputs {
            nodes.append(node(input.name, .input, input.name, input.value, gradient: gradientOf[input.name] ?? totalOf[input.name]?.value))
        }
        let derived = Set(derivation.inputs.map(\.name) + derivation.statements.map(\.name))
        for name in inputs where !derived.contains(name) {
            nodes.append(node(name, .input, name, valueOf[name] ?? 0, gradient: 0))
        }
        let others = valueNames.dropFirst(inputs.count).filter { !derived.contains($0) }
        for name in others where constants.contains(name) {
            nodes.append(node(name, .constant, "\(name) = \(n(valueOf[name] ?? 0))", valueOf[name] ?? 0, gradient: nil))
        }
        for s in derivation.statements {
            let kind: Node.Kind = s.name == out ? .output : .statement
            nodes.append(node(s.name, kind, "\(s.name) = \(s.expression.statementText)", s.value, gradient: gradientOf[s.name] ?? totalOf[s.name]?.value))
        }
        var textOf: [String: String] = [:]
        for s in statements where textOf[s.name] == nil { textOf[s.name] = s.text }
        for name in others where !constants.contains(name) {
            nodes.append(node(name, .unused, textOf[name] ?? name, valueOf[name] ?? 0, gradient: 0))
        }
        let position = Dictionary(nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })

        // Edges: each local partial, then the uses that carry no gradient (constants, unused statements).
        var edges: [Explanation.Edge] = derivation.partials.map { p in
            let formula = p.formula.description
            return .init(from: p.wrt, to: p.of, partial: "∂\(p.of)/∂\(p.wrt) = \(formula)" + (formula == n(p.value) ? "" : " = \(n(p.value))"),
                         partialValue: p.value, carriesGradient: true)
        }
        for s in statements where position[s.name] != nil {
            var read: Set<String> = []
            for case .name(let r) in s.steps where read.insert(r).inserted {
                guard let from = position[r], let to = position[s.name], from < to else { continue }
                if constants.contains(r) || !derived.contains(s.name) {
                    edges.append(.init(from: r, to: s.name, partial: nil, partialValue: nil, carriesGradient: false))
                }
            }
        }

        // Steps: forward in order; backward from the seed, one per local partial.
        var steps: [Explanation.Step] = nodes.map { node in
            let text: String
            switch node.kind {
            case .input: text = "\(node.id) = \(n(node.value))"
            case .constant: text = "\(node.text) (a constant)"
            case .unused: text = "\(node.text) = \(n(node.value)) (\(out) does not use it)"
            default: text = node.text + (node.text.hasSuffix(" = \(n(node.value))") ? "" : " = \(n(node.value))")
            }
            return .init(phase: .forward, node: node.id, value: node.value, isFinal: true, text: text)
        }
        steps.append(.init(phase: .backward, node: out, gradient: 1, isFinal: true, text: "d\(out)/d\(out) = 1 (the seed)"))
        var running: [String: Double] = [:], paths: [String: Int] = [:]
        var lastUse: [String: Int] = [:]
        for (k, p) in derivation.partials.enumerated() { lastUse[p.wrt] = k }
        for (k, p) in derivation.partials.enumerated() {
            let upstream = totalOf[p.of]?.value ?? 0
            running[p.wrt, default: 0] += upstream * p.value
            paths[p.wrt, default: 0] += 1
            let count = totalOf[p.wrt]?.terms.count ?? 1
            let share = "d\(out)/d\(p.of)·∂\(p.of)/∂\(p.wrt) = \(Derivation.factor(n(upstream)))·\(Derivation.factor(n(p.value)))"
            let final = lastUse[p.wrt] == k
            let text: String
            if final, let total = totalOf[p.wrt] {
                text = edges[k].partial! + " → " + derivation.line(for: total)
            } else {
                text = edges[k].partial! + " → d\(out)/d\(p.wrt) += \(share), so far \(n(running[p.wrt]!)) (path \(paths[p.wrt]!) of \(count))"
            }
            let gradient = final ? (gradientOf[p.wrt] ?? totalOf[p.wrt]?.value ?? running[p.wrt]!) : running[p.wrt]!
            steps.append(.init(phase: .backward, node: p.wrt, edge: k, gradient: gradient, isFinal: final, text: text))
        }
        for node in nodes where node.kind == .unused || (node.kind == .input && !derived.contains(node.id)) {
            steps.append(.init(phase: .backward, node: node.id, gradient: 0, isFinal: true, text: node.note?.text ?? "d\(out)/d\(node.id) = 0"))
        }
        return Explanation.View(
            id: "statements", title: "Statements",
            summary: "The tutorial's graph: one node per statement. The forward pass computes each value; the backward pass starts from d\(out)/d\(out) = 1 and goes back, each edge giving its local partial derivative and each node its gradient, summed over the paths where a value feeds several others.",
            nodes: nodes, edges: edges, steps: steps)
    }
}
