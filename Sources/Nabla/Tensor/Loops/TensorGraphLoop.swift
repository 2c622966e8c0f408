// Loops in a static tensor graph, recorded as in the scalar `Graph` (see Static/Loops): the body
// is recorded once, as a region of the graph's nodes between placeholder nodes (the step's
// index, the carries, the per-step elements) and the result nodes that follow it. Placeholders
// and results are `.leaf` nodes with neither a name nor a value; what they are is in the side
// table `loopState.roles`. A compiled program runs the region `count` times (CompiledTensorLoop);
// the derivatives of a loop are loops (TensorGraph+LoopDerivatives).

/// A loop recorded in a ``TensorGraph``:
/// `for t in 0..<count { (carries, ys[t]) = body(t, carries, xs[t]) }` (t from count − 1 down to
/// 0 when `reversed`), with the body's nodes between `start` and `end`.
struct TensorGraphLoop {
    /// What the loop is called in error messages (`loop(count: 5)`, `scan`, …).
    let name: String
    let count: Int
    let reversed: Bool
    /// The body's first node (the step placeholder) and the first node after it (-1 while open).
    let start: Int32
    var end: Int32 = -1
    /// Placeholders inside the body: the step's index (rank 0), each carry, each element.
    let step: Int32
    var carryIn: [Int32]
    let elements: [Int32]
    /// Outside the body: each carry's initial value, the sequences the elements are taken from
    /// (along their leading axis).
    var initial: [Int32]
    let sequenceInputs: [Int32]
    /// Body nodes: each carry's next value; the per-step outputs stacked into sequences.
    var carryOut: [Int32] = []
    var perStepOut: [Int32] = []
    /// Outside the body: each carry's final value, each per-step output's sequence.
    var results: [Int32] = []
    var sequences: [Int32] = []
    /// Nodes made before the body (or inputs) that it reads: the loop's parameters.
    var captures: [Int32] = []
    /// A while loop's condition, a rank-0 body node: the loop goes on while it is > 0, for at
    /// most `count` steps (-1: exactly `count` steps).
    var condition: Int32 = -1
    /// A rank-0 node from before the loop deciding whether it runs at all (a branch of `cond`):
    /// it runs where `(guard > 0) == runsWhenGuardPositive`, otherwise its results are its
    /// initial values (-1: it always runs).
    var guardNode: Int32 = -1
    var runsWhenGuardPositive = true

    /// The body's nodes, placeholders included.
    var bodyNodes: Range<Int> { Int(start)..<Int(end) }
    /// The nodes from before the loop that a run reads.
    var operands: [Int32] { initial + captures + sequenceInputs + (guardNode >= 0 ? [guardNode] : []) }
}

/// What a loop placeholder or result node is, for the loop at an index of `loopState.loops`.
enum TensorLoopValueRole {
    /// Inside the body: the step's index, carry k at step t, per-step input k's element t.
    case step(Int), carry(Int, Int), element(Int, Int)
    /// After the body: carry k's final value; per-step output k stacked over the steps.
    case result(Int, Int), sequence(Int, Int)

    /// The loop of a result or sequence node (nil for a placeholder).
    var producingLoop: Int? {
        switch self {
        case .result(let l, _), .sequence(let l, _): l
        default: nil
        }
    }
}

/// The loops of a ``TensorGraph`` and the roles of their nodes.
struct TensorLoopState {
    var loops: [TensorGraphLoop] = []
    var roles: [Int32: TensorLoopValueRole] = [:]
    var startingAt: [Int32: Int] = [:]
    var endingAt: [Int32: Int] = [:]
    var open: [Int] = []
    /// The outermost closed bodies, by start: disjoint, in order (a closing loop replaces those
    /// inside it), with their loops.
    var closedBodies: [(nodes: Range<Int32>, loop: Int)] = []

    /// The loop of the closed body holding node `id`, if any (a binary search).
    func closedBody(holding id: Int32) -> Int? {
        var low = 0, high = closedBodies.count
        while low < high {
            let middle = (low + high) / 2
            if closedBodies[middle].nodes.lowerBound <= id { low = middle + 1 } else { high = middle }
        }
        guard low > 0, closedBodies[low - 1].nodes.contains(id) else { return nil }
        return closedBodies[low - 1].loop
    }
}

