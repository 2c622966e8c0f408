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
        var adjoints = [Int32](repeating: -1, count: Int(root) + 1)
        adjoints[Int(root)] = constant(1).id
        for i in stride(from: Int(root), through: 0, by: -1) {
            let seed = adjoints[i]
            let op = ops[i]
            guard seed >= 0, op.arity > 0 else { continue }
            if op == .custom {
                pullbackThroughCustomFunction(at: i, seed: seed, into: &adjoints)
                continue
            }
            let a = lhs[i], b = op.arity == 2 ? rhs[i] : lhs[i]
            let (ga, gb) = op.pullback(Symbol(graph: self, id: a), Symbol(graph: self, id: b),
                                       output: Symbol(graph: self, id: Int32(i)), constant: constants[i],
                                       seed: Symbol(graph: self, id: seed))
            if let ga { accumulate(ga.id, into: &adjoints[Int(a)]) }
            if op.arity == 2, let gb { accumulate(gb.id, into: &adjoints[Int(b)]) }
        }
        return adjoints
    }

    private func accumulate(_ gradient: Int32, into adjoint: inout Int32) {
        adjoint = adjoint < 0 ? gradient : append(.add, adjoint, gradient, 0)
    }
}
