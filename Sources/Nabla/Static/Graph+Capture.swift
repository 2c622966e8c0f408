// Capture (tracing): turning a dynamic computation into a static graph.

extension Graph {
    /// Adds to this graph the computation that produced `value` on the dynamic tape, and returns
    /// its node. Leaves become inputs named after the leaf (``Value/named(_:)``; the graph's input
    /// of that name if it has one), or `x1`, `x2`, … in the order met when unnamed; constants
    /// become constants; names given to computed values are kept.
    /// Capturing several values into one graph shares their inputs.
    ///
    /// The captured graph computes with the same primitives and constants, so it gives the same
    /// numbers bit for bit, now for any inputs.
    public func capture(_ value: Value) -> Symbol {
        if let leaf = value.leaf { return Symbol(graph: self, id: node(for: leaf)) }
        guard let tape = value.tape else { return constant(value.primal) }
        let root = Int(value.index)
        let s = tape.storage
        var reachable = [Bool](repeating: false, count: root + 1)
        reachable[root] = true
        for i in stride(from: root, through: 0, by: -1) where reachable[i] {
            let arity = s.ops[i].arity
            if arity >= 1 { reachable[Int(s.lhs[i])] = true }
            if arity == 2 { reachable[Int(s.rhs[i])] = true }
            if s.ops[i] == .custom, let call = tape.customFunctions[Int32(i)] {
                for input in call.inputs { reachable[Int(input)] = true }
            }
        }
        var leafAt: [Int32: Leaf] = [:]
        for (index, leaf) in tape.storage.leaves where Int(index) <= root { leafAt[index] = leaf }

        var nodeOf = [Int32](repeating: -1, count: root + 1)
        for i in 0...root where reachable[i] {
            let op = s.ops[i]
            switch op {
            case .input: nodeOf[i] = node(for: leafAt[Int32(i)]!)
            case .constant: nodeOf[i] = constant(s.constants[i]).id
            case .custom:
                let forward = nodeOf[Int(s.lhs[i])]
                if let call = tape.customFunctions[Int32(i)] {
                    nodeOf[i] = appendCustomFunction(call.function, inputs: call.inputs.map { nodeOf[Int($0)] }, forward: forward)
                } else {
                    nodeOf[i] = append(op, forward, forward, 0)
                }
            default:
                let x = nodeOf[Int(s.lhs[i])]
                let y = op.arity == 2 ? nodeOf[Int(s.rhs[i])] : x
                nodeOf[i] = append(op, x, y, s.constants[i])
            }
            if let name = tape.names[Int32(i)], names[nodeOf[i]] == nil { names[nodeOf[i]] = name }
        }
        return Symbol(graph: self, id: nodeOf[root])
    }

    private func node(for leaf: Leaf) -> Int32 {
        if let id = capturedLeaves[ObjectIdentifier(leaf)] { return id }
        // A named leaf becomes the input of that name (shared with symbols already using it);
        // an unnamed one gets a fresh name.
        var name = leaf.name ?? ""
        if name.isEmpty {
            var k = capturedLeaves.count + 1
            while inputNodes["x\(k)"] != nil { k += 1 }
            name = "x\(k)"
        }
        let id = input(name).id
        capturedLeaves[ObjectIdentifier(leaf)] = id
        return id
    }
}
