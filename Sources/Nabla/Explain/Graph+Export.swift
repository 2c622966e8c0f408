// Pictures and data of a graph: Graphviz DOT and JSON, one node per primitive node.

/// A graph's nodes and edges as data, with values and gradients when inputs were given. The
/// JSON and DOT exports both come from this.
public struct GraphExport: Sendable {
    /// One node of the graph.
    public struct Node: Sendable {
        /// The node's index in its graph (``Symbol/id``), which ``GraphExport/edges`` refer to.
        public var id: Int
        /// The node's name: an input's, or one given with ``Symbol/named(_:)``.
        public var name: String?
        /// The primitive's name (``Primitive/name``): `input`, `const`, `add`, `mul_const`, ….
        public var op: String
        /// The node's constant, for constants and ops with a constant operand (`mul_const` 7).
        public var constant: Double?
        /// The node's value at the feeds; nil when none were given.
        public var value: Double?
        /// d(output)/d(node) at the feeds; nil when none were given.
        public var gradient: Double?
    }
    /// The output node's ``Node/id``.
    public var output: Int
    /// The nodes the output depends on, the output included, in the graph's (topological) order.
    public var nodes: [Node]
    /// (from, to): `from` is an operand of `to`.
    public var edges: [(from: Int, to: Int)]
}

extension Graph {
    /// The nodes `output` depends on, with their values and d(output)/d(node) when `feeds` are
    /// given.
    public func export(_ output: Symbol, at feeds: [String: Double]? = nil) throws(ProgramError) -> GraphExport {
        let live = liveNodes(for: [output.id])
        let ids = live.indices.filter { live[$0] }
        var values: [Double]?
        var gradients: [Double]?
        if let feeds {
            let symbols = ids.map { Symbol(graph: self, id: Int32($0)) }
            let program = compile(symbols + self.gradients(of: output, wrt: symbols))
            let outputs = try program.run(feeds.filter { inputNodes[$0.key] != nil })
            values = Array(outputs.prefix(ids.count))
            gradients = Array(outputs.suffix(ids.count))
        }
        var nodes: [GraphExport.Node] = []
        var edges: [(from: Int, to: Int)] = []
        for (k, i) in ids.enumerated() {
            let op = ops[i]
            let hasConstant = [.constant, .addConstant, .multiplyConstant, .powerConstant, .heaviside].contains(op)
            // A custom function's node shows the function's name: `custom LogAddExp`.
            let opName = customFunctionName(at: Int32(i)).map { "custom \($0)" } ?? op.name
            nodes.append(.init(id: i, name: names[Int32(i)], op: opName, constant: hasConstant ? constants[i] : nil,
                               value: values?[k], gradient: gradients?[k]))
            // A loop's result is drawn reading the loop's initial values and parameters.
            forEachDependency(of: i) { edges.append((Int($0), i)) }
        }
        return GraphExport(output: Int(output.id), nodes: nodes, edges: edges)
    }
}

extension GraphExport {
    /// Graphviz DOT: inputs in blue, the output in green, constants as plain ellipses; each box
    /// shows the node's name, op, value and gradient. Render with `dot -Tsvg`.
    public var dot: String {
        let n = NumberFormat.shortest
        var lines = ["digraph nabla {", "  rankdir=LR;",
                     "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];",
                     "  edge [color=\"#555555\"];"]
        for node in nodes {
            if node.op == "const" {
                lines.append("  n\(node.id) [label=\"\(n(node.constant ?? .nan))\", shape=ellipse, style=\"\", fontcolor=\"#555555\"];")
                continue
            }
            var label = [node.name.map { DOT.escape($0) } ?? "", describe(node)].filter { !$0.isEmpty }
            if let value = node.value { label.append("value \(n(value))") }
            if let gradient = node.gradient {
                let outputName = nodes.first(where: { $0.id == output })?.name.map(DOT.escape) ?? "output"
                label.append(node.name.map { "d\(outputName)/d\(DOT.escape($0)) = \(n(gradient))" } ?? "grad \(n(gradient))")
            }
            let color = node.id == output ? "#d1fae5" : node.op == "input" ? "#dbeafe" : "#ffffff"
            lines.append("  n\(node.id) [label=\"\(label.joined(separator: "\\n"))\", fillcolor=\"\(color)\"];")
        }
        for edge in edges { lines.append("  n\(edge.from) -> n\(edge.to);") }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    private func describe(_ node: Node) -> String {
        let c = node.constant.map(NumberFormat.shortest) ?? ""
        switch node.op {
        case "input": return "input"
        case "add_const": return "+ \(c)"
        case "mul_const": return "× \(c)"
        case "pow_const": return "^ \(c)"
        case "step": return "step (\(c) at 0)"
        default: return node.op
        }
    }

    /// The graph as one JSON object: `{"output":ID,"nodes":[{"id":…,"name":…,"op":…,"constant":…,
    /// "value":…,"gradient":…}],"edges":[{"from":…,"to":…}]}`; absent fields are left out, and
    /// ±∞ and NaN (which JSON cannot write) are written `null`.
    public var json: String {
        let nodeObjects = nodes.map { node in
            var fields = ["\"id\":\(node.id)"]
            if let name = node.name { fields.append("\"name\":\(JSON.string(name))") }
            fields.append("\"op\":\(JSON.string(node.op))")
            if let c = node.constant { fields.append("\"constant\":\(JSON.number(c))") }
            if let v = node.value { fields.append("\"value\":\(JSON.number(v))") }
            if let g = node.gradient { fields.append("\"gradient\":\(JSON.number(g))") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let edgeObjects = edges.map { "{\"from\":\($0.from),\"to\":\($0.to)}" }
        return "{\"output\":\(output),\"nodes\":[\(nodeObjects.joined(separator: ","))],\"edges\":[\(edgeObjects.joined(separator: ","))]}"
    }
}

enum DOT {
    static func escape(_ s: String) -> String {
        String(s.flatMap { $0 == "\"" || $0 == "\\" ? ["\\", $0] : [$0] })
    }
}
