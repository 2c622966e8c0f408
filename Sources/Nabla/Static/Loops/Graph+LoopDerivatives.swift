// The derivatives of a loop are loops. Reverse mode: a loop running the steps in the other order,
// whose body replays the forward body at step t (from the carries stored at each step, the
// trajectory) and appends the body's vector-Jacobian product; it carries the carries' adjoints
// and sums the parameters' adjoints. Forward mode: a loop in the same order whose body replays the
// forward body and appends its Jacobian-vector product, carrying values and tangents together.
// Both bodies are ordinary graph regions, so the derivative loops differentiate again.

/// Node ids → derivative node ids (-1: zero) for the nodes from `base` up, and a dictionary for
/// nodes below `base` (a loop body's parameters, reached from inside the body). Nodes above the
/// table's range (made after the pass began) are not recorded.
struct NodeTable {
    let base: Int
    var inside: [Int32]
    var outside: [Int32: Int32] = [:]

    init(base: Int, count: Int) {
        self.base = base
        inside = [Int32](repeating: -1, count: count)
    }

    subscript(id: Int32) -> Int32 {
        get { Int(id) >= base ? (Int(id) - base < inside.count ? inside[Int(id) - base] : -1) : outside[id] ?? -1 }
        set {
            if Int(id) < base { outside[id] = newValue } else if Int(id) - base < inside.count { inside[Int(id) - base] = newValue }
        }
    }
}

extension Graph {
    /// Adds `gradient` into the adjoint of node `id`: the sum of two sequences is a loop.
    func accumulate(_ gradient: Int32, into id: Int32, _ table: inout NodeTable) {
        let current = table[id]
        if current < 0 { table[id] = gradient; return }
        if !loops.isEmpty, case .sequence(let loop, _)? = loopRoles[gradient] {
            table[id] = addingSequences(current, gradient, count: loops[loop].count)
        } else {
            table[id] = append(.add, current, gradient, 0)
        }
    }

    /// A sequence holding a[t] + b[t] at each step: a loop with no carries.
    func addingSequences(_ a: Int32, _ b: Int32, count: Int) -> Int32 {
        let index = beginLoop(count: count, reversed: false, initial: [], sequenceInputs: [a, b])
        let elements = loops[index].elements
        let sum = append(.add, elements[0], elements[1], 0)
        endLoop(index, carryOut: [], perStepOut: [sum])
        return loops[index].sequences[0]
    }

    /// Reverse mode down the nodes `high` … `low`: each node with an adjoint passes it to its
    /// operands through its pullback; a loop, reached at the node after its body, passes its
    /// results' adjoints to its initial values and parameters through a backward loop, and its
    /// body is skipped.
    ///
    /// `values` replaces nodes by others holding the same value where a pullback reads them
    /// (a backward loop's body reads the forward loop's stored results instead of recomputing
    /// them); the adjoints still go to the nodes themselves.
    func propagateAdjoints(from high: Int, downTo low: Int, _ table: inout NodeTable, values: [Int32: Int32] = [:]) {
        func value(_ id: Int32) -> Symbol { Symbol(graph: self, id: values.isEmpty ? id : values[id] ?? id) }
        var i = high
        while i >= low {
            let seed = table[Int32(i)]
            let op = ops[i]
            if seed >= 0 && op.arity > 0 {
                if op == .custom {
                    pullbackThroughCustomFunction(at: i, seed: seed, into: &table)
                } else {
                    let a = lhs[i], b = op.arity == 2 ? rhs[i] : lhs[i]
                    let (ga, gb) = op.pullback(value(a), value(b), output: value(Int32(i)), constant: constants[i],
                                               seed: Symbol(graph: self, id: seed))
                    if let ga { accumulate(ga.id, into: a, &table) }
                    if op.arity == 2, let gb { accumulate(gb.id, into: b, &table) }
                }
            }
            if !loops.isEmpty, let index = loopEndingAt[Int32(i)], loops[index].start >= low {
                pullbackThroughLoop(index, &table)
                i = Int(loops[index].start) - 1
                continue
            }
            i -= 1
        }
    }

