// Matrix products with fused epilogues: y = activation(op(a)·op(b) + bias) computed by one pass of
// the matrix kernel, which adds the bias and applies the activation to each tile of C as it writes
// the tile back (while it is in L1), instead of a product, a pass adding the bias and a pass for
// the activation, each writing a new array.
//
// - Numbers (`NDArray`): the fused kernel.
// - Dynamic tensors: the fused kernel, recorded as one node of the tape whose derivative is the
//   three operations' rules composed (activation, then add, then matmul), reading only the
//   output: relu's mask is the same from y as from z, and tanh's rule reads y already. GELU's
//   derivative reads its input z, so while recording, only the bias is fused and GELU is recorded
//   as its primitives (unrecorded, under `withoutRecording`, all of it is fused).
// - Symbols and other algebras: the three operations; `TensorGraph.compile` fuses them back
//   (TensorProgram+EpilogueFusion.swift).
//
// Every path gives the unfused operations' numbers bit for bit: the epilogue evaluates the same
// primitives in the same order (Activation.swift), and the backward composes the same rules.

extension DifferentiableTensor {
    /// activation(op(a)·op(b) + bias), as the three operations: the product, the bias added with
    /// broadcasting, the activation (what types without a fused kernel compute).
    public static func matmul(_ a: Self, _ b: Self, transposingA: Bool, transposingB: Bool, bias: Self?, activation: Activation) -> Self {
        var y = matmul(a, b, transposingA: transposingA, transposingB: transposingB)
        if let bias { y = y + bias }
        return activation(y)
    }
}

/// When a product can be fused: operands of rank ≥ 2, and a bias (if any) with one value per
/// column of the product, repeated over its rows and batches ([n], [1, n], …).
enum FusedProduct {
    /// Whether op(a)·op(b) + bias (shapes given) runs as one fused product.
    static func fuses(_ a: Shape, _ b: Shape, transposingB: Bool, bias: Shape?) -> Bool {
        guard a.rank >= 2, b.rank >= 2 else { return false }
        guard let bias else { return true }
        let columns = transposingB ? b[b.rank - 2] : b[b.rank - 1]
        return bias.rank <= Swift.max(a.rank, b.rank) && Array(bias.dimensions.drop { $0 == 1 }) == [columns]
    }
}

extension NDArray {
    // Specialised here (and the `Tensor` overload below) because its callers may not be:
    // `Linear.forward(_:_:activation:)` is never specialised (a Swift 6.3.1 optimiser crash).
    /// activation(op(a)·op(b) + bias) in one pass of the matrix kernel, which applies the bias
    /// and the activation to each tile of C as it writes it back (the same numbers as the three
    /// operations, bit for bit). Shapes that do not fuse (see `FusedProduct`) are computed as the
    /// three operations.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func matmul(_ a: NDArray, _ b: NDArray, transposingA: Bool, transposingB: Bool, bias: NDArray?,
                              activation: Activation) -> NDArray {
        guard FusedProduct.fuses(a.shape, b.shape, transposingB: transposingB, bias: bias?.shape) else {
            var y = matmul(a, b, transposingA: transposingA, transposingB: transposingB)
            if let bias { y = y + bias }
            return activation(y)
        }
        return fusedProduct(a, b, transposingA: transposingA, transposingB: transposingB, bias: bias, biasFirst: false,
                            activation: activation, threads: Kernels.threads)
    }

    /// The fused product on `threads` threads, for shapes that fuse; `biasFirst` adds bias + C
    /// rather than C + bias (the order a graph wrote the sum in).
    @inlinable
    static func fusedProduct(_ a: NDArray, _ b: NDArray, transposingA: Bool, transposingB: Bool, bias: NDArray?, biasFirst: Bool,
                             activation: Activation, threads: Int) -> NDArray {
        guard let bias else {
            if activation == .identity { return matmul(a, b, transposingA: transposingA, transposingB: transposingB, threads: threads) }
            return matmul(a, b, transposingA: transposingA, transposingB: transposingB, threads: threads) { tile in
                activation.finish(tile, bias: nil, biasFirst: false)
            }
        }
        return bias.scalars.withUnsafeBufferPointer { row in
            let row = row.baseAddress!
            return matmul(a, b, transposingA: transposingA, transposingB: transposingB, threads: threads) { tile in
                activation.finish(tile, bias: row, biasFirst: biasFirst)
            }
        }
    }
}

