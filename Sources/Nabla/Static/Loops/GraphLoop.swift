// Loops in a static graph, recorded as JAX records `scan`: the body is recorded once, as a region
// of the graph's node arrays between placeholder nodes (the step's index, the carries, the
// per-step inputs) and the result nodes that follow it. A compiled program runs the region
// `count` times; the symbolic derivatives of a loop are loops too (see Graph+LoopDerivatives).

/// A loop recorded in a ``Graph``: `for t in 0..<count { (carries, ys[t]) = body(t, carries, xs[t]) }`
/// (or t from count − 1 down to 0 when `reversed`), with the body's nodes between `start` and
/// `end`.
struct GraphLoop {
    /// How many steps, and in which order.
    let count: Int
    let reversed: Bool
    /// The body's first node (the step placeholder) and the first node after the body (-1 while
    /// the body is being recorded).
    let start: Int32
    var end: Int32 = -1
    /// Placeholders inside the body: the step's index, each carry, each per-step input's element.
    let step: Int32
    var carryIn: [Int32]
    let elements: [Int32]
    /// Outside the body: each carry's initial value, and the sequences the elements come from.
    var initial: [Int32]
    let sequenceInputs: [Int32]
    /// The body's nodes giving each carry's next value, and those collected at each step into a
    /// sequence (the per-step outputs; the derivatives add the carries' trajectories here).
    var carryOut: [Int32] = []
    var perStepOut: [Int32] = []
    /// Outside the body: the final value of each carry, and the sequence of each per-step output.
    var results: [Int32] = []
    var sequences: [Int32] = []
    /// Nodes made outside the body (or inputs) that the body reads: the loop's parameters.
    var captures: [Int32] = []
    /// A while loop's condition, a body node computed from the carries: the loop goes on while it
    /// is > 0, for at most `count` steps (-1: a loop of exactly `count` steps).
    var condition: Int32 = -1
    /// A node from outside the body deciding whether the loop runs at all (a branch of
    /// ``Graph/cond(_:then:else:)``): it runs where `(guard > 0) == runsWhenGuardPositive`, and
    /// otherwise its results are its initial values (-1: it always runs).
    var guardNode: Int32 = -1
    var runsWhenGuardPositive = true

    /// The body's nodes, placeholders included.
    var bodyNodes: Range<Int> { Int(start)..<Int(end) }
}

/// What a `loopValue` node of a graph is, for the loop at an index of `Graph.loops`.
enum LoopValueRole {
    /// Inside the body: the step's index t, carry k's value at step t, per-step input k's element t.
    case step(Int), carry(Int, Int), element(Int, Int)
    /// Outside the body: carry k's final value; per-step output k as a sequence over the steps.
    case result(Int, Int), sequence(Int, Int)
}