    /// Forward mode up the nodes `low` … `high`: each node not in `seeded` gets its tangent from
    /// its operands'; a loop, reached at its first node, gives its results' tangents through a
    /// tangent loop, and its body is skipped.
    func propagateTangents(from low: Int, upTo high: Int, seeded: Set<Int32>, _ table: inout NodeTable) {
        var i = low
        while i <= high {
            if !loops.isEmpty, let index = loopStartingAt[Int32(i)], loops[index].end >= 0 {
                tangentThroughLoop(index, seeded: seeded, &table)
                i = Int(loops[index].end)
                continue
            }
            let op = ops[i]
            if op == .custom && !seeded.contains(Int32(i)) {
                if let t = tangentThroughCustomFunction(at: i, tangents: table) { table[Int32(i)] = t.id }
            } else if op.arity > 0 && !seeded.contains(Int32(i)) {
                let a = lhs[i], b = op.arity == 2 ? rhs[i] : lhs[i]
                let ta = table[a], tb = op.arity == 2 ? table[b] : -1
                if ta >= 0 || tb >= 0 {
                    let t = op.tangent(Symbol(graph: self, id: a), Symbol(graph: self, id: b),
                                       output: Symbol(graph: self, id: Int32(i)), constant: constants[i],
                                       tangents: (ta >= 0 ? Symbol(graph: self, id: ta) : nil,
                                                  tb >= 0 ? Symbol(graph: self, id: tb) : nil))
                    if let t { table[Int32(i)] = t.id }
                }
            }
            i += 1
        }
    }

    /// The backward loop of loop `index`, seeded with its results' and sequences' adjoints in
    /// `table`; adds the adjoints of its initial values, parameters and per-step inputs.
    ///
    /// With c_{t+1} = f(t, c_t, p, x_t): c̄_t = (∂f/∂c_t)ᵀ c̄_{t+1}, p̄ += (∂f/∂p)ᵀ c̄_{t+1} and
    /// x̄_t = (∂f/∂x_t)ᵀ c̄_{t+1}, for t from the last step to the first, each step's vector-Jacobian
    /// product taken on the body replayed at c_t, which the forward loop stores.
    func pullbackThroughLoop(_ index: Int, _ table: inout NodeTable) {
        let carrySeeds = loops[index].results.map { table[$0] }
        let sequenceSeeds = loops[index].sequences.map { table[$0] }
        guard carrySeeds.contains(where: { $0 >= 0 }) || sequenceSeeds.contains(where: { $0 >= 0 }) else { return }
        require(loops[index].condition < 0, "Nabla: reverse mode cannot go through a whileLoop (its number of steps is "
                + "known only when it runs), as in JAX; use loop(count:carrying:) or forward mode (jvp)")
        let trajectory = loops[index].carryIn.map { sequence(of: $0, inLoop: index) }
        let forward = loops[index]
        let carryCount = forward.carryIn.count, captures = forward.captures
        let seededOutputs = forward.perStepOut.indices.filter { $0 < sequenceSeeds.count && sequenceSeeds[$0] >= 0 }
        let zero = constant(0).id
        // The body's costly values (transcendental functions), stored by the forward loop at
        // each step so that the backward loop reads them instead of computing them again.
        let residuals = costlyNodes(ofBodyOf: index)
        let residualSequences = residuals.map { sequence(of: $0, inLoop: index) }
        let backward = beginLoop(count: forward.count, reversed: !forward.reversed,
                                 initial: carrySeeds.map { $0 >= 0 ? $0 : zero } + captures.map { _ in zero },
                                 sequenceInputs: trajectory + forward.sequenceInputs + seededOutputs.map { sequenceSeeds[$0] }
                                    + residualSequences)
        loops[backward].guardNode = forward.guardNode
        loops[backward].runsWhenGuardPositive = forward.runsWhenGuardPositive
        let b = loops[backward]
        var map: [Int32: Int32] = [forward.step: b.step]
        for k in 0..<carryCount { map[forward.carryIn[k]] = b.elements[k] }
        for j in forward.elements.indices { map[forward.elements[j]] = b.elements[carryCount + j] }
        replay(forward.bodyNodes, &map)
        let replayEnd = ops.count
        var adjoints = NodeTable(base: Int(b.start), count: replayEnd - Int(b.start))
        func mapped(_ id: Int32) -> Int32 { map[id] ?? id }
        for k in 0..<carryCount { accumulate(b.carryIn[k], into: mapped(forward.carryOut[k]), &adjoints) }
        for (n, j) in seededOutputs.enumerated() {
            accumulate(b.elements[carryCount + forward.elements.count + n], into: mapped(forward.perStepOut[j]), &adjoints)
        }
        let firstResidual = carryCount + forward.elements.count + seededOutputs.count
        var stored: [Int32: Int32] = [:]
        for (n, node) in residuals.enumerated() { stored[map[node] ?? node] = b.elements[firstResidual + n] }
        propagateAdjoints(from: replayEnd - 1, downTo: Int(b.start), &adjoints, values: stored)
        var carryOut: [Int32] = (0..<carryCount).map { adjoints[b.elements[$0]] >= 0 ? adjoints[b.elements[$0]] : zero }
        for (p, capture) in captures.enumerated() {
            let sum = b.carryIn[carryCount + p], g = adjoints[capture]
            carryOut.append(g >= 0 ? append(.add, sum, g, 0) : sum)
        }
        let inputAdjoints = forward.elements.indices.filter { adjoints[b.elements[carryCount + $0]] >= 0 }
        endLoop(backward, carryOut: carryOut,
                perStepOut: inputAdjoints.map { adjoints[b.elements[carryCount + $0]] })
        let done = loops[backward]
        for k in 0..<carryCount { accumulate(done.results[k], into: forward.initial[k], &table) }
        for (p, capture) in captures.enumerated() { accumulate(done.results[carryCount + p], into: capture, &table) }
        for (n, j) in inputAdjoints.enumerated() { accumulate(done.sequences[n], into: forward.sequenceInputs[j], &table) }
    }

