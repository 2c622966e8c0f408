// Forward mode on the dynamic tape: one loop from the first seeded node up to the outputs.
//
// The tape is in topological order as it is written (operands have smaller indices), so when the
// loop reaches a node its operands' tangents are final: a single forward pass, nothing recursing
// over the graph's depth. Each node's tangent comes from `Primitive.tangent`, the rule derived
// from the primitive's pullback; a buffer entry holding `Gradient.unreached` stands for a zero
// tangent (no path from a seeded input reaches the node), so the sweep skips whatever does not
// depend on the inputs, as backward skips what the output does not depend on.

extension Tape {
    /// The tangents of the nodes up to `last`, with node `seeds[k].index` given the tangent
    /// `seeds[k].tangent` (seeded nodes keep their seed). Entries are `Gradient.unreached` where
    /// the tangent is zero. The caller returns the buffer with `context.releaseBuffer(_:)`.
    func tangents(through last: Int32, seeds: [(index: Int32, tangent: Double)]) -> UnsafeMutableBufferPointer<Double> {
        let tangents = context.gradientBuffer(count: Int(last) + 1)
        guard let first = seeds.map(\.index).min(), first <= last else { return tangents }
        var seeded = Set<Int32>()
        for (index, tangent) in seeds where index <= last {
            Gradient.accumulate(tangent, into: &tangents[Int(index)])
            seeded.insert(index)
        }
        let ops = storage.ops, lhs = storage.lhs, rhs = storage.rhs
        let constants = storage.constants, values = storage.values
        let unreached = Gradient.unreachedBits
        var i = Int(first) + 1
        while i <= Int(last) {
            let op = ops[i]
            if op == .custom && !seeded.contains(Int32(i)) {
                if let t = tangentThroughCustomFunction(at: i, tangents: tangents) { tangents[i] = t }
            } else if op.arity > 0 && !seeded.contains(Int32(i)) {
                let a = Int(lhs[i]), b = Int(rhs[i])
                let ta = tangents[a], tb = op.arity == 2 ? tangents[b] : Gradient.unreached
                if ta.bitPattern != unreached || tb.bitPattern != unreached {
                    let t = op.tangent(values[a], values[b], output: values[i], constant: constants[i],
                                       tangents: (ta.bitPattern == unreached ? nil : ta, tb.bitPattern == unreached ? nil : tb))
                    if let t { tangents[i] = t }
                }
            }
            i += 1
        }
        return tangents
    }
}

extension Value {
    /// The directional derivatives of `outputs` along `tangents` of `inputs` (forward mode over
    /// the recorded graph): ∑ⱼ ∂output/∂inputⱼ · tangentⱼ for each output. Inputs are leaves or
    /// computed values (a computed input is treated as independent, as in `gradients(wrt:)`);
    /// outputs must have been recorded on one tape.
    static func directionalDerivatives(of outputs: [Value], wrt inputs: [Value], along tangents: [Double]) -> [Double] {
        require(inputs.count == tangents.count,
                "Nabla: jvp was given \(inputs.count) inputs but \(tangents.count) tangents")
        // An output off the tape is a constant (0) or a leaf: its tangent is its own seed.
        func leafTangent(_ output: Value) -> Double {
            zip(inputs, tangents).reduce(0) { sum, pair in output.leaf != nil && pair.0.leaf === output.leaf ? sum + pair.1 : sum }
        }
        guard let tape = outputs.lazy.compactMap(\.tape).first else {
            // No output was computed: each is a constant (0) or a leaf (its own tangent).
            return outputs.map(leafTangent)
        }
        require(outputs.allSatisfy { $0.tape == nil || $0.tape === tape },
                "Nabla: jvp's outputs were recorded on different graphs")
        var seeds: [(index: Int32, tangent: Double)] = []
        for (input, tangent) in zip(inputs, tangents) {
            if let i = input.index(in: tape) { seeds.append((i, tangent)) }
        }
        let indices = outputs.map { $0.index(in: tape) }
        let last = indices.compactMap { $0 }.max() ?? -1
        guard last >= 0 else { return outputs.map(leafTangent) }
        let buffer = tape.tangents(through: last, seeds: seeds)
        defer { tape.context.releaseBuffer(buffer) }
        return zip(outputs, indices).map { output, i in
            i.map { Gradient.value(buffer[Int($0)]) } ?? leafTangent(output)
        }
    }

    /// The derivative of this value seeded with d(self)/d(self) = `seed`, for each of `values`.
    func gradients(wrt values: [Value], seed: Double) -> [Double] {
        guard let tape else { return values.map { $0.leaf != nil && $0.leaf === leaf ? seed : 0 } }
        let grads = tape.gradients(from: index, seed: seed)
        defer { tape.context.releaseBuffer(grads) }
        return values.map { v in
            guard let i = v.index(in: tape), Int(i) < grads.count else { return 0 }
            return Gradient.value(grads[Int(i)])
        }
    }
}

/// Runs `f` on new leaves holding `point`, recording on the thread's tape, and ends that tape
/// afterwards if this call started it (a graph the caller was recording stays current).
func recordingOnLeaves<Result>(_ point: [Double], _ f: ([Value]) -> Result) -> (leaves: [Value], result: Result) {
    let context = RecordingContext.forThisThread
    require(context.noGradDepth == 0,
            "Nabla: jvp, vjp, jacobian and hessian record the function; call them outside withoutRecording")
    let wasRecording = context.hasCurrent
    let leaves = point.map { Value($0, requiresGrad: true) }
    let result = f(leaves)
    if !wasRecording { context.end() }
    return (leaves, result)
}