extension Graph {
    /// A loop of a fixed count with carried values, as JAX's `fori_loop`:
    /// `for step in 0..<count { carries = body(step, carries) }`, returning the final carries.
    ///
    /// The body is called once, on placeholder symbols, and recorded as a region of the graph;
    /// a compiled ``Program`` runs it `count` times, so a loop of 10⁶ steps is a few nodes, not
    /// millions. The body may read any symbol made before the loop (the loop's parameters);
    /// a symbol made inside the body exists only there, and using it after the loop stops with a
    /// message.
    ///
    /// Differentiation goes through the loop in both modes, to any order: ``gradients(of:wrt:)``
    /// adds a loop that runs the steps backwards over the body's vector-Jacobian product, reading
    /// the carries of each step, which the forward loop stores (the trajectory, `count` numbers
    /// per carry); `jvp(of:wrt:along:)` adds a loop that carries the tangents beside the values.
    /// Both are loops of the graph themselves, so they compile, and differentiate again.
    ///
    /// - Parameters:
    ///   - count: the number of steps (≥ 0; zero steps return `initial` without calling `body`).
    ///   - initial: the carries' values before the first step.
    ///   - body: one step: from the step's index (0, 1, …, as a number) and the carries, the next
    ///     carries, as many as `initial`.
    public func loop(count: Int, carrying initial: [Symbol],
                     _ body: (_ step: Symbol, _ carries: [Symbol]) -> [Symbol]) -> [Symbol] {
        require(count >= 0, "Nabla: loop(count:) needs a count ≥ 0, got \(count)")
        require(initial.allSatisfy { $0.graph === self }, "Nabla: loop(count:carrying:) was given symbols from another graph")
        guard count > 0, !initial.isEmpty else { return initial }
        let index = beginLoop(count: count, reversed: false, initial: initial.map(\.id), sequenceInputs: [])
        let next = body(Symbol(graph: self, id: loops[index].step), loops[index].carryIn.map { Symbol(graph: self, id: $0) })
        require(next.count == initial.count,
                "Nabla: a loop's body returned \(next.count) carries, expected \(initial.count)")
        require(next.allSatisfy { $0.graph === self }, "Nabla: a loop's body returned symbols from another graph")
        endLoop(index, carryOut: next.map(\.id), perStepOut: [])
        return loops[index].results.map { Symbol(graph: self, id: $0) }
    }

    /// A loop that goes on while `condition` of the carries is > 0, as JAX's `while_loop`:
    /// `while condition(carries) > 0 { carries = body(carries) }`, returning the final carries.
    ///
    /// Both closures are called once and recorded. A run that reaches `maxIterations` steps with
    /// the condition still > 0 throws ``ProgramError/iterationLimit(limit:)`` (never a hang).
    /// Forward mode (`jvp(of:wrt:along:)`) goes through it; reverse mode does not, as in JAX
    /// (the number of steps is not known when the backward loop is built): asking for a gradient
    /// through it stops with a message; use `loop(count:carrying:_:)` for that.
    public func whileLoop(carrying initial: [Symbol], maxIterations: Int = 1_000_000,
                          condition: (_ carries: [Symbol]) -> Symbol,
                          body: (_ carries: [Symbol]) -> [Symbol]) -> [Symbol] {
        require(maxIterations >= 0, "Nabla: whileLoop(maxIterations:) needs a limit ≥ 0, got \(maxIterations)")
        require(initial.allSatisfy { $0.graph === self }, "Nabla: whileLoop(carrying:) was given symbols from another graph")
        guard !initial.isEmpty else { return initial }
        let index = beginLoop(count: maxIterations, reversed: false, initial: initial.map(\.id), sequenceInputs: [])
        let carries = loops[index].carryIn.map { Symbol(graph: self, id: $0) }
        let test = condition(carries)
        let next = body(carries)
        require(test.graph === self && next.allSatisfy { $0.graph === self }, "Nabla: a while loop's closures returned symbols from another graph")
        require(next.count == initial.count,
                "Nabla: a while loop's body returned \(next.count) carries, expected \(initial.count)")
        loops[index].condition = test.id
        endLoop(index, carryOut: next.map(\.id), perStepOut: [])
        return loops[index].results.map { Symbol(graph: self, id: $0) }
    }

    /// `then()` where `predicate` > 0, else `otherwise()`, as JAX's `lax.cond`: each branch is
    /// recorded once, and a run computes only the branch taken (a NaN or ∞ in the other cannot
    /// reach the result). Both branches return as many values. Differentiable in both modes, to
    /// any order: the derivative of the branch taken (none flows into the predicate).
    public func cond(_ predicate: Symbol, then: () -> [Symbol], else otherwise: () -> [Symbol]) -> [Symbol] {
        require(predicate.graph === self, "Nabla: cond was given a predicate from another graph")
        let taken = branch(predicate, whenPositive: true, then)
        let other = branch(predicate, whenPositive: false, otherwise)
        require(taken.count == other.count, "Nabla: cond's branches return \(taken.count) and \(other.count) values")
        let positive = heaviside(predicate, atZero: 0)
        return zip(taken, other).map { choose(positive, $0, $1) }
    }

