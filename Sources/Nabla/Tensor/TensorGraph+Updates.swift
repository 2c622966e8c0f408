// Programs that update their inputs: a training step compiled with its optimiser's update, as
// `jax.jit` compiles a step whose parameters are donated, or as Theano's `updates` and
// TensorFlow 1's assign ops did. The new values are graph nodes like any other (`w - 0.01 * gw`);
// the program writes each into the storage of the input it replaces wherever that input dies, so
// a step allocates no new parameters, and a weight's update `w - lr · xᵀ·δ` runs as one pass of the
// matrix kernel that adds each tile of the product to w (TensorProgram+AccumulationFusion.swift).

extension TensorGraph {
    /// Compiles the nodes `outputs` and the updates need into a program that, run with
    /// ``TensorProgram/run(_:updating:)``, returns `outputs` and replaces each updated input by its
    /// new value. Every new value is computed from the inputs as they were when the run began
    /// (the updates happen together, as in a functional step), and written into the storage of
    /// the input it replaces where it can.
    ///
    /// ```swift
    /// let loss = …, gradients = try graph.gradients(of: loss, wrt: [w, b])
    /// let program = try graph.compile([loss], updating: [(w, w - 0.01 * gradients[0]), (b, b - 0.01 * gradients[1])])
    /// var parameters = ["w": w0, "b": b0]
    /// let loss0 = try program.run(["x": batch], updating: &parameters)[0]
    /// ```
    ///
    /// Each updated symbol must be an input of this graph, updated once; a new value whose shape
    /// is not its input's is thrown as a `TensorShapeError`.
    public func compile(_ outputs: [TensorSymbol<Scalar>], updating updates: [(input: TensorSymbol<Scalar>, value: TensorSymbol<Scalar>)]) throws(TensorShapeError) -> TensorProgram<Scalar> {
        var names: [String] = []
        for (input, value) in updates {
            require(input.graph === self && value.graph === self, "TensorGraph.compile(_:updating:): an update uses a symbol of another graph")
            guard let name = nodes[Int(input.id)].name else {
                requirementFailed("TensorGraph.compile(_:updating:): only inputs can be updated, and node \(input.id) (\(nodes[Int(input.id)].operation.name)) is not one")
            }
            require(!names.contains(name), "TensorGraph.compile(_:updating:): input '\(name)' is updated twice")
            names.append(name)
            if value.shape != input.shape {
                throw TensorShapeError(operation: "update of input '\(name)'", shapes: [input.shape, value.shape],
                                       reason: "the new value's shape is not the input's")
            }
        }
        var program = try compile(outputs + updates.map(\.value))
        program.resultCount = outputs.count
        program.updates = names.enumerated().map { (name: $1, output: outputs.count + $0) }
        return program
    }
}

extension TensorProgram {
    /// The inputs this program updates (see ``TensorGraph/compile(_:updating:)``), in the order
    /// the updates were given.
    public var updatedInputs: [String] { updates.map(\.name) }

    /// Runs the program with `feeds` for the inputs it reads and `state` for those it updates,
    /// returns its outputs, and leaves each updated input's new value in `state`. Arrays `state`
    /// alone holds are updated in place (a parameter's storage is reused from step to step); one
    /// held elsewhere too is copied first, so no other array changes. Throws, leaving `state` as
    /// it was, when an input is missing or misplaced (an updated input among the feeds, or one
    /// that is not updated in `state`), unknown or of the wrong shape; a `whileLoop` reaching its
    /// limit also leaves `state` as it was.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func run(_ feeds: [String: NDArray<Scalar>], updating state: inout [String: NDArray<Scalar>]) throws(TensorProgramError) -> [NDArray<Scalar>] {
        var values = try fed(feeds, state: state)
        // Held by the table alone, the updated inputs' storage can be written in place. A
        // program with loops keeps `state`'s references until it has finished (a loop may throw,
        // and the state must then be as it was), so its updates copy.
        if loops.isEmpty {
            for update in updates { state[update.name] = nil }
        }
        try execute(&values)
        for update in updates { state[update.name] = values[Int(outputs[update.output])]! }
        return outputs.prefix(resultCount).map { values[Int($0)]! }
    }
}
