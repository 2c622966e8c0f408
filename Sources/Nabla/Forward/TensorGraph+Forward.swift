// Forward mode on a static tensor graph: a graph transform adding the nodes that compute the
// tangents, each from its operation's tangent rule (`TensorOperation.tangent`), the same rule
// the dynamic sweep uses, so both give the same numbers bit for bit.

extension TensorGraph {
    /// Adds nodes computing the directional derivative of each of `outputs` along `directions`:
    /// Σₖ ∂output/∂wrtₖ · directionsₖ (a Jacobian-vector product, JAX's `jax.jvp` traced into the
    /// graph). `directions` are symbols of this graph (inputs, constants or computed), one per
    /// symbol of `wrt` and of its shape. The result is a graph like any other: compile it, take
    /// its ``gradients(of:wrt:)`` (reverse-over-forward) or its `jvp` again (forward-over-forward);
    /// `jvp` of `gradients` is forward-over-reverse, as for Hessian-vector products. An output
    /// that does not depend on `wrt` gets a constant zero tangent. Throws the first shape mismatch
    /// met while building.
    public func jvp(of outputs: [TensorSymbol<Scalar>], wrt symbols: [TensorSymbol<Scalar>],
                    along directions: [TensorSymbol<Scalar>]) throws(TensorShapeError) -> [TensorSymbol<Scalar>] {
        try check()
        require(symbols.count == directions.count, "TensorGraph.jvp(of:wrt:along:): \(symbols.count) symbols but \(directions.count) directions")
        for (s, d) in zip(symbols, directions) {
            require(s.graph === self && d.graph === self && outputs.allSatisfy { $0.graph === self },
                    "TensorGraph.jvp(of:wrt:along:): symbols of another graph")
            require(s.shape == d.shape, "TensorGraph.jvp(of:wrt:along:): a direction of shape \(d.shape) for a symbol of shape \(s.shape)")
        }
        if !loopState.loops.isEmpty {
            let results = loopAwareJVP(of: outputs, wrt: symbols, along: directions)
            try check()
            return results
        }
        guard let root = outputs.map({ Int($0.id) }).max() else { return [] }
        var tangents = [TensorSymbol<Scalar>?](repeating: nil, count: root + 1)
        for (s, d) in zip(symbols, directions) where Int(s.id) <= root {
            tangents[Int(s.id)] = tangents[Int(s.id)].map { $0 + d } ?? d
        }
        let seeded = Set(symbols.map(\.id))
        // A custom function's forward nodes get no tangents (its marker gets the function's);
        // `forwardEnd[k]`: the marker above the forward whose first node is k.
        var forwardEnd: [Int32: Int32] = [:]
        for (marker, custom) in customFunctions where custom.forwardStart < marker {
            forwardEnd[custom.forwardStart] = Swift.max(forwardEnd[custom.forwardStart] ?? marker, marker)
        }
        var i = -1
        while i < root {
            i += 1
            if let end = forwardEnd[Int32(i)], Int(end) <= root { i = Int(end) }
            guard !seeded.contains(Int32(i)) else { continue }
            if let custom = customFunctions[Int32(i)] {
                tangents[i] = customTangent(at: Int32(i), custom, tangents: custom.inputs.map { tangents[Int($0)] })
                continue
            }
            let node = nodes[i]
            guard node.operation.arity > 0 else { continue }
            let binary = node.operation.arity == 2
            let dx = tangents[Int(node.x)], dy = binary ? tangents[Int(node.y)] : nil
            guard dx != nil || dy != nil else { continue }
            tangents[i] = node.operation.tangent(TensorSymbol(graph: self, id: node.x), TensorSymbol(graph: self, id: node.y),
                                                 output: TensorSymbol(graph: self, id: Int32(i)), tangents: (dx, dy))
        }
        try check()
        return outputs.map { tangents[Int($0.id)] ?? constant(NDArray.zeros($0.shape)) }
    }
}