    /// One branch of ``cond(_:then:else:)``: a loop of one step, guarded by the predicate.
    private func branch(_ predicate: Symbol, whenPositive: Bool, _ body: () -> [Symbol]) -> [Symbol] {
        // A loop of one step carrying one value per result, from 0 (its result where the branch is
        // not taken). How many is known once the body has run: the carries' placeholders, which
        // the body does not read, are appended after it.
        let index = beginLoop(count: 1, reversed: false, initial: [], sequenceInputs: [])
        loops[index].guardNode = predicate.id
        loops[index].runsWhenGuardPositive = whenPositive
        let values = body()
        require(values.allSatisfy { $0.graph === self }, "Nabla: a cond branch returned symbols from another graph")
        let zero = constant(0).id
        for k in values.indices {
            loops[index].carryIn.append(appendLoopValue(.carry(index, k)))
            loops[index].initial.append(zero)
        }
        endLoop(index, carryOut: values.map(\.id), perStepOut: [])
        return loops[index].results.map { Symbol(graph: self, id: $0) }
    }

    /// A loop of `count` steps, as `loop(count:carrying:_:)`, that keeps only every
    /// `segment`-th step's carries for reverse mode (checkpointing) and recomputes the others.
    ///
    /// Written as two nested loops: an outer one of `count / segment` steps, each running an inner
    /// loop of `segment` steps (then a loop of the `count % segment` steps left). The outer loop's
    /// backward step runs its inner loop forward again from the stored carries, then backwards:
    /// the memory for the trajectory falls from `count` numbers per carry to about
    /// `count / segment + segment` (least at segment ≈ √count), for one more forward computation
    /// of each step. The values are the same bits as without checkpoints; a gradient that sums
    /// over steps (a parameter's) adds in another grouping, so it agrees to rounding. `body` is
    /// called once or twice (for the steps left over), each time recorded.
    public func loop(count: Int, checkpointingEvery segment: Int, carrying initial: [Symbol],
                     _ body: (_ step: Symbol, _ carries: [Symbol]) -> [Symbol]) -> [Symbol] {
        require(segment >= 1, "Nabla: loop(checkpointingEvery:) needs a segment of at least 1 step, got \(segment)")
        guard segment < count else { return loop(count: count, carrying: initial, body) }
        let segments = count / segment, left = count % segment
        var carries = loop(count: segments, carrying: initial) { outer, carries in
            loop(count: segment, carrying: carries) { inner, carries in body(outer * Double(segment) + inner, carries) }
        }
        if left > 0 {
            carries = loop(count: left, carrying: carries) { step, carries in body(step + Double(segments * segment), carries) }
        }
        return carries
    }

    /// A loop of a fixed count with one carried value: `for step in 0..<count { x = body(step, x) }`.
    public func loop(count: Int, carrying initial: Symbol, _ body: (_ step: Symbol, _ carry: Symbol) -> Symbol) -> Symbol {
        loop(count: count, carrying: [initial]) { step, carries in [body(step, carries[0])] }[0]
    }
}

// MARK: Recording

extension Graph {
    /// Appends a `loopValue` node with its role.
    func appendLoopValue(_ role: LoopValueRole) -> Int32 {
        let id = Int32(ops.count)
        ops.append(.loopValue); lhs.append(-1); rhs.append(-1); constants.append(0)
        loopRoles[id] = role
        return id
    }