    /// The nodes of loop `index`'s body (outside loops nested in it) whose op is costly to compute
    /// again: the transcendental functions.
    func costlyNodes(ofBodyOf index: Int) -> [Int32] {
        var found: [Int32] = []
        let loop = loops[index]
        // Only values the body's outputs need (a backward loop's body holds forward nodes it
        // replaced by stored values: those are not computed, so not stored either).
        let needed = liveNodes(for: loop.carryOut + loop.perStepOut, lowest: Int(loop.start),
                               leaves: Set([loop.step] + loop.carryIn + loop.elements + loop.captures))
        var i = loop.bodyNodes.lowerBound
        while i < loop.bodyNodes.upperBound {
            if i > Int(loop.start), let inner = loopStartingAt[Int32(i)] { i = Int(loops[inner].end); continue }
            guard needed[i] else { i += 1; continue }
            switch ops[i] {
            case .exp, .log, .sqrt, .sin, .cos, .tanh, .erf, .sigmoid, .power, .powerConstant, .log1p, .expm1, .atan2,
                 .softplus, .logSigmoid, .elu, .silu:
                found.append(Int32(i))
            default: break
            }
            i += 1
        }
        return found
    }

    /// The tangent loop of loop `index`: the tangents of its results and sequences from those of
    /// its initial values, parameters and per-step inputs in `table`.
    ///
    /// With c_{t+1} = f(t, c_t, p, x_t): ċ_{t+1} = ∂f/∂c_t · ċ_t + ∂f/∂p · ṗ + ∂f/∂x_t · ẋ_t, carried
    /// beside c_t through the same steps.
    func tangentThroughLoop(_ index: Int, seeded: Set<Int32>, _ table: inout NodeTable) {
        let forward = loops[index]
        let initialTangents = forward.initial.map { table[$0] }
        let sequenceTangents = forward.sequenceInputs.map { table[$0] }
        guard initialTangents.contains(where: { $0 >= 0 }) || sequenceTangents.contains(where: { $0 >= 0 })
                || forward.captures.contains(where: { table[$0] >= 0 }) else { return }
        let carryCount = forward.carryIn.count
        let zero = constant(0).id
        let movingInputs = forward.sequenceInputs.indices.filter { sequenceTangents[$0] >= 0 }
        let tangentLoop = beginLoop(count: forward.count, reversed: forward.reversed,
                                    initial: forward.initial + initialTangents.map { $0 >= 0 ? $0 : zero },
                                    sequenceInputs: forward.sequenceInputs + movingInputs.map { sequenceTangents[$0] })
        loops[tangentLoop].guardNode = forward.guardNode
        loops[tangentLoop].runsWhenGuardPositive = forward.runsWhenGuardPositive
        let t = loops[tangentLoop]
        var map: [Int32: Int32] = [forward.step: t.step]
        for k in 0..<carryCount { map[forward.carryIn[k]] = t.carryIn[k] }
        for j in forward.elements.indices { map[forward.elements[j]] = t.elements[j] }
        let replayStart = ops.count
        replay(forward.bodyNodes, &map)
        var tangents = NodeTable(base: Int(t.start), count: ops.count - Int(t.start))
        for capture in forward.captures where table[capture] >= 0 { tangents[capture] = table[capture] }
        for k in 0..<carryCount { tangents[t.carryIn[k]] = t.carryIn[carryCount + k] }
        for (n, j) in movingInputs.enumerated() { tangents[t.elements[j]] = t.elements[forward.elements.count + n] }
        propagateTangents(from: replayStart, upTo: ops.count - 1, seeded: [], &tangents)
        func mapped(_ id: Int32) -> Int32 { map[id] ?? id }
        if forward.condition >= 0 { loops[tangentLoop].condition = mapped(forward.condition) }
        func tangent(_ id: Int32) -> Int32 { let d = tangents[mapped(id)]; return d >= 0 ? d : zero }
        let movingOutputs = forward.perStepOut.indices.filter { tangents[mapped(forward.perStepOut[$0])] >= 0 }
        endLoop(tangentLoop, carryOut: forward.carryOut.map(mapped) + forward.carryOut.map(tangent),
                perStepOut: forward.perStepOut.map(mapped) + movingOutputs.map { tangent(forward.perStepOut[$0]) })
        let done = loops[tangentLoop]
        for k in 0..<carryCount where !seeded.contains(forward.results[k]) {
            table[forward.results[k]] = done.results[carryCount + k]
        }
        for (n, j) in movingOutputs.enumerated() where !seeded.contains(forward.sequences[j]) {
            table[forward.sequences[j]] = done.sequences[forward.perStepOut.count + n]
        }
    }

