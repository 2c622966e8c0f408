// Reverse mode over a tensor tape: one loop from the output down, as for scalars. Each operand's
// gradient is summed back to the operand's shape right here, the one place broadcasting is undone.

extension TensorTape {
    /// d(root)/d(node) for every node at or below `root`, seeded with `seed` (nil: not reached).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    /// Gradients of computed nodes are dropped once passed on (their memory is reused at once),
    /// except those in `keeping`; leaves' gradients are always kept.
    func gradients(from root: Int32, seed: NDArray<Scalar>, keeping: Set<Int32> = []) -> [NDArray<Scalar>?] {
        var grads = [NDArray<Scalar>?](repeating: nil, count: Int(root) + 1)
        grads[Int(root)] = seed
        let detector = context.anomalyDetector
        let hooks = hookTable()
        for i in stride(from: Int(root), through: 0, by: -1) {
            guard var g = grads[i] else { continue }
            if let hooks, let list = hooks[Int32(i)] { g = Self.applying(list, to: g); grads[i] = g }
            if let checkpoint = extras?.checkpoints[Int32(i)] {
                if !keeping.contains(Int32(i)) { grads[i] = nil }
                checkpoint.pullback(g, on: self, into: &grads)
                continue
            }
            if let custom = extras?.customFunctions[Int32(i)] {
                if !keeping.contains(Int32(i)) { grads[i] = nil }
                custom.pullback(g, at: Int32(i), on: self, into: &grads)
                continue
            }
            if let fused = extras?.fusedProducts[Int32(i)] {
                if !keeping.contains(Int32(i)) { grads[i] = nil }
                fused.pullback(g, at: Int32(i), on: self, into: &grads)
                continue
            }
            let node = nodes[i]
            guard node.operation.arity > 0, node.requiresGrad else { continue }
            if !keeping.contains(Int32(i)) { grads[i] = nil }
            let x = nodes[Int(node.x)].value, y = nodes[Int(node.y)].value
            let needs = (nodes[Int(node.x)].requiresGrad, nodes[Int(node.y)].requiresGrad)
            let (gx, gy) = node.operation.pullback(x, y, output: node.value, seed: g, needs: needs)
            if let detector { detector.checkBackward(on: self, i, (gx, gy)) }
            if needs.0, let gx { Self.accumulateInPlace(gx.summed(toShape: x.shape), into: &grads[Int(node.x)]) }
            if node.operation.arity == 2, needs.1, let gy { Self.accumulateInPlace(gy.summed(toShape: y.shape), into: &grads[Int(node.y)]) }
        }
        return grads
    }

    /// Adds `g` into the slot, in the slot's own storage when nothing else shares it.
    static func accumulateInPlace(_ g: NDArray<Scalar>, into slot: inout NDArray<Scalar>?) {
        guard var existing = slot.take() else { slot = g; return }
        existing.updateEach(with: g, +)
        slot = existing
    }

    static func accumulate<T: DifferentiableTensor>(_ g: T, into slot: inout T?) {
        slot = slot.map { $0 + g } ?? g
    }

    /// Like ``gradients(from:seed:)`` with gradients recorded as tensors on this tape, so they
    /// can be differentiated again (Hessian-vector products, gradient penalties).
    /// Nodes below `lowest` are not visited (their gradients are left in the result).
    func differentiableGradients(from root: Int32, seed: Tensor<Scalar>, through lowest: Int32 = 0) -> [Tensor<Scalar>?] {
        var grads = [Tensor<Scalar>?](repeating: nil, count: Int(root) + 1)
        grads[Int(root)] = seed
        let hooks = hookTable()
        for i in stride(from: Int(root), through: Int(lowest), by: -1) {
            guard var g = grads[i] else { continue }
            if let hooks, let list = hooks[Int32(i)] { g = Self.applying(list, to: g); grads[i] = g }
            if let checkpoint = extras?.checkpoints[Int32(i)] {
                checkpoint.differentiablePullback(g, on: self, into: &grads)
                continue
            }
            if let custom = extras?.customFunctions[Int32(i)] {
                custom.differentiablePullback(g, at: Int32(i), on: self, into: &grads)
                continue
            }
            if let fused = extras?.fusedProducts[Int32(i)] {
                fused.differentiablePullback(g, at: Int32(i), on: self, into: &grads)
                continue
            }
            let node = nodes[i]
            guard node.operation.arity > 0, node.requiresGrad else { continue }
            let x = self.node(node.x), y = self.node(node.y)
            let needs = (nodes[Int(node.x)].requiresGrad, nodes[Int(node.y)].requiresGrad)
            let (gx, gy) = node.operation.pullback(x, y, output: self.node(Int32(i)), seed: g, needs: needs)
            if needs.0, let gx { Self.accumulate(gx.summed(toShape: x.shape), into: &grads[Int(node.x)]) }
            if node.operation.arity == 2, needs.1, let gy { Self.accumulate(gy.summed(toShape: y.shape), into: &grads[Int(node.y)]) }
        }
        return grads
    }