    /// Opens a loop's body: appends its placeholders and returns the loop's index. Nodes appended
    /// until ``endLoop(_:carryOut:perStepOut:)`` form the body.
    func beginLoop(count: Int, reversed: Bool, initial: [Int32], sequenceInputs: [Int32]) -> Int {
        let index = loops.count
        let start = Int32(ops.count)
        let step = appendLoopValue(.step(index))
        let carryIn = initial.indices.map { appendLoopValue(.carry(index, $0)) }
        let elements = sequenceInputs.indices.map { appendLoopValue(.element(index, $0)) }
        loops.append(GraphLoop(count: count, reversed: reversed, start: start, step: step, carryIn: carryIn,
                               elements: elements, initial: initial, sequenceInputs: sequenceInputs))
        loopStartingAt[start] = index
        openLoops.append(index)
        return index
    }

    /// Closes the innermost open loop: finds its parameters and appends its result nodes.
    func endLoop(_ index: Int, carryOut: [Int32], perStepOut: [Int32]) {
        require(openLoops.last == index, "Nabla: loops closed out of order")
        openLoops.removeLast()
        let start = loops[index].start
        let end = Int32(ops.count)
        loops[index].end = end
        loops[index].carryOut = carryOut
        loops[index].perStepOut = perStepOut
        loops[index].captures = captures(of: Int(start)..<Int(end), also: carryOut + perStepOut)
        loops[index].results = carryOut.indices.map { appendLoopValue(.result(index, $0)) }
        loops[index].sequences = perStepOut.indices.map { appendLoopValue(.sequence(index, $0)) }
        loopEndingAt[end] = index
    }

    /// The sequence node collecting body node `node` of loop `index` at every step, added as a
    /// per-step output if the loop does not have it yet.
    func sequence(of node: Int32, inLoop index: Int) -> Int32 {
        if let j = loops[index].perStepOut.firstIndex(of: node) { return loops[index].sequences[j] }
        let j = loops[index].perStepOut.count
        loops[index].perStepOut.append(node)
        if isCapture(node, of: Int(loops[index].start)..<Int(loops[index].end)), !loops[index].captures.contains(node) {
            loops[index].captures.append(node)
        }
        let id = appendLoopValue(.sequence(index, j))
        loops[index].sequences.append(id)
        return id
    }

    /// Whether node `id` read in `body` is a value from outside it: a node made before it, or an
    /// input (constants are values, not parameters).
    private func isCapture(_ id: Int32, of body: Range<Int>) -> Bool {
        guard id >= 0 else { return false }
        let op = ops[Int(id)]
        if op == .constant { return false }
        return Int(id) < body.lowerBound || op == .input
    }

    /// The nodes from outside `body` that it reads, in order of first use.
    private func captures(of body: Range<Int>, also extra: [Int32]) -> [Int32] {
        var found: [Int32] = []
        var seen = Set<Int32>()
        func note(_ id: Int32) { if isCapture(id, of: body), seen.insert(id).inserted { found.append(id) } }
        for i in body {
            let op = ops[i]
            if op.arity >= 1 { note(lhs[i]) }
            if op.arity == 2 { note(rhs[i]) }
            if op == .input { note(Int32(i)) }
            if op == .custom, let call = customFunctions[Int32(i)] { call.inputs.forEach(note) }
            if i > body.lowerBound, let inner = loopStartingAt[Int32(i)] {
                let loop = loops[inner]
                (loop.initial + loop.captures + loop.sequenceInputs).forEach(note)
                if loop.guardNode >= 0 { note(loop.guardNode) }
            }
        }
        extra.forEach(note)
        return found
    }

    /// Stops when an operand of a new node is a node of a loop body that has been closed: such a
    /// value exists only inside its loop.
    func checkLoopScope(_ x: Int32, _ y: Int32, _ op: Primitive) {
        for id in [x, y] where id >= 0 && ops[Int(id)] != .constant && ops[Int(id)] != .input {
            for loop in loops where loop.end >= 0 && loop.start <= id && id < loop.end {
                requirementFailed("Nabla: \(op.name) reads a value made inside a loop's body (node \(id)) after the loop; "
                                  + "return it as a carry to use it outside")
            }
        }
    }
}
