// Custom differentiable functions (`DifferentiableScalarFunction`) on the dynamic tape, for
// `Value` and `TapeValue`: the forward is recorded like any computation, then one `custom` node
// on top of its result, with the function and its inputs' indices in the tape's
// `customFunctions`. The backward and forward sweeps, reaching a `custom` node, call the
// function's rule here instead of the node's own (which passes nothing into the forward).

extension Tape {
    /// Records the `custom` node for `function` over the nodes `inputs`, above `forward` (the
    /// node holding the forward's result), and returns its index.
    func recordCustomFunction(_ function: some DifferentiableScalarFunction, inputs: [Int32], forward: Int32, value: Double) -> Int32 {
        let index = storage.append(.custom, forward, forward, 0, value)
        customFunctions[index] = CustomScalarFunctionCall(function: function, inputs: inputs)
        if recordingMode.pointee != 0 { noteRecordedInSpecialMode(index) }
        return index
    }

    /// The function recorded at `custom` node `index`.
    func customFunction(at index: Int) -> CustomScalarFunctionCall {
        guard let call = customFunctions[Int32(index)] else {
            requirementFailed("Nabla: a custom node (\(index)) without its function; apply(.custom, …) is reserved for DifferentiableScalarFunction")
        }
        return call
    }

    /// Reverse mode on numbers through `custom` node `i`: the function's VJP with seed `g`, added
    /// into the inputs' entries of `grads`. A node made by `apply(.custom, …)` by hand has no
    /// function and passes nothing on, as its rule says.
    @usableFromInline
    func pullbackThroughCustomFunction(at i: Int, seed g: Double, into grads: UnsafeMutableBufferPointer<Double>) {
        guard let call = customFunctions[Int32(i)] else { return }
        let values = call.inputs.map { storage.values[Int($0)] }
        let results = call.cotangents(values, output: storage.values[i], seed: g)
        if let detector = context.anomalyDetector {
            for result in results { detector.checkBackward(on: self, i, seed: g, (result, nil)) }
        }
        for (input, result) in zip(call.inputs, results) {
            if let result { Gradient.accumulate(result, into: &grads[Int(input)]) }
        }
    }

    /// The tangent of `custom` node `i` from its inputs' entries in `tangents` (nil: zero).
    func tangentThroughCustomFunction(at i: Int, tangents: UnsafeMutableBufferPointer<Double>) -> Double? {
        guard let call = customFunctions[Int32(i)] else { return nil }
        let values = call.inputs.map { storage.values[Int($0)] }
        let inputTangents = call.inputs.map { k -> Double? in
            let t = tangents[Int(k)]
            return t.bitPattern == Gradient.unreachedBits ? nil : t
        }
        return call.tangent(values, output: storage.values[i], tangents: inputTangents)
    }
}

extension Value: CustomScalarFunctionApplying {
    /// The forward recorded on the inputs' tape (the thread's current one when only leaves take
    /// part), then one `custom` node above it; the forward alone when no input is recorded.
    static func applying(_ function: some DifferentiableScalarFunction, _ inputs: [Value]) -> Value {
        let output = function.forward(inputs)
        guard inputs.contains(where: \.requiresGrad) else { return output }
        var owner: Tape?
        for input in inputs {
            guard let tape = input.tape else { continue }
            if let other = owner, other !== tape {
                requirementFailed("\(function.name).apply: the inputs come from two different graphs (one ended by backward()); use detached() on the older one")
            }
            owner = tape
        }
        let context = RecordingContext.forThisThread
        if context.noGradDepth > 0 { return Value(constant: output.data) }
        let tape = owner ?? context.currentTape()
        if let other = output.tape, other !== tape {
            requirementFailed("\(function.name).forward: returned a value of another graph")
        }
        let indices = inputs.map { $0.index(on: tape) }
        let index = tape.recordCustomFunction(function, inputs: indices, forward: output.index(on: tape), value: output.data)
        return Value(primal: output.data, on: tape, index: index)
    }
}

extension TapeValue: CustomScalarFunctionApplying {
    /// The forward recorded in the scope, then one `custom` node above it; the forward alone
    /// when every input is a constant, or inside `withoutRecording`.
    static func applying(_ function: some DifferentiableScalarFunction, _ inputs: [TapeValue]) -> TapeValue {
        for input in inputs { input.checkScope("apply") }
        let tape = inputs[0].tape
        require(inputs.allSatisfy { $0.tape === tape && $0.generation == inputs[0].generation },
                "\(function.name).apply: TapeValues of two different GradientTape scopes")
        let output = function.forward(inputs)
        guard inputs.contains(where: { $0.index >= 0 }), tape.context.noGradDepth == 0 else {
            return TapeValue(data: output.data, index: -1, tape: tape)
        }
        output.checkScope("apply")
        func node(_ v: TapeValue) -> Int32 { v.index >= 0 ? v.index : tape.storage.append(.constant, -1, -1, v.data, v.data) }
        let indices = inputs.map(node)
        let index = tape.recordCustomFunction(function, inputs: indices, forward: node(output), value: output.data)
        return TapeValue(data: output.data, index: index, tape: tape)
    }
}
