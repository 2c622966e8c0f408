// The derivatives of a tensor graph's loops are loops, as for the scalar `Graph`. Reverse mode: a
// loop running the steps in the other order, whose body replays the forward body at step t (from
// the carries the forward loop stores at each step, the trajectory) and appends the body's
// vector-Jacobian product; it carries the carries' adjoints and sums the parameters' adjoints.
// Forward mode: a loop in the same order whose body replays the forward body and appends its
// Jacobian-vector product, carrying values and tangents together. Both bodies are ordinary graph
// regions, so the derivative loops differentiate again (second order). The graph's transforms
// take these paths once the graph has a loop (`loopAwareGradients`, `loopAwareJVP`).

extension TensorGraph {
    /// `recordedGradients(of:wrt:)` for a graph with loops.
    func loopAwareGradients(of output: TensorSymbol<Scalar>, wrt symbols: [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        var adjoints: [Int32: TensorSymbol<Scalar>] = [output.id: constant(NDArray.ones(output.shape))]
        propagateAdjoints(from: Int(output.id), downTo: 0, &adjoints)
        return symbols.map { adjoints[$0.id] ?? constant(NDArray.zeros($0.shape)) }
    }

    /// Reverse mode down the nodes `high` … `low`: each node with an adjoint passes it to its
    /// operands through its pullback; a loop, reached at the node after its body, passes its
    /// results' and sequences' adjoints to its operands through a backward loop, and its body is
    /// skipped.
    ///
    /// `values` replaces nodes by others holding the same value where a pullback reads them (a
    /// backward loop's body reads the values the forward loop stored instead of computing them
    /// again); the adjoints still go to the nodes themselves.
    func propagateAdjoints(from high: Int, downTo low: Int, _ adjoints: inout [Int32: TensorSymbol<Scalar>],
                           values: [Int32: Int32] = [:]) {
        func value(_ id: Int32) -> TensorSymbol<Scalar> { symbol(values.isEmpty ? id : values[id] ?? id) }
        var i = high
        while i >= low {
            let id = Int32(i)
            if let seed = adjoints[id] {
                if let custom = customFunctions[id] {
                    if requiresGrad(id) {
                        let results = custom.function.checkedVJP(custom.inputs.map(value), output: value(id), seed: seed)
                        for (input, result) in zip(custom.inputs, results) where requiresGrad(input) {
                            if let result { TensorTape<Scalar>.accumulate(result, into: &adjoints[input]) }
                        }
                    }
                } else if nodes[i].operation.arity > 0 {
                    let node = nodes[i]
                    let x = value(node.x), y = value(node.y)
                    let needs = (requiresGrad(node.x), requiresGrad(node.y))
                    let (gx, gy) = node.operation.pullback(x, y, output: value(id), seed: seed, needs: needs)
                    if needs.0, let gx { TensorTape<Scalar>.accumulate(gx.summed(toShape: x.shape), into: &adjoints[node.x]) }
                    if node.operation.arity == 2, needs.1, let gy { TensorTape<Scalar>.accumulate(gy.summed(toShape: y.shape), into: &adjoints[node.y]) }
                }
            }
            if let index = loopState.endingAt[id], loopState.loops[index].start >= low {
                pullbackThroughLoop(index, &adjoints)
                i = Int(loopState.loops[index].start) - 1
                continue
            }
            i -= 1
        }
    }

    /// A constant zero of node `id`'s shape.
    private func zeros(like id: Int32) -> Int32 { constant(NDArray.zeros(nodes[Int(id)].shape)).id }

    /// The backward loop of loop `index`, seeded with its results' and sequences' adjoints in
    /// `table`; adds the adjoints of its initial values, parameters and sequences scanned.
    ///
    /// With cₜ₊₁ = f(t, cₜ, p, xₜ) and yₜ = g(t, cₜ, p, xₜ): c̄ₜ = (∂f/∂cₜ)ᵀ c̄ₜ₊₁ + (∂g/∂cₜ)ᵀ ȳₜ,
    /// p̄ += (∂f/∂p)ᵀ c̄ₜ₊₁ + (∂g/∂p)ᵀ ȳₜ and x̄ₜ = (∂f/∂xₜ)ᵀ c̄ₜ₊₁ + (∂g/∂xₜ)ᵀ ȳₜ, for t from the
    /// last step to the first, each product taken on the body replayed at the stored cₜ.
    func pullbackThroughLoop(_ index: Int, _ table: inout [Int32: TensorSymbol<Scalar>]) {
        let carrySeeds = loopState.loops[index].results.map { table[$0] }
        let sequenceSeeds = loopState.loops[index].sequences.map { table[$0] }
        guard carrySeeds.contains(where: { $0 != nil }) || sequenceSeeds.contains(where: { $0 != nil }) else { return }
        guard loopState.loops[index].condition < 0 else {
            record(TensorShapeError(operation: loopState.loops[index].name, shapes: [],
                                    reason: "reverse mode cannot go through a whileLoop (its number of steps is known only when it runs), "
                                        + "as in JAX; use loop(count:carrying:) or forward mode (jvp)"))
            return
        }
        let trajectory = loopState.loops[index].carryIn.map { sequence(of: $0, inLoop: index) }
        // The body's costly values (matrix products, transcendental functions), stored by the
        // forward loop at each step so that the backward loop reads them instead of computing
        // them again.
        let residuals = costlyNodes(ofBodyOf: index)
        let residualSequences = residuals.map { sequence(of: $0, inLoop: index) }
        let forward = loopState.loops[index]
        let carryCount = forward.carryIn.count, elementCount = forward.elements.count, captures = forward.captures
        let seededOutputs = forward.perStepOut.indices.filter { $0 < sequenceSeeds.count && sequenceSeeds[$0] != nil }
        let backward = beginLoop(name: forward.name + " (backward)", count: forward.count, reversed: !forward.reversed,
                                 initial: forward.carryIn.indices.map { carrySeeds[$0]?.id ?? zeros(like: forward.carryIn[$0]) }
                                    + captures.map { zeros(like: $0) },
                                 sequenceInputs: trajectory + forward.sequenceInputs + seededOutputs.map { sequenceSeeds[$0]!.id }
                                    + residualSequences)
        loopState.loops[backward].guardNode = forward.guardNode
        loopState.loops[backward].runsWhenGuardPositive = forward.runsWhenGuardPositive
        let b = loopState.loops[backward]
        var map: [Int32: Int32] = [forward.step: b.step]
        for k in 0..<carryCount { map[forward.carryIn[k]] = b.elements[k] }
        for j in 0..<elementCount { map[forward.elements[j]] = b.elements[carryCount + j] }
        replay(forward.bodyNodes, &map)
        let replayEnd = nodes.count
        func mapped(_ id: Int32) -> Int32 { map[id] ?? id }
        var adjoints: [Int32: TensorSymbol<Scalar>] = [:]
        for k in 0..<carryCount {
            TensorTape<Scalar>.accumulate(symbol(b.carryIn[k]), into: &adjoints[mapped(forward.carryOut[k])])
        }
        for (n, j) in seededOutputs.enumerated() {
            TensorTape<Scalar>.accumulate(symbol(b.elements[carryCount + elementCount + n]), into: &adjoints[mapped(forward.perStepOut[j])])
        }
        let firstResidual = carryCount + elementCount + seededOutputs.count
        var stored: [Int32: Int32] = [:]
        for (n, node) in residuals.enumerated() { stored[mapped(node)] = b.elements[firstResidual + n] }
        propagateAdjoints(from: replayEnd - 1, downTo: Int(b.start), &adjoints, values: stored)
        var carryOut: [Int32] = (0..<carryCount).map { adjoints[b.elements[$0]]?.id ?? zeros(like: b.elements[$0]) }
        for (p, capture) in captures.enumerated() {
            let sum = b.carryIn[carryCount + p]
            carryOut.append(adjoints[capture].map { (symbol(sum) + $0).id } ?? sum)
        }
        let inputAdjoints = (0..<elementCount).filter { adjoints[b.elements[carryCount + $0]] != nil }
        endLoop(backward, carryOut: carryOut, perStepOut: inputAdjoints.map { adjoints[b.elements[carryCount + $0]]!.id })
        let done = loopState.loops[backward]
        for k in 0..<carryCount { TensorTape<Scalar>.accumulate(symbol(done.results[k]), into: &table[forward.initial[k]]) }
        for (p, capture) in captures.enumerated() {
            TensorTape<Scalar>.accumulate(symbol(done.results[carryCount + p]), into: &table[capture])
        }
        for (n, j) in inputAdjoints.enumerated() {
            TensorTape<Scalar>.accumulate(symbol(done.sequences[n]), into: &table[forward.sequenceInputs[j]])
        }
    }

    /// The nodes of loop `index`'s body (outside loops nested in it) costly to compute again:
    /// matrix products and transcendental functions.
    func costlyNodes(ofBodyOf index: Int) -> [Int32] {
        var found: [Int32] = []
        let body = loopState.loops[index].bodyNodes
        var i = body.lowerBound
        while i < body.upperBound {
            if i > body.lowerBound, let inner = loopState.startingAt[Int32(i)] { i = Int(loopState.loops[inner].end); continue }
            switch nodes[i].operation {
            case .matmul: found.append(Int32(i))
            case .elementwise(let p, _):
                switch p {
                case .exp, .log, .sqrt, .sin, .cos, .tanh, .erf, .sigmoid, .power, .powerConstant, .log1p, .expm1, .atan2,
                     .softplus, .logSigmoid, .elu, .silu:
                    found.append(Int32(i))
                default: break
                }
            default: break
            }
            i += 1
        }
        return found
    }

    /// `jvp(of:wrt:along:)` for a graph with loops (the checks done).
    func loopAwareJVP(of outputs: [TensorSymbol<Scalar>], wrt symbols: [TensorSymbol<Scalar>],
                      along directions: [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        guard let root = outputs.map({ Int($0.id) }).max() else { return [] }
        var tangents: [Int32: TensorSymbol<Scalar>] = [:]
        for (s, d) in zip(symbols, directions) where Int(s.id) <= root {
            tangents[s.id] = tangents[s.id].map { $0 + d } ?? d
        }
        propagateTangents(from: 0, upTo: root, seeded: Set(symbols.map(\.id)), &tangents)
        return outputs.map { tangents[$0.id] ?? constant(NDArray.zeros($0.shape)) }
    }

    /// Forward mode up the nodes `low` … `high`: each node not in `seeded` gets its tangent from
    /// its operands'; a loop, reached at its first node, gives its results' tangents through a
    /// tangent loop, and its body is skipped; a custom function's forward nodes are skipped for
    /// its marker's rule.
    func propagateTangents(from low: Int, upTo high: Int, seeded: Set<Int32>, _ tangents: inout [Int32: TensorSymbol<Scalar>]) {
        var forwardEnd: [Int32: Int32] = [:]
        for (marker, custom) in customFunctions where custom.forwardStart < marker && Int(custom.forwardStart) >= low {
            forwardEnd[custom.forwardStart] = Swift.max(forwardEnd[custom.forwardStart] ?? marker, marker)
        }
        var i = low
        while i <= high {
            if let index = loopState.startingAt[Int32(i)], loopState.loops[index].end >= 0 {
                tangentThroughLoop(index, seeded: seeded, &tangents)
                i = Int(loopState.loops[index].end)
                continue
            }
            if let end = forwardEnd[Int32(i)], Int(end) <= high { i = Int(end) }
            let id = Int32(i)
            i += 1
            guard !seeded.contains(id) else { continue }
            if let custom = customFunctions[id] {
                tangents[id] = customTangent(at: id, custom, tangents: custom.inputs.map { tangents[$0] })
                continue
            }
            let node = nodes[Int(id)]
            guard node.operation.arity > 0 else { continue }
            let dx = tangents[node.x], dy = node.operation.arity == 2 ? tangents[node.y] : nil
            guard dx != nil || dy != nil else { continue }
            tangents[id] = node.operation.tangent(symbol(node.x), symbol(node.y), output: symbol(id), tangents: (dx, dy))
        }
    }

    /// The tangent loop of loop `index`: the tangents of its results and sequences from those of
    /// its initial values, parameters and sequences scanned in `table`.
    ///
    /// With cₜ₊₁ = f(t, cₜ, p, xₜ): ċₜ₊₁ = ∂f/∂cₜ · ċₜ + ∂f/∂p · ṗ + ∂f/∂xₜ · ẋₜ, carried beside cₜ
    /// through the same steps (and ẏₜ likewise, stacked).
    func tangentThroughLoop(_ index: Int, seeded: Set<Int32>, _ table: inout [Int32: TensorSymbol<Scalar>]) {
        let forward = loopState.loops[index]
        let initialTangents = forward.initial.map { table[$0] }
        let sequenceTangents = forward.sequenceInputs.map { table[$0] }
        guard initialTangents.contains(where: { $0 != nil }) || sequenceTangents.contains(where: { $0 != nil })
                || forward.captures.contains(where: { table[$0] != nil }) else { return }
        let carryCount = forward.carryIn.count, elementCount = forward.elements.count
        let movingInputs = forward.sequenceInputs.indices.filter { sequenceTangents[$0] != nil }
        let tangentLoop = beginLoop(name: forward.name + " (tangent)", count: forward.count, reversed: forward.reversed,
                                    initial: forward.initial + forward.initial.indices.map { initialTangents[$0]?.id ?? zeros(like: forward.initial[$0]) },
                                    sequenceInputs: forward.sequenceInputs + movingInputs.map { sequenceTangents[$0]!.id })
        loopState.loops[tangentLoop].guardNode = forward.guardNode
        loopState.loops[tangentLoop].runsWhenGuardPositive = forward.runsWhenGuardPositive
        let t = loopState.loops[tangentLoop]
        var map: [Int32: Int32] = [forward.step: t.step]
        for k in 0..<carryCount { map[forward.carryIn[k]] = t.carryIn[k] }
        for j in 0..<elementCount { map[forward.elements[j]] = t.elements[j] }
        let replayStart = nodes.count
        replay(forward.bodyNodes, &map)
        var tangents: [Int32: TensorSymbol<Scalar>] = [:]
        for capture in forward.captures { if let d = table[capture] { tangents[capture] = d } }
        for k in 0..<carryCount { tangents[t.carryIn[k]] = symbol(t.carryIn[carryCount + k]) }
        for (n, j) in movingInputs.enumerated() { tangents[t.elements[j]] = symbol(t.elements[elementCount + n]) }
        propagateTangents(from: replayStart, upTo: nodes.count - 1, seeded: [], &tangents)
        func mapped(_ id: Int32) -> Int32 { map[id] ?? id }
        if forward.condition >= 0 { loopState.loops[tangentLoop].condition = mapped(forward.condition) }
        func tangent(_ id: Int32) -> Int32 { tangents[mapped(id)]?.id ?? zeros(like: id) }
        let movingOutputs = forward.perStepOut.indices.filter { tangents[mapped(forward.perStepOut[$0])] != nil }
        endLoop(tangentLoop, carryOut: forward.carryOut.map(mapped) + forward.carryOut.map(tangent),
                perStepOut: movingOutputs.map { tangent(forward.perStepOut[$0]) })
        let done = loopState.loops[tangentLoop]
        for k in 0..<carryCount where !seeded.contains(forward.results[k]) {
            table[forward.results[k]] = symbol(done.results[carryCount + k])
        }
        for (n, j) in movingOutputs.enumerated() where !seeded.contains(forward.sequences[j]) {
            table[forward.sequences[j]] = symbol(done.sequences[n])
        }
    }

    /// Appends a copy of the nodes `range` (a loop's body), their operands mapped through `map`
    /// (nodes not in it, made before the body, are the same nodes); adds each copy to `map`. A
    /// loop inside the range is copied as a loop.
    func replay(_ range: Range<Int>, _ map: inout [Int32: Int32]) {
        func mapped(_ id: Int32) -> Int32 { id < 0 ? id : (map[id] ?? id) }
        // Where the copy of each node starts: a custom function's copied forward starts there.
        var copyStart: [Int32: Int32] = [:]
        var i = range.lowerBound
        while i < range.upperBound {
            let id = Int32(i)
            copyStart[id] = Int32(nodes.count)
            if map[id] != nil { i += 1; continue }
            if let inner = loopState.startingAt[id] {
                let loop = loopState.loops[inner]
                let copy = beginLoop(name: loop.name, count: loop.count, reversed: loop.reversed, initial: loop.initial.map(mapped),
                                     sequenceInputs: loop.sequenceInputs.map(mapped))
                loopState.loops[copy].guardNode = mapped(loop.guardNode)
                loopState.loops[copy].runsWhenGuardPositive = loop.runsWhenGuardPositive
                map[loop.step] = loopState.loops[copy].step
                for (a, b) in zip(loop.carryIn, loopState.loops[copy].carryIn) { map[a] = b }
                for (a, b) in zip(loop.elements, loopState.loops[copy].elements) { map[a] = b }
                replay(loop.bodyNodes, &map)
                if loop.condition >= 0 { loopState.loops[copy].condition = mapped(loop.condition) }
                endLoop(copy, carryOut: loop.carryOut.map(mapped), perStepOut: loop.perStepOut.map(mapped))
                for (a, b) in zip(loop.results, loopState.loops[copy].results) { map[a] = b }
                for (a, b) in zip(loop.sequences, loopState.loops[copy].sequences) { map[a] = b }
                i = Int(loop.end)
                continue
            }
            let node = nodes[i]
            if let custom = customFunctions[id] {
                // The marker again, over the copied forward, with the copied inputs.
                let marker = append(node.operation, mapped(node.x), mapped(node.y))
                customFunctions[marker] = CustomFunctionMarker(function: custom.function, inputs: custom.inputs.map(mapped),
                                                               forwardStart: copyStart[custom.forwardStart] ?? marker)
                map[id] = marker
            } else if node.operation.arity > 0 {
                map[id] = append(node.operation, mapped(node.x), mapped(node.y))
            }
            i += 1
        }
    }
}