extension TensorGraph {
    /// A loop of a fixed count with tensor carries, as JAX's `fori_loop`:
    /// `for step in 0..<count { carries = body(step, carries) }`, returning the final carries.
    ///
    /// The body is called once, on placeholder symbols, and recorded as a region of the graph; a
    /// compiled ``TensorProgram`` runs it `count` times. The step's index is a rank-0 symbol
    /// holding 0, 1, …. The body may read any symbol made before the loop (the loop's
    /// parameters); a symbol made inside the body exists only there.
    ///
    /// The body must return as many carries as `initial`, each of the shape of its initial value:
    /// a mismatch is recorded as the graph's error (thrown by ``check()``, ``compile(_:)`` and
    /// ``gradients(of:wrt:)``), naming the loop, the carry and both shapes.
    ///
    /// ``gradients(of:wrt:)`` goes through the loop with a loop that runs the steps backwards:
    /// cₜ₊₁ = f(t, cₜ, p) gives c̄ₜ = (∂f/∂cₜ)ᵀ c̄ₜ₊₁ and p̄ = Σₜ (∂f/∂p)ᵀ c̄ₜ₊₁, each step's
    /// vector-Jacobian product taken on the body replayed at cₜ, which the forward loop stores
    /// (`count` values per carry). ``jvp(of:wrt:along:)`` carries the tangents beside the values.
    /// Both are loops of the graph, so they compile and differentiate again.
    public func loop(count: Int, carrying initial: [TensorSymbol<Scalar>],
                     _ body: (_ step: TensorSymbol<Scalar>, _ carries: [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        require(count >= 0, "Nabla: TensorGraph.loop(count:) needs a count ≥ 0, got \(count)")
        let name = "loop(count: \(count))"
        let index = beginLoop(name: name, count: count, reversed: false, initial: ids(initial, name), sequenceInputs: [])
        let next = body(symbol(loopState.loops[index].step), loopState.loops[index].carryIn.map(symbol))
        endLoop(index, carryOut: checkedCarries(next, of: index), perStepOut: [])
        return loopState.loops[index].results.map(symbol)
    }

    /// `loop(count:carrying:_:)` whose reverse mode stores the carries only every `segment`
    /// steps (checkpoints) and recomputes the steps between two of them when it needs them:
    /// memory for ⌈count/segment⌉ + `segment` carries instead of `count` (√count each for
    /// segment ≈ √count), for one more forward pass of the body. The same values, bit for bit.
    ///
    /// Recorded as a loop of ⌊count/segment⌋ steps whose body is a loop of `segment` steps, then a
    /// loop of the remaining count mod segment steps; the body sees the same step indices. Reverse
    /// mode through nested loops stores the outer loop's carries and, at each outer step of the
    /// backward loop, replays the inner loop, storing its carries for that segment only.
    public func loop(count: Int, checkpointingEvery segment: Int, carrying initial: [TensorSymbol<Scalar>],
                     _ body: (_ step: TensorSymbol<Scalar>, _ carries: [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        require(segment >= 1, "Nabla: TensorGraph.loop(checkpointingEvery:) needs a segment ≥ 1, got \(segment)")
        require(count >= 0, "Nabla: TensorGraph.loop(count:) needs a count ≥ 0, got \(count)")
        guard segment < count else { return loop(count: count, carrying: initial, body) }
        let segments = count / segment, tail = count % segment
        var carries = loop(count: segments, carrying: initial) { s, outer in
            loop(count: segment, carrying: outer) { i, inner in body(s * Double(segment) + i, inner) }
        }
        if tail > 0 {
            carries = loop(count: tail, carrying: carries) { i, c in body(i + Double(segments * segment), c) }
        }
        return carries
    }

    /// A loop with one tensor carry: `for step in 0..<count { x = body(step, x) }`.
    public func loop(count: Int, carrying initial: TensorSymbol<Scalar>,
                     _ body: (_ step: TensorSymbol<Scalar>, _ carry: TensorSymbol<Scalar>) -> TensorSymbol<Scalar>) -> TensorSymbol<Scalar> {
        loop(count: count, carrying: [initial]) { step, carries in [body(step, carries[0])] }[0]
    }

    /// A loop over the leading axis of `xs`, as JAX's `lax.scan`: with n the leading dimension
    /// (the same for every sequence), `for t in 0..<n { (carries, ys[t]) = body(carries, xs[t]) }`,
    /// where `xs[t]` is each sequence's slice t (its shape without the first axis). Returns the
    /// final carries and each per-step output stacked along a new leading axis (shape
    /// `[n] + y.shape`). With no sequences there are no steps (for a count, use
    /// `loop(count:carrying:_:)`); sequences of different leading dimensions, or of rank 0, are
    /// the graph's error.
    ///
    /// As for `loop(count:carrying:_:)`: the body is recorded once; carries must keep their
    /// shapes (a mismatch is the graph's error); reverse and forward mode go through it, to any
    /// order. The gradient of a sequence in `xs` is the sequence of the per-step input
    /// adjoints, x̄ₜ = (∂f/∂xₜ)ᵀ c̄ₜ₊₁ + (∂yₜ/∂xₜ)ᵀ ȳₜ.
    public func scan(over xs: [TensorSymbol<Scalar>], carrying initial: [TensorSymbol<Scalar>],
                     _ body: (_ carries: [TensorSymbol<Scalar>], _ elements: [TensorSymbol<Scalar>])
                        -> (carries: [TensorSymbol<Scalar>], ys: [TensorSymbol<Scalar>]))
        -> (carries: [TensorSymbol<Scalar>], ys: [TensorSymbol<Scalar>]) {
        let count = xs.first.map { $0.shape.dimensions.first ?? 0 } ?? 0
        for (j, x) in xs.enumerated() where x.shape.dimensions.first != count || x.shape.dimensions.isEmpty {
            record(TensorShapeError(operation: "scan, sequence \(j)", shapes: [xs[0].shape, x.shape],
                                    reason: x.shape.dimensions.isEmpty ? "a sequence needs a leading axis to scan over"
                                        : "the sequences' leading dimensions differ (\(count) and \(x.shape.dimensions[0]))"))
        }
        let index = beginLoop(name: "scan", count: count, reversed: false, initial: ids(initial, "scan"),
                              sequenceInputs: ids(xs, "scan"))
        let (next, ys) = body(loopState.loops[index].carryIn.map(symbol), loopState.loops[index].elements.map(symbol))
        endLoop(index, carryOut: checkedCarries(next, of: index), perStepOut: ids(ys, "scan"))
        return (loopState.loops[index].results.map(symbol), loopState.loops[index].sequences.map(symbol))
    }

    /// `scan(over:carrying:_:)` whose reverse mode stores the carries only every `segment` steps
    /// and recomputes the steps between two of them when it needs them, as
    /// `loop(count:checkpointingEvery:carrying:_:)`: a scan over the sequences regrouped as
    /// [n/segment, segment, …] whose body is a scan of `segment` steps, then a scan over the
    /// remaining n mod segment slices; the per-step outputs are joined back into [n, …]. The same
    /// values (a −0 output reads +0 where the groups are joined).
    public func scan(over xs: [TensorSymbol<Scalar>], checkpointingEvery segment: Int, carrying initial: [TensorSymbol<Scalar>],
                     _ body: (_ carries: [TensorSymbol<Scalar>], _ elements: [TensorSymbol<Scalar>])
                        -> (carries: [TensorSymbol<Scalar>], ys: [TensorSymbol<Scalar>]))
        -> (carries: [TensorSymbol<Scalar>], ys: [TensorSymbol<Scalar>]) {
        require(segment >= 1, "Nabla: TensorGraph.scan(checkpointingEvery:) needs a segment ≥ 1, got \(segment)")
        let count = xs.first.map { $0.shape.dimensions.first ?? 0 } ?? 0
        guard segment < count, xs.allSatisfy({ $0.shape.dimensions.first == count }) else {
            return scan(over: xs, carrying: initial, body)
        }
        let segments = count / segment, tail = count % segment, head = segments * segment
        let grouped = xs.map { x in
            x.slice([0..<head]).reshaped(Shape([segments, segment] + x.shape.dimensions.dropFirst()))
        }
        let outer = scan(over: grouped, carrying: initial) { carries, groups in scan(over: groups, carrying: carries, body) }
        var ys = outer.ys.map { $0.reshaped(Shape([head] + $0.shape.dimensions.dropFirst(2))) }
        var carries = outer.carries
        if tail > 0 {
            let rest = scan(over: xs.map { $0.slice([head..<count]) }, carrying: carries, body)
            carries = rest.carries
            ys = zip(ys, rest.ys).map { TensorSymbol.concatenate([$0, $1], axis: 0) }
        }
        return (carries, ys)
    }

    /// The symbol of node `id`.
    func symbol(_ id: Int32) -> TensorSymbol<Scalar> { TensorSymbol(graph: self, id: id) }

    /// The nodes of `symbols`, which must be of this graph.
    private func ids(_ symbols: [TensorSymbol<Scalar>], _ name: String) -> [Int32] {
        require(symbols.allSatisfy { $0.graph === self }, "Nabla: TensorGraph.\(name) was given symbols of another graph")
        return symbols.map(\.id)
    }

    /// The body's next carries, checked against the carries (count and shapes; a mismatch is
    /// recorded, and a missing carry kept as it is).
    func checkedCarries(_ next: [TensorSymbol<Scalar>], of index: Int) -> [Int32] {
        let loop = loopState.loops[index]
        let next = ids(next, loop.name)
        if next.count != loop.carryIn.count {
            record(TensorShapeError(operation: loop.name, shapes: [],
                                    reason: "the body returned \(next.count) carries, expected \(loop.carryIn.count)"))
            return loop.carryIn.indices.map { $0 < next.count ? next[$0] : loop.carryIn[$0] }
        }
        for (k, (a, b)) in zip(loop.carryIn, next).enumerated() where nodes[Int(a)].shape != nodes[Int(b)].shape {
            record(TensorShapeError(operation: "\(loop.name), carry \(k)", shapes: [nodes[Int(a)].shape, nodes[Int(b)].shape],
                                    reason: "the body returned a carry of shape \(nodes[Int(b)].shape) for a carry of shape \(nodes[Int(a)].shape)"))
        }
        return next
    }
}

// MARK: Recording

extension TensorGraph {
    /// Appends a placeholder or result node of `shape` with its role.
    func appendLoopValue(_ role: TensorLoopValueRole, shape: Shape) -> Int32 {
        nodes.append(Node(operation: .leaf, x: -1, y: -1, shape: shape))
        let id = Int32(nodes.count - 1)
        loopState.roles[id] = role
        return id
    }

    /// Opens a loop's body: appends its placeholders and returns the loop's index. Nodes appended
    /// until ``endLoop(_:carryOut:perStepOut:)`` form the body.
    func beginLoop(name: String, count: Int, reversed: Bool, initial: [Int32], sequenceInputs: [Int32]) -> Int {
        let index = loopState.loops.count
        let start = Int32(nodes.count)
        let step = appendLoopValue(.step(index), shape: [])
        let carryIn = initial.enumerated().map { appendLoopValue(.carry(index, $0), shape: nodes[Int($1)].shape) }
        let elements = sequenceInputs.enumerated().map { j, x in
            appendLoopValue(.element(index, j), shape: Shape(Array(nodes[Int(x)].shape.dimensions.dropFirst())))
        }
        loopState.loops.append(TensorGraphLoop(name: name, count: count, reversed: reversed, start: start, step: step, carryIn: carryIn,
                                               elements: elements, initial: initial, sequenceInputs: sequenceInputs))
        loopState.startingAt[start] = index
        loopState.open.append(index)
        return index
    }

    /// Closes the innermost open loop: finds its parameters and appends its result nodes.
    func endLoop(_ index: Int, carryOut: [Int32], perStepOut: [Int32]) {
        require(loopState.open.last == index, "Nabla: TensorGraph loops closed out of order")
        loopState.open.removeLast()
        let start = loopState.loops[index].start
        let end = Int32(nodes.count)
        loopState.loops[index].end = end
        loopState.loops[index].carryOut = carryOut
        loopState.loops[index].perStepOut = perStepOut
        loopState.loops[index].captures = captures(of: Int(start)..<Int(end), also: carryOut + perStepOut
                                                   + (loopState.loops[index].condition >= 0 ? [loopState.loops[index].condition] : []))
        loopState.loops[index].results = carryOut.enumerated().map { k, c in
            appendLoopValue(.result(index, k), shape: nodes[Int(loopState.loops[index].carryIn[k])].shape)
        }
        loopState.loops[index].sequences = perStepOut.enumerated().map { j, y in
            appendLoopValue(.sequence(index, j), shape: Shape([loopState.loops[index].count] + nodes[Int(y)].shape.dimensions))
        }
        loopState.endingAt[end] = index
        while let last = loopState.closedBodies.last, last.nodes.lowerBound >= start { loopState.closedBodies.removeLast() }
        loopState.closedBodies.append((start..<end, index))
    }

    /// The sequence node stacking body node `node` of loop `index` over the steps, added as a
    /// per-step output if the loop does not have it yet.
    func sequence(of node: Int32, inLoop index: Int) -> Int32 {
        let loop = loopState.loops[index]
        if let j = loop.perStepOut.firstIndex(of: node) { return loop.sequences[j] }
        let j = loop.perStepOut.count
        loopState.loops[index].perStepOut.append(node)
        if isCapture(node, of: loop.bodyNodes), !loop.captures.contains(node) { loopState.loops[index].captures.append(node) }
        let id = appendLoopValue(.sequence(index, j), shape: Shape([loop.count] + nodes[Int(node)].shape.dimensions))
        loopState.loops[index].sequences.append(id)
        return id
    }

    /// Whether node `id` read in `body` is a value from outside it: a node made before it, or an
    /// input (constants are values, not parameters).
    func isCapture(_ id: Int32, of body: Range<Int>) -> Bool {
        guard id >= 0 else { return false }
        let node = nodes[Int(id)]
        if node.operation.arity == 0 && node.constant != nil { return false }
        return Int(id) < body.lowerBound || node.name != nil
    }

    /// The nodes from outside `body` that it reads, in order of first use.
    private func captures(of body: Range<Int>, also extra: [Int32]) -> [Int32] {
        var found: [Int32] = []
        var seen = Set<Int32>()
        func note(_ id: Int32) { if isCapture(id, of: body), seen.insert(id).inserted { found.append(id) } }
        for i in body {
            let node = nodes[i]
            if node.operation.arity >= 1 { note(node.x) }
            if node.operation.arity == 2 { note(node.y) }
            if node.name != nil { note(Int32(i)) }
            if let custom = customFunctions[Int32(i)] { custom.inputs.forEach(note) }
            if i > body.lowerBound, let inner = loopState.startingAt[Int32(i)] {
                loopState.loops[inner].operands.forEach(note)
            }
        }
        extra.forEach(note)
        return found
    }

    /// Records an error when an operand of a new node is a node of a loop body that has been
    /// closed: such a value exists only inside its loop.
    func checkLoopScope(_ x: Int32, _ y: Int32, _ operation: TensorOperation) {
        for id in [x, y] where id >= 0 {
            guard let index = loopState.closedBody(holding: id) else { continue }
            let node = nodes[Int(id)]
            if node.operation.arity == 0 && (node.constant != nil || node.name != nil) { continue }
            record(TensorShapeError(operation: operation.name, shapes: [node.shape],
                                    reason: "reads a value made inside the body of \(loopState.loops[index].name) (node \(id)) after the loop; "
                                        + "return it as a carry or a per-step output to use it outside"))
            return
        }
    }

    /// Whether a loop node needs a gradient, `cache` holding the answer for the nodes before it:
    /// carries and elements always; a result or sequence when one of its loop's operands does.
    func loopValueRequiresGrad(_ id: Int32, _ cache: [Bool]) -> Bool {
        guard let role = loopState.roles[id] else { return false }
        switch role {
        case .step: return false
        case .carry, .element: return true
        case .result(let l, _), .sequence(let l, _):
            return loopState.loops[l].operands.contains { Int($0) < cache.count && cache[Int($0)] }
        }
    }
}