extension NDArray {
    /// masked(mask, op(a)·op(b)) for matrices (rank 2) in one pass of the matrix kernel: each
    /// element c of a tile of C becomes c where the mask's element at the same place is > 0, else
    /// 0, as the kernel writes the tile back (the `masked` primitive, so the same numbers as the
    /// two operations). The gradient flowing back into a relu layer is this, with the layer's
    /// output as the mask; `TensorGraph.compile` fuses it (TensorProgram+EpilogueFusion.swift).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maskedProduct(_ a: NDArray, _ b: NDArray, transposingA: Bool, transposingB: Bool, mask: NDArray, threads: Int) -> NDArray {
        let columns = mask.shape[mask.rank - 1]
        return mask.scalars.withUnsafeBufferPointer { mask in
            let mask = mask.baseAddress!
            return matmul(a, b, transposingA: transposingA, transposingB: transposingB, threads: threads) { tile in
                for i in 0..<tile.rows {
                    let row = tile.base + i * tile.rowStride
                    let keep = mask + (tile.firstRow + i) * columns + tile.firstColumn
                    for j in 0..<tile.columns { row[j] = Rules.Masked.evaluate(keep[j], row[j], 0) }
                }
            }
        }
    }
}

extension Tensor {
    /// activation(op(a)·op(b) + bias) by the fused kernel (see `NDArray.matmul(_:_:transposingA:transposingB:bias:activation:)`),
    /// recorded as one node whose derivative composes the activation's, the sum's and the
    /// product's rules, reading only the output (relu, tanh, identity). While recording, GELU's
    /// derivative needs its input, so only the bias is fused and GELU's primitives are recorded;
    /// under anomaly detection the three operations are recorded, so that a non-finite value is
    /// traced to one of them. Operands of rank < 2 stop, as `matmul(_:_:transposingA:transposingB:)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool, transposingB: Bool, bias: Tensor?,
                              activation: Activation) -> Tensor {
        require(a.rank >= 2 && b.rank >= 2, "matmul(transposing…): operands need at least 2 axes, got \(a.shape) and \(b.shape)")
        let context = RecordingContext.forThisThread
        let records = context.noGradDepth == 0 && (a.requiresGrad || b.requiresGrad || bias?.requiresGrad == true)
        guard FusedProduct.fuses(a.shape, b.shape, transposingB: transposingB, bias: bias?.shape),
              !(records && context.anomalyDetector != nil) else {
            var y = matmul(a, b, transposingA: transposingA, transposingB: transposingB)
            if let bias { y = y + bias }
            return activation(y)
        }
        guard records else {
            return Tensor(NDArray.fusedProduct(a.data, b.data, transposingA: transposingA, transposingB: transposingB, bias: bias?.data,
                                               biasFirst: false, activation: activation, threads: Kernels.threads))
        }
        guard activation.differentiatesFromOutput else {
            return activation(matmul(a, b, transposingA: transposingA, transposingB: transposingB, bias: bias, activation: .identity))
        }
        if bias == nil && activation == .identity { return matmul(a, b, transposingA: transposingA, transposingB: transposingB) }
        let value = NDArray.fusedProduct(a.data, b.data, transposingA: transposingA, transposingB: transposingB, bias: bias?.data,
                                         biasFirst: false, activation: activation, threads: Kernels.threads)
        let operands = bias.map { [a, b, $0] } ?? [a, b]
        var owner: TensorTape<Scalar>?
        for operand in operands {
            guard let tape = operand.tape else { continue }
            if let other = owner, other !== tape {
                requirementFailed("Tensor: matmul combines tensors from two different graphs (one ended by backward()); use detached() on the older one")
            }
            owner = tape
        }
        let tape = owner ?? context.currentTensorTape(Scalar.self)
        tape.requireThisThread("matmul")
        let indices = operands.map { $0.index(on: tape) }
        let index = tape.append(.leaf, -1, -1, value, requiresGrad: indices.contains { tape.nodes[Int($0)].requiresGrad })
        tape.madeExtras.fusedProducts[index] = FusedProductNode(a: indices[0], b: indices[1], bias: bias == nil ? -1 : indices[2],
                                                                 transposingA: transposingA, transposingB: transposingB, activation: activation)
        return Tensor(primal: value, owner: tape, index: index)
    }
}