    /// Appends a copy of the nodes `range` (a loop's body), their operands mapped through `map`
    /// (nodes not in it, made before the body, are the same nodes); adds each copy to `map`.
    /// A loop inside the range is copied as a loop.
    func replay(_ range: Range<Int>, _ map: inout [Int32: Int32]) {
        func mapped(_ id: Int32) -> Int32 { id < 0 ? id : (map[id] ?? id) }
        var i = range.lowerBound
        while i < range.upperBound {
            let id = Int32(i)
            if map[id] != nil { i += 1; continue }
            if let inner = loopStartingAt[id] {
                let loop = loops[inner]
                let copy = beginLoop(count: loop.count, reversed: loop.reversed, initial: loop.initial.map(mapped),
                                     sequenceInputs: loop.sequenceInputs.map(mapped))
                loops[copy].guardNode = mapped(loop.guardNode)
                loops[copy].runsWhenGuardPositive = loop.runsWhenGuardPositive
                map[loop.step] = loops[copy].step
                for (a, b) in zip(loop.carryIn, loops[copy].carryIn) { map[a] = b }
                for (a, b) in zip(loop.elements, loops[copy].elements) { map[a] = b }
                replay(loop.bodyNodes, &map)
                if loop.condition >= 0 { loops[copy].condition = mapped(loop.condition) }
                endLoop(copy, carryOut: loop.carryOut.map(mapped), perStepOut: loop.perStepOut.map(mapped))
                for (a, b) in zip(loop.results, loops[copy].results) { map[a] = b }
                for (a, b) in zip(loop.sequences, loops[copy].sequences) { map[a] = b }
                i = Int(loop.end)
                continue
            }
            switch ops[i] {
            case .input, .constant, .loopValue:
                break
            case .custom:
                if let call = customFunctions[id] {
                    map[id] = appendCustomFunction(call.function, inputs: call.inputs.map(mapped), forward: mapped(lhs[i]))
                } else {
                    map[id] = append(.custom, mapped(lhs[i]), -1, 0)
                }
            default:
                map[id] = append(ops[i], mapped(lhs[i]), ops[i].arity == 2 ? mapped(rhs[i]) : -1, constants[i])
            }
            i += 1
        }
    }
}
