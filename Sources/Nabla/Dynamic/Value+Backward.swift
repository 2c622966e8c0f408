// Reverse mode on the tape: one loop from the output down to index 0. Every node's operands
// have smaller indices, so when the loop reaches a node its gradient is complete.
//
// Only nodes the output depends on are visited, as in PyTorch and as in the static graph's
// symbolic gradients: a gradient buffer starts filled with `Gradient.unreached`, the first
// contribution to a node replaces it and later ones add to it. So a node reached with a zero
// gradient still passes on 0·∞ = NaN like PyTorch, a node the output does not depend on passes on
// nothing, and a lone −0 contribution stays −0, exactly as the static graph computes it.

/// The marker in a gradient buffer for "no path from the output reaches this node".
@usableFromInline
enum Gradient {
    /// A NaN with a payload no arithmetic produces from ordinary numbers.
    @usableFromInline static let unreachedBits: UInt64 = 0x7FF4_0000_DEAD_BEEF
    @inlinable static var unreached: Double { Double(bitPattern: unreachedBits) }

    /// The gradient a buffer entry stands for: 0 where the node was not reached.
    @inlinable @inline(__always)
    static func value(_ entry: Double) -> Double { entry.bitPattern == unreachedBits ? 0 : entry }

    /// Adds a contribution to a buffer entry.
    @inlinable @inline(__always)
    static func accumulate(_ contribution: Double, into entry: inout Double) {
        entry = entry.bitPattern == unreachedBits ? contribution : entry + contribution
    }
}

extension Tape {
    /// The gradient of node `root` with respect to every node at or below it, seeded with
    /// d(root)/d(root) = `seed`. The caller returns the buffer with
    /// `context.releaseBuffer(_:)`.
    @inlinable
    func gradients(from root: Int32, seed: Double) -> UnsafeMutableBufferPointer<Double> {
        let grads = context.gradientBuffer(count: Int(root) + 1)
        backpropagate(from: root, seed: seed, into: grads)
        return grads
    }

    /// Reverse mode into `grads`, a buffer of at least `root + 1` entries filled with
    /// `Gradient.unreached`.
    @inlinable
    func backpropagate(from root: Int32, seed: Double, into grads: UnsafeMutableBufferPointer<Double>) {
        if _slowPath(recordingMode.pointee & RecordingContext.anomalyDetectionBit != 0) {
            return backpropagateDetectingAnomalies(from: root, seed: seed, into: grads)
        }
        grads[Int(root)] = seed
        // Raw pointers, read once: no copies of the storage, no exclusivity checks in the loop.
        let ops = storage.ops, lhs = storage.lhs, rhs = storage.rhs
        let constants = storage.constants, values = storage.values
        var i = Int(root)
        while i >= 0 {
            let g = grads[i]
            let op = ops[i]
            // Unary nodes store their operand as both operands, and their rules return no second
            // gradient.
            if g.bitPattern != Gradient.unreachedBits && op.arity > 0 {
                if _slowPath(op == .custom) {
                    pullbackThroughCustomFunction(at: i, seed: g, into: grads)
                } else {
                    let a = Int(lhs[i]), b = Int(rhs[i])
                    let (ga, gb) = op.pullback(values[a], values[b], output: values[i], constant: constants[i], seed: g)
                    if let ga { Gradient.accumulate(ga, into: &grads[a]) }
                    if let gb { Gradient.accumulate(gb, into: &grads[b]) }
                }
            }
            i -= 1
        }
    }

    /// ``backpropagate(from:seed:into:)`` inside ``withAnomalyDetection(_:)``: the same loop,
    /// with every derivative rule's result checked (kept apart so the plain loop stays as tight).
    @usableFromInline
    func backpropagateDetectingAnomalies(from root: Int32, seed: Double, into grads: UnsafeMutableBufferPointer<Double>) {
        let detector = context.anomalyDetector
        grads[Int(root)] = seed
        for i in stride(from: Int(root), through: 0, by: -1) {
            let g = grads[i], op = storage.ops[i]
            guard g.bitPattern != Gradient.unreachedBits && op.arity > 0 else { continue }
            if op == .custom {
                pullbackThroughCustomFunction(at: i, seed: g, into: grads)
                continue
            }
            let a = Int(storage.lhs[i]), b = Int(storage.rhs[i])
            let (ga, gb) = op.pullback(storage.values[a], storage.values[b], output: storage.values[i], constant: storage.constants[i], seed: g)
            detector?.checkBackward(on: self, i, seed: g, (ga, gb))
            if let ga { Gradient.accumulate(ga, into: &grads[a]) }
            if let gb { Gradient.accumulate(gb, into: &grads[b]) }
        }
    }