    func node(_ index: Int32) -> Tensor<Scalar> {
        Tensor(primal: nodes[Int(index)].value, owner: self, index: index)
    }
}

extension Tensor {
    /// Reverse mode from this tensor, adding d(self)/d(leaf) into every leaf's ``grad``. A
    /// tensor of more than one element needs `seed` (∂L/∂self, of its shape), as in PyTorch.
    /// Ends the current recording, as PyTorch frees a graph after backward.
    public func backward(seed: NDArray<Scalar>? = nil) {
        let seed = checkedSeed(seed, "backward")
        if let leaf {
            let seed = TensorTape.applying(leaf.hooks, to: seed)
            leaf.grad = leaf.grad.map { $0 + seed } ?? seed
            return
        }
        guard let tape else { requirementFailed("Tensor.backward(): this tensor does not depend on any tensor with requiresGrad: true") }
        tape.requireThisThread("backward()")
        let grads = tape.gradients(from: index, seed: seed)
        for (index, leaf) in tape.leaves where Int(index) < grads.count {
            if let g = grads[Int(index)] { leaf.grad = leaf.grad.map { $0 + g } ?? g }
        }
        tape.context.endTensorTape(tape)
    }

    /// d(self)/d(x) for each `x` (leaves, computed tensors or constants, whose gradient is
    /// zeros), seeded with `seed` when self has more than one element. Accumulates nothing.
    public func gradients(wrt tensors: [Tensor], seed: NDArray<Scalar>? = nil) -> [NDArray<Scalar>] {
        let seed = checkedSeed(seed, "gradients(wrt:)")
        guard let tape else { return tensors.map { $0.leaf != nil && $0.leaf === leaf ? seed : NDArray.zeros($0.shape) } }
        let grads = tape.gradients(from: index, seed: seed, keeping: Set(tensors.compactMap { $0.index(in: tape) }))
        return tensors.map { t in t.index(in: tape).flatMap { Int($0) < grads.count ? grads[Int($0)] : nil } ?? NDArray.zeros(t.shape) }
    }

    /// The derivatives as tensors that can be differentiated again.
    public func differentiableGradients(wrt tensors: [Tensor], seed: Tensor? = nil) -> [Tensor] {
        let seed = seed ?? Tensor(checkedSeed(nil, "differentiableGradients(wrt:)"))
        guard let tape else { return tensors.map { Tensor(NDArray.zeros($0.shape)) } }
        let grads = tape.differentiableGradients(from: index, seed: seed)
        return tensors.map { t in t.index(in: tape).flatMap { Int($0) < grads.count ? grads[Int($0)] : nil } ?? Tensor(NDArray.zeros(t.shape)) }
    }

    func index(in tape: TensorTape<Scalar>) -> Int32? {
        if let t = self.tape { return t === tape ? index : nil }
        if let leaf, leaf.tapeSerial == tape.serial { return leaf.tapeIndex }
        return nil
    }

    private func checkedSeed(_ seed: NDArray<Scalar>?, _ function: String) -> NDArray<Scalar> {
        if let seed {
            require(seed.shape == shape, "Tensor.\(function): seed of shape \(seed.shape) for a tensor of shape \(shape)")
            return seed
        }
        require(shape.count == 1, "Tensor.\(function): the tensor has shape \(shape); give a seed (∂L/∂tensor) of that shape, as PyTorch's backward(gradient:) needs")
        return NDArray.ones(shape)
    }
}
