// Custom differentiable functions on a static tensor graph. `apply` on symbols records the
// forward as ordinary nodes (the compiled program computes the value with no new instruction),
// then one marker node on top: a `.stopGradient` (an identity when run; its own pullback passes
// nothing into the forward's nodes, whose derivative is never taken), with an entry in the
// graph's `customFunctions` naming the function and its inputs' nodes. The graph's transforms
// inline the rule at the marker, as ordinary nodes: `gradients(of:wrt:)` builds the function's
// VJP on the symbols, `jvp(of:wrt:along:)` its JVP or, without one, the VJP transposed by a
// reverse pass over a zero seed. Nodes built that way are differentiated again like any others
// (second order), and they are the operations the dynamic engine runs on numbers, in the same
// order, so the numbers agree bit for bit. No `TensorOperation` is added: the marker is an
// existing one, and what makes it a custom function is the side table, read only by the
// transforms, which run on the recorded graph before `compile`.

extension TensorGraph {
    /// A custom function applied in the graph, at its marker node.
    struct CustomFunctionMarker {
        let function: any DifferentiableFunction
        /// The node of each input.
        let inputs: [Int32]
        /// The first node the forward recorded: its nodes are `forwardStart` up to the marker.
        let forwardStart: Int32
    }

    /// Reverse mode at the marker `id`, for `seed` = ∂L/∂output: the function's VJP built on the
    /// symbols, checked (count and shapes, recorded as errors) and summed to the inputs' shapes,
    /// added into the adjoints of the inputs that need gradients.
    func customPullback(at id: Int32, _ custom: CustomFunctionMarker, seed: TensorSymbol<Scalar>,
                        into adjoints: inout [TensorSymbol<Scalar>?]) {
        guard requiresGrad(id) else { return }
        let values = custom.inputs.map { TensorSymbol(graph: self, id: $0) }
        let results = custom.function.checkedVJP(values, output: TensorSymbol(graph: self, id: id), seed: seed)
        for (input, result) in zip(custom.inputs, results) where requiresGrad(input) {
            if let result { TensorTape<Scalar>.accumulate(result, into: &adjoints[Int(input)]) }
        }
    }

    /// Forward mode at the marker `id`: the output's tangent from the inputs' tangents (nil:
    /// zero), by the function's JVP or, when it gives none, by transposing its VJP.
    func customTangent(at id: Int32, _ custom: CustomFunctionMarker, tangents: [TensorSymbol<Scalar>?]) -> TensorSymbol<Scalar>? {
        guard tangents.contains(where: { $0 != nil }) else { return nil }
        let values = custom.inputs.map { TensorSymbol(graph: self, id: $0) }
        let output = TensorSymbol(graph: self, id: id)
        if let given = custom.function.jvp(values, output: output, tangents: tangents) {
            guard output.shapesHold(given.shape == output.shape,
                                    TensorShapeError(operation: "\(custom.function.name).jvp", shapes: [given.shape, output.shape],
                                                     reason: "a tangent of shape \(given.shape) for an output of shape \(output.shape)")) else {
                return nil
            }
            return given
        }
        return transposedTangent(custom.function, values, output: output, tangents: tangents)
    }

    /// The tangent of `function`'s output derived from its VJP, as `NDArray.transposedTangent`
    /// does on numbers: ẏ = ∇ᵤ Σₖ ⟨vjpₖ(u), ẋₖ⟩ at u = 0, the seed u a constant zero node that
    /// reverse mode treats as a variable (so nothing folds it away: it is a node like any other).
    func transposedTangent(_ function: any DifferentiableFunction, _ values: [TensorSymbol<Scalar>],
                           output: TensorSymbol<Scalar>, tangents: [TensorSymbol<Scalar>?]) -> TensorSymbol<Scalar> {
        let u = constant(NDArray.zeros(output.shape))
        gradientVariables.insert(u.id)
        let results = function.checkedVJP(values, output: output, seed: u)
        var total: TensorSymbol<Scalar>?
        for (result, tangent) in zip(results, tangents) {
            guard let result, let tangent else { continue }
            let term = (result * tangent).sum()
            total = total.map { $0 + term } ?? term
        }
        guard let total else { return constant(NDArray.zeros(output.shape)) }
        return recordedGradients(of: total, wrt: [u])[0]
    }
}

extension TensorSymbol: CustomFunctionApplying {
    /// The forward recorded as ordinary nodes, under a marker node whose rule is `function`'s.
    static func applying(_ function: some DifferentiableFunction, _ inputs: [TensorSymbol]) -> TensorSymbol {
        let graph = inputs[0].graph
        for input in inputs where input.graph !== graph {
            requirementFailed("\(function.name).apply: the inputs are symbols of two graphs")
        }
        let start = Int32(graph.nodes.count)
        let output = function.forward(inputs)
        require(output.graph === graph, "\(function.name).forward: returned a symbol of another graph")
        let marker = TensorSymbol.record(.stopGradient, output, output)
        graph.customFunctions[marker.id] = TensorGraph.CustomFunctionMarker(function: function, inputs: inputs.map(\.id), forwardStart: start)
        return marker
    }
}

extension TensorSymbol: CustomFunctionTransposing {
    /// Over symbols, `DualTensor`'s derived tangent is built in the graph as at a marker.
    static func transposing<T: DifferentiableTensor>(_ function: some DifferentiableFunction, _ values: [T], output: T, tangents: [T?]) -> T {
        let output = output as! TensorSymbol
        return output.graph.transposedTangent(function, values.map { $0 as! TensorSymbol }, output: output,
                                              tangents: tangents.map { $0.map { $0 as! TensorSymbol } }) as! T
    }
}
