// Symbolic forward mode: the tangent rule derived from each primitive's pullback, evaluated on
// symbols, adds the tangents' nodes to the graph. A tangent is then a node like any other: it can
// be compiled, explained, or differentiated again, in either mode.

extension Graph {
    /// Adds nodes computing the directional derivatives of `outputs` when the nodes `wrt` move
    /// along `along` (one tangent node per `wrt` node: a constant, an input or any node), and
    /// returns them: ∑ⱼ ∂output/∂wrtⱼ · alongⱼ for each output (JAX's `jax.jvp` on a traced
    /// program). An output that does not depend on `wrt` gets the constant 0. A `wrt` node that is
    /// computed is treated as independent (its operands' tangents do not reach it).
    ///
    /// One loop up the graph from the first `wrt` node; the nodes it appends lie above the outputs
    /// and are not visited. It composes with ``gradients(of:wrt:)``: the jvp of a gradient is a
    /// Hessian-vector product (forward-over-reverse), and the gradient of a tangent is
    /// reverse-over-forward. Compiled, it gives the same numbers, bit for bit, as the dynamic
    /// `jvp(at:along:_:)` for the same code.
    public func jvp(of outputs: [Symbol], wrt nodes: [Symbol], along tangents: [Symbol]) -> [Symbol] {
        require(outputs.allSatisfy { $0.graph === self } && nodes.allSatisfy { $0.graph === self }
                    && tangents.allSatisfy { $0.graph === self },
                "Nabla: jvp(of:wrt:along:) was given symbols from another graph")
        require(nodes.count == tangents.count,
                "Nabla: jvp(of:wrt:along:) was given \(nodes.count) nodes but \(tangents.count) tangents")
        guard let last = outputs.map(\.id).max(), let first = nodes.map(\.id).min(), first <= last else {
            return outputs.map { _ in constant(0) }
        }
        var tangentOf = NodeTable(base: 0, count: Int(last) + 1)
        var seeded = Set<Int32>()
        for (node, tangent) in zip(nodes, tangents) where node.id <= last {
            tangentOf[node.id] = tangentOf[node.id] < 0 ? tangent.id : append(.add, tangentOf[node.id], tangent.id, 0)
            seeded.insert(node.id)
        }
        propagateTangents(from: Int(first) + 1, upTo: Int(last), seeded: seeded, &tangentOf)
        return outputs.map { tangentOf[$0.id] >= 0 ? Symbol(graph: self, id: tangentOf[$0.id]) : constant(0) }
    }

    /// The directional derivative of one output (see `jvp(of:wrt:along:)` on an array of outputs).
    public func jvp(of output: Symbol, wrt nodes: [Symbol], along tangents: [Symbol]) -> Symbol {
        jvp(of: [output], wrt: nodes, along: tangents)[0]
    }
}