/// A fused product on a tensor tape: its operands' node indices and what it computed. Its
/// derivative is the three operations' rules composed: g_z = the activation's pullback of the
/// seed (from the output), then ∂L/∂bias = g_z summed to the bias's shape (the sum's rule and
/// broadcasting's), then the product's pullback of g_z, accumulated in the order the unfused
/// nodes would accumulate them (bias, a, b), so gradients match theirs bit for bit.
final class FusedProductNode<Scalar: TensorScalar> {
    let a: Int32, b: Int32
    /// The bias's node, or −1.
    let bias: Int32
    let product: TensorOperation
    let activation: Activation

    init(a: Int32, b: Int32, bias: Int32, transposingA: Bool, transposingB: Bool, activation: Activation) {
        (self.a, self.b, self.bias, self.activation) = (a, b, bias, activation)
        product = .matmul(transposingA: transposingA, transposingB: transposingB)
    }

    /// Reverse mode on numbers: adds ∂L/∂operand, for `g` = ∂L/∂output at node `index`, into
    /// `grads`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func pullback(_ g: NDArray<Scalar>, at index: Int32, on tape: TensorTape<Scalar>, into grads: inout [NDArray<Scalar>?]) {
        let output = tape.nodes[Int(index)].value
        let seed = activation.pullbackFromOutput(output, seed: g)
        if bias >= 0, tape.nodes[Int(bias)].requiresGrad {
            TensorTape.accumulateInPlace(seed.summed(toShape: tape.nodes[Int(bias)].value.shape), into: &grads[Int(bias)])
        }
        let x = tape.nodes[Int(a)], y = tape.nodes[Int(b)]
        let needs = (x.requiresGrad, y.requiresGrad)
        let (gx, gy) = product.pullback(x.value, y.value, output: seed, seed: seed, needs: needs)
        if needs.0, let gx { TensorTape.accumulateInPlace(gx.summed(toShape: x.value.shape), into: &grads[Int(a)]) }
        if needs.1, let gy { TensorTape.accumulateInPlace(gy.summed(toShape: y.value.shape), into: &grads[Int(b)]) }
    }

    /// Reverse mode recorded on the tape (`differentiableGradients`): the same rules on the
    /// operands' and output's nodes, so the gradients are differentiable again.
    func differentiablePullback(_ g: Tensor<Scalar>, at index: Int32, on tape: TensorTape<Scalar>, into grads: inout [Tensor<Scalar>?]) {
        let seed = activation.pullbackFromOutput(tape.node(index), seed: g)
        if bias >= 0, tape.nodes[Int(bias)].requiresGrad {
            TensorTape<Scalar>.accumulate(seed.summed(toShape: tape.nodes[Int(bias)].value.shape), into: &grads[Int(bias)])
        }
        let x = tape.node(a), y = tape.node(b)
        let needs = (tape.nodes[Int(a)].requiresGrad, tape.nodes[Int(b)].requiresGrad)
        let (gx, gy) = product.pullback(x, y, output: seed, seed: seed, needs: needs)
        if needs.0, let gx { TensorTape<Scalar>.accumulate(gx.summed(toShape: x.shape), into: &grads[Int(a)]) }
        if needs.1, let gy { TensorTape<Scalar>.accumulate(gy.summed(toShape: y.shape), into: &grads[Int(b)]) }
    }

    /// Forward mode on numbers: the output's tangent from the operands' (nil: zero), the
    /// product's tangent rule, then the sum's (ż = ṁ + ḃ broadcast), then the activation's.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func tangent(at index: Int32, on tape: TensorTape<Scalar>, tangents: [NDArray<Scalar>?]) -> NDArray<Scalar>? {
        let output = tape.nodes[Int(index)].value
        let product = self.product.tangent(tape.nodes[Int(a)].value, tape.nodes[Int(b)].value, output: output,
                                           tangents: (tangents[Int(a)], tangents[Int(b)]))
        let biasTangent = bias >= 0 ? tangents[Int(bias)].map { $0.broadcast(to: output.shape) } : nil
        let sum: NDArray<Scalar>?
        switch (product, biasTangent) {
        case (nil, nil): return nil
        case (let p?, nil): sum = p
        case (nil, let q?): sum = q
        case (let p?, let q?): sum = p + q
        }
        return activation.tangentFromOutput(output, tangent: sum!)
    }
}
