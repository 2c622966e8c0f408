// The backward-graph view of an explanation: the static graph `nabla grad` compiles, with the
// nodes symbolic reverse mode appended for the gradient (and at order 2 the Hessian).

extension Script {
    /// The static graph of ``evaluate(at:output:wrt:order:mode:)`` in the static mode, before
    /// compilation: the program's nodes, then the gradient's (and the Hessian's), each node
    /// written over its operands' labels and valued at `feeds`. Constants are written as numbers
    /// where they are used, and drawn only when one is a derivative asked for (`dg/do = -1`).
    /// There is no backward pass: running the graph forward computes the gradient.
    func backwardGraphView(at feeds: [String: Double], output: String, order: Int) -> Explanation.View {
        let n = NumberFormat.shortest
        let names = valueNames
        let shown = differentiated(output: output, wrt: nil).shown
        let (graph, requested) = staticRequest(output, names, shown, inputs, order)
        var labelOf: [Int: String] = [:]
        var isDerivative: Set<Int> = []
        var labels = names + shown.map { "d\(output)/d\($0)" }
        if order == 2 { labels += inputs.flatMap { x in inputs.map { z in x == z ? "d²\(output)/d\(x)²" : "d²\(output)/d\(x)d\(z)" } } }
        for (k, (label, symbol)) in zip(labels, requested).enumerated() where labelOf[Int(symbol.id)] == nil {
            labelOf[Int(symbol.id)] = label
            if k >= names.count { isDerivative.insert(Int(symbol.id)) }
        }
        let live = graph.liveNodes(for: requested.map(\.id))
        let firstGradient = Int(graph.firstGradientNode)
        let rootId = Int(requested[names.firstIndex(of: output)!].id)

        var values = [Double](repeating: 0, count: graph.count)
        for i in 0..<graph.count where live[i] {
            switch graph.ops[i] {
            case .input: values[i] = feeds[graph.names[Int32(i)]!] ?? .nan
            case .constant: values[i] = graph.constants[i]
            default:
                let op = graph.ops[i]
                values[i] = op.evaluate(values[Int(graph.lhs[i])], values[Int(op.arity == 2 ? graph.rhs[i] : graph.lhs[i])], graph.constants[i])
            }
        }
        func label(_ i: Int) -> String { labelOf[i] ?? graph.names[Int32(i)] ?? "t\(i)" }
        func id(_ i: Int) -> String { labelOf[i] ?? graph.names[Int32(i)] ?? "@\(i)" }
        func operand(_ k: Int) -> Formula { graph.ops[k] == .constant ? .constant(graph.constants[k]) : .variable(label(k)) }
        let isShown = { (i: Int) in live[i] && (graph.ops[i] != .constant || labelOf[i] != nil) }

        var nodes: [Explanation.Node] = []
        var edges: [Explanation.Edge] = []
        for i in 0..<graph.count where isShown(i) {
            let op = graph.ops[i]
            let kind: Explanation.Node.Kind = isDerivative.contains(i) || i >= firstGradient ? .gradient
                : i == rootId ? .output : op == .input ? .input : op == .constant ? .constant
                : graph.names[Int32(i)] != nil ? .statement : .operation
            var text = label(i)
            if op == .constant {
                text += " = \(n(graph.constants[i]))"
            } else if op.arity > 0 {
                let a = Int(graph.lhs[i]), b = Int(graph.rhs[i])
                text += " = \(Formula(.apply(op, operand(a), op.arity == 2 ? operand(b) : nil, constant: graph.constants[i])))"
                var from: Set<Int> = []
                for k in [a, b].prefix(op.arity) where isShown(k) && from.insert(k).inserted {
                    edges.append(.init(from: id(k), to: id(i), partial: nil, partialValue: nil, carriesGradient: false))
                }
            }
            nodes.append(.init(id: id(i), label: label(i), kind: kind, text: text, value: values[i]))
        }
        let steps = nodes.map { node -> Explanation.Step in
            let text = node.text.hasSuffix(" = \(n(node.value))") ? node.text : "\(node.text) = \(n(node.value))"
            return .init(phase: .forward, node: node.id, value: node.value, isFinal: true, text: text)
        }
        let appended = nodes.filter { $0.kind == .gradient }.count
        return Explanation.View(
            id: "backward-graph", title: "Static backward graph",
            summary: "The static graph nabla grad compiles: the program's nodes, then the \(appended) nodes symbolic reverse mode appended for the gradient\(order == 2 ? " and the Hessian" : "") (the backward graph, in purple), each built from the op catalogue's derivative rules. There is no separate backward pass: running the graph computes d\(output)/d(every value) as ordinary values.",
            nodes: nodes, edges: edges, steps: steps)
    }
}
