// Forward mode inside a `GradientTape` scope: the same forward sweep over the scope's tape as
// `jvp` runs over a `Value` graph (`Tape.tangents(through:seeds:)`, one loop, each node's tangent
// from the rule derived from its primitive's pullback).

extension GradientTape {
    /// The directional derivative of each of `outputs` along `tangents` of `inputs` (forward mode,
    /// a Jacobian-vector product): ∑ⱼ ∂output/∂inputⱼ · tangentⱼ. `inputs` are values of this
    /// scope (variables, tracked parameters or computed values, a computed one treated as
    /// independent); a constant input contributes nothing. One pass over the recorded nodes,
    /// from the first input to the last output.
    ///
    /// ```swift
    /// GradientTape.record { tape in
    ///     let x = tape.variable(2), y = tape.variable(3)
    ///     let f = x * x * y                      // ∂f/∂x = 2xy = 12, ∂f/∂y = x² = 4
    ///     return tape.directionalDerivatives(of: [f], wrt: [x, y], along: [1, 1])   // [16.0]
    /// }
    /// ```
    public func directionalDerivatives(of outputs: [TapeValue], wrt inputs: [TapeValue], along tangents: [Double]) -> [Double] {
        require(inputs.count == tangents.count,
                "GradientTape.directionalDerivatives: \(inputs.count) inputs but \(tangents.count) tangents")
        for value in outputs { value.checkScope("directionalDerivatives") }
        for value in inputs { value.checkScope("directionalDerivatives") }
        let seeds = zip(inputs, tangents).compactMap { input, tangent in
            input.index >= 0 ? (index: input.index, tangent: tangent) : nil
        }
        guard let last = outputs.map(\.index).max(), last >= 0 else { return outputs.map { _ in 0 } }
        let tape = self.tape
        let buffer = tape.tangents(through: last, seeds: seeds)
        defer { tape.context.releaseBuffer(buffer) }
        return outputs.map { output in
            guard output.index >= 0 else { return 0 }
            return Gradient.value(buffer[Int(output.index)])
        }
    }

    /// The directional derivative of one output (see
    /// ``directionalDerivatives(of:wrt:along:)``).
    public func directionalDerivative(of output: TapeValue, wrt inputs: [TapeValue], along tangents: [Double]) -> Double {
        directionalDerivatives(of: [output], wrt: inputs, along: tangents)[0]
    }
}
