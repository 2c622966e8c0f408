// Custom differentiable functions (`DifferentiableScalarFunction`) in a static graph: the forward
// is recorded as ordinary nodes, then one `custom` node above its result, with the function and
// its inputs kept in the graph's `customFunctions`. Symbolic reverse mode (`gradients(of:wrt:)`)
// and forward mode (`jvp(of:wrt:along:)`), reaching a `custom` node, run the function's rule on
// symbols: the rule's nodes join the graph like any others, so they compile, and differentiate
// again, as the built-in rules do. Once the derivative nodes are built, a `custom` node is an
// identity, which compiling removes.

extension Graph {
    /// Appends the `custom` node for `function` over the nodes `inputs`, above `forward`, without
    /// the folding `append` does (a forward that is a constant still has a derivative).
    func appendCustomFunction(_ function: any DifferentiableScalarFunction, inputs: [Int32], forward: Int32) -> Int32 {
        let id = Int32(ops.count)
        ops.append(.custom); lhs.append(forward); rhs.append(-1); constants.append(0)
        customFunctions[id] = CustomScalarFunctionCall(function: function, inputs: inputs)
        return id
    }

    /// The custom function's name at node `id`, if it is a `custom` node with one.
    func customFunctionName(at id: Int32) -> String? { customFunctions[id]?.function.name }

    /// Adds the custom function's VJP at node `i`, seeded with `seed`, into its inputs' adjoints.
    func pullbackThroughCustomFunction(at i: Int, seed: Int32, into adjoints: inout NodeTable) {
        guard let call = customFunctions[Int32(i)] else { return }
        let results = call.cotangents(call.inputs.map { Symbol(graph: self, id: $0) },
                                      output: Symbol(graph: self, id: Int32(i)), seed: Symbol(graph: self, id: seed))
        for (input, result) in zip(call.inputs, results) {
            guard let result else { continue }
            require(result.graph === self, "\(call.function.name).vjp: returned a symbol of another graph")
            accumulate(result.id, into: input, &adjoints)
        }
    }

    /// The custom function's tangent at node `i` from its inputs' tangents (-1: zero).
    func tangentThroughCustomFunction(at i: Int, tangents: NodeTable) -> Symbol? {
        guard let call = customFunctions[Int32(i)] else { return nil }
        return call.tangent(call.inputs.map { Symbol(graph: self, id: $0) }, output: Symbol(graph: self, id: Int32(i)),
                            tangents: call.inputs.map { tangents[$0] >= 0 ? Symbol(graph: self, id: tangents[$0]) : nil })
    }
}

extension Symbol: CustomScalarFunctionApplying {
    /// The forward recorded as nodes of the inputs' graph, then one `custom` node above it; the
    /// forward alone when every input is a constant (nothing to differentiate).
    static func applying(_ function: some DifferentiableScalarFunction, _ inputs: [Symbol]) -> Symbol {
        let graph = inputs[0].graph
        require(inputs.allSatisfy { $0.graph === graph }, "\(function.name).apply: symbols from two different graphs")
        let output = function.forward(inputs)
        require(output.graph === graph, "\(function.name).forward: returned a symbol of another graph")
        guard inputs.contains(where: { graph.ops[Int($0.id)] != .constant }) else { return output }
        return Symbol(graph: graph, id: graph.appendCustomFunction(function, inputs: inputs.map(\.id), forward: output.id))
    }
}
