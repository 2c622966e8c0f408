// Symbolic reverse mode: the derivative rules of the op catalogue, evaluated on symbols, add the
// gradient's nodes to the graph. A gradient is then a node like any other: it can be compiled,
// explained, or differentiated again.

extension Graph {
    /// Adds nodes computing d(output)/d(x) for each `x` in `wrt`, and returns them. A node the
    /// output does not depend on gets the constant 0.
    public func gradients(of output: Symbol, wrt nodes: [Symbol]) -> [Symbol] {
        require(output.graph === self && nodes.allSatisfy { $0.graph === self },
                     "Nabla: gradients(of:wrt:) was given symbols from another graph")
        let adjoints = adjoints(of: output.id)
        return nodes.map { node in
            node.id < adjoints.count && adjoints[Int(node.id)] >= 0
                ? Symbol(graph: self, id: adjoints[Int(node.id)]) : constant(0)
        }
    }

    /// d(output)/d(x).
    public func gradient(of output: Symbol, wrt node: Symbol) -> Symbol {
        gradients(of: output, wrt: [node])[0]
    }

    /// The gradients of `output` with respect to every input of the graph, by input name.
    public func gradients(of output: Symbol) -> [String: Symbol] {
        let inputs = inputNames.map(input)
        return Dictionary(uniqueKeysWithValues: zip(inputNames, gradients(of: output, wrt: inputs)))
    }

    /// The Hessian ∂²(output)/∂x_i∂x_j for the given nodes, as nodes: the gradient of each
    /// first derivative.
    public func hessian(of output: Symbol, wrt nodes: [Symbol]) -> [[Symbol]] {
        gradients(of: output, wrt: nodes).map { gradients(of: $0, wrt: nodes) }
    }

    /// The adjoint node of every node at or below `root` (-1 where it is zero). One loop down
    /// from the root; the nodes it appends lie above the root and are not visited.
    func adjoints(of root: Int32) -> [Int32] {
        if firstGradientNode == .max { firstGradientNode = Int32(ops.count) }
        var table = NodeTable(base: 0, count: Int(root) + 1)
        table[root] = constant(1).id
        propagateAdjoints(from: Int(root), downTo: 0, &table)
        return table.inside
    }
}