    /// Like ``gradients(from:seed:)``, but each gradient is a value recorded on this tape (a
    /// ``Value`` or a ``TapeValue``, made by `node`), so it can be differentiated again. Entries
    /// are nil where the gradient is zero.
    func differentiableGradients<V: GraphScalar>(from root: Int32, seed: V, node: (Int32) -> V) -> [V?] {
        let n = Int(root) + 1
        var adjoints = [V?](repeating: nil, count: n)
        adjoints[Int(root)] = seed
        for i in stride(from: n - 1, through: 0, by: -1) {
            guard let g = adjoints[i] else { continue }
            // Read through the pointer each time: recording the gradient graph appends to this
            // tape and may move its arrays.
            let op = storage.ops[i]
            guard op.arity > 0 else { continue }
            if op == .custom {
                // The function's rule, run on the recorded nodes: differentiable again.
                guard let call = customFunctions[Int32(i)] else { continue }
                let results = call.cotangents(call.inputs.map(node), output: node(Int32(i)), seed: g)
                for (input, result) in zip(call.inputs, results) {
                    if let result { adjoints[Int(input)] = adjoints[Int(input)].map { $0 + result } ?? result }
                }
                continue
            }
            let a = storage.lhs[i]
            let b = op.arity == 2 ? storage.rhs[i] : a
            let x = node(a), y = node(b), out = node(Int32(i))
            let (ga, gb) = op.pullback(x, y, output: out, constant: storage.constants[i], seed: g)
            if let ga { adjoints[Int(a)] = adjoints[Int(a)].map { $0 + ga } ?? ga }
            if op.arity == 2, let gb { adjoints[Int(b)] = adjoints[Int(b)].map { $0 + gb } ?? gb }
        }
        return adjoints
    }

    /// The computed value at node `index`.
    func node(_ index: Int32) -> Value {
        Value(primal: storage.values[Int(index)], tape: self, index: index, leaf: nil)
    }

    /// Adds the gradients of this tape's leaves into their `grad`.
    @usableFromInline
    func accumulateIntoLeaves(_ grads: UnsafeMutableBufferPointer<Double>) {
        for (index, leaf) in storage.leaves where Int(index) < grads.count {
            leaf.grad += Gradient.value(grads[Int(index)])
        }
    }
}

extension Value {
    /// Reverse mode from this value: seeds d(self)/d(self) = `seed` and adds the derivative of
    /// `self` into the ``grad`` of every leaf it depends on. A leaf reached by several paths gets
    /// their sum. Calling it again adds again, as in PyTorch; use ``zeroGrad()`` between steps.
    ///
    /// It also ends the current recording, as PyTorch frees a graph after backward: the next
    /// computation starts a new graph. This value's own graph stays usable (backward can be
    /// called again), but values from the two graphs cannot be combined; `detached()` the old one.
    public func backward(seed: Double = 1) {
        if let leaf {
            leaf.grad += seed
            return
        }
        guard let tape else {
            requirementFailed("Nabla: backward() from a constant: \(primal) does not depend on any value with requiresGrad: true")
        }
        require(tape.context === RecordingContext.forThisThread,
                "Nabla: backward() on a graph recorded by another thread; a graph belongs to the thread that records it")
        let grads = tape.gradients(from: index, seed: seed)
        tape.accumulateIntoLeaves(grads)
        tape.context.releaseBuffer(grads)
        if tape.context.hasCurrent && tape.context.current === tape { tape.context.end() }
    }

    /// The derivatives d(self)/d(v) for each `v` in `values`, as numbers: leaves, computed values
    /// (PyTorch needs `retain_grad()` for those) or constants (0). Nothing is accumulated.
    public func gradients(wrt values: [Value]) -> [Double] {
        guard let tape else { return values.map { $0.leaf != nil && $0.leaf === leaf ? 1 : 0 } }
        let grads = tape.gradients(from: index, seed: 1)
        defer { tape.context.releaseBuffer(grads) }
        return values.map { v in
            guard let i = v.index(in: tape), Int(i) < grads.count else { return 0 }
            return Gradient.value(grads[Int(i)])
        }
    }

    /// d(self)/d(v) as a number.
    public func gradient(wrt value: Value) -> Double { gradients(wrt: [value])[0] }

    /// The derivatives d(self)/d(v) as differentiable values (PyTorch's `create_graph=True`):
    /// differentiate them again for second derivatives, Hessians or gradient penalties.
    public func differentiableGradients(wrt values: [Value]) -> [Value] {
        guard let tape else {
            return values.map { Value($0.leaf != nil && $0.leaf === leaf ? 1 : 0) }
        }
        let adjoints = tape.differentiableGradients(from: index, seed: Value(1), node: tape.node)
        return values.map { v in
            guard let i = v.index(in: tape), Int(i) < adjoints.count, let g = adjoints[Int(i)] else { return Value(0) }
            return g
        }
    }

    /// d(self)/d(v) as a differentiable value.
    public func differentiableGradient(wrt value: Value) -> Value { differentiableGradients(wrt: [value])[0] }

    /// This value's node index on `tape`, if it has one there.
    func index(in tape: Tape) -> Int32? {
        if let t = self.tape { return t === tape ? index : nil }
        if let leaf, leaf.tapeSerial == tape.serial { return leaf.tapeIndex }
        return nil
    }
}
