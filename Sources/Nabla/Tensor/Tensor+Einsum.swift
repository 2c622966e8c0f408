// einsum (torch.einsum) as a composite: diagonals by gather, sums by sum, and every contraction
// of two operands by one batched matmul, so both modes and every order of derivative come from
// the structural ops' rules. The equation's parser is EinsumEquation.swift.

/// Einstein summation over `operands`, in `torch.einsum`'s notation: each operand's axes are
/// named by letters (`a`–`z`, `A`–`Z`), and the result is the sum, over every label missing
/// from the output, of the product of the operands' entries:
/// `einsum("ij,jk->ik", a, b)` is the matrix product, cᵢₖ = Σⱼ aᵢⱼ bⱼₖ.
///
/// - The output follows `->`. Without an arrow it is the labels used exactly once, in
///   alphabetical order (a–z, then A–Z, as PyTorch), after the ellipsis axes.
/// - A label repeated within one operand takes the diagonal (`"ii->i"`; `"ii->"` is the trace).
/// - `...` stands for the leading axes an operand's letters do not name; those of the operands
///   broadcast together (aligned at the right), and an explicit output without `...` sums them.
/// - A size-1 axis broadcasts against the same label's size in another operand, as in PyTorch.
/// - Spaces are ignored.
///
/// Labels found in one operand only and not in the output are summed first; then the operands
/// are contracted two at a time, left to right, each pair by one batched `matmul` (both
/// permuted to [batch, free, contracted] and [batch, contracted, free] and reshaped to 3 axes,
/// unless a transposed operand of the matrix kernel makes the copy unnecessary). The
/// derivative with respect to each operand comes from those operations (for the matrix
/// product, ∂/∂A = seed·Bᵀ and ∂/∂B = Aᵀ·seed).
///
/// A malformed equation (a character other than a letter, `,`, `...`, `->` and spaces, a term
/// per operand missing or extra, an output label repeated or found in no operand) is a
/// programmer error and stops with a message naming the equation. Shapes that do not fit it
/// (a term with the wrong number of labels for its operand, a label's sizes differing) stop a
/// dynamic tensor and are recorded in a static graph, like other shape errors.
public func einsum<T: DifferentiableTensor>(_ equation: String, _ operands: T...) -> T {
    einsum(equation, operands)
}

/// Einstein summation over an array of operands: `einsum(_:_:)` for a number of operands known
/// only at run time (PyTorch's `torch.einsum(equation, [a, b, c])`).
public func einsum<T: DifferentiableTensor>(_ equation: String, _ operands: [T]) -> T {
    require(!operands.isEmpty, "einsum(\"\(equation)\"): no operands")
    let parsed = EinsumEquation(equation, operandCount: operands.count)
    let labelling: EinsumEquation.Labelling
    switch parsed.labelling(shapes: operands.map(\.shape)) {
    case .success(let result): labelling = result
    case .failure(let error):
        _ = operands[0].shapesHold(false, error)
        return operands[0]
    }
    var terms = zip(operands, labelling.operands).map { EinsumTerm(tensor: $0, labels: $1) }
    let output = labelling.output

    for n in terms.indices {
        terms[n].takeDiagonals()
        terms[n].dropBroadcastAxes(sizes: labelling.sizes)
    }
    // Labels in one operand only and not in the output: summed before anything else.
    for n in terms.indices {
        let elsewhere = Set(output + terms.indices.filter { $0 != n }.flatMap { terms[$0].labels })
        terms[n].sumOut { !elsewhere.contains($0) }
    }
    // Two at a time, left to right.
    var result = terms[0]
    for n in terms.indices.dropFirst() {
        let needed = Set(output + terms[(n + 1)...].flatMap(\.labels))
        result = result.contracted(with: terms[n], keeping: needed)
    }
    let kept = Set(output)
    result.sumOut { !kept.contains($0) }
    return result.permuted(to: output)
}

/// An operand during `einsum`: a tensor and the label of each of its axes.
struct EinsumTerm<T: DifferentiableTensor> {
    var tensor: T
    var labels: [EinsumEquation.Label]

    /// The entries where every repeated label has equal indices: for each label named on two
    /// axes, the second axis is moved beside the first, the two are flattened into one, and
    /// the entries at multiples of (size + 1) are gathered (PyTorch's `diagonal`).
    mutating func takeDiagonals() {
        var first = 0
        while first < labels.count {
            guard let second = labels[(first + 1)...].firstIndex(of: labels[first]) else {
                first += 1
                continue
            }
            var order = Array(labels.indices)
            order.remove(at: second)
            order.insert(second, at: first + 1)
            permute(order)
            let size = tensor.shape[first]
            var dimensions = tensor.shape.dimensions
            dimensions.replaceSubrange(first...(first + 1), with: [size * size])
            tensor = Self.reshape(tensor, Shape(dimensions)).indexSelect((0..<size).map { $0 * (size + 1) }, axis: first)
            labels.remove(at: first + 1)
        }
    }

    /// Removes the axes of size 1 whose label is larger elsewhere: such an axis broadcasts, so
    /// the operand simply does not depend on that label.
    mutating func dropBroadcastAxes(sizes: [EinsumEquation.Label: Int]) {
        let dropped = labels.indices.filter { tensor.shape[$0] == 1 && sizes[labels[$0]]! != 1 }
        guard !dropped.isEmpty else { return }
        let keep = labels.indices.filter { !dropped.contains($0) }
        let shape = Shape(keep.map { tensor.shape[$0] })
        tensor = tensor.reshaped(shape)
        labels = keep.map { labels[$0] }
    }

    /// Sums over the axes whose label satisfies `summed`.
    mutating func sumOut(where summed: (EinsumEquation.Label) -> Bool) {
        let axes = labels.indices.filter { summed(labels[$0]) }
        guard !axes.isEmpty else { return }
        tensor = tensor.sum(axes: axes, keepingDimensions: false)
        labels = labels.indices.filter { !axes.contains($0) }.map { labels[$0] }
    }

    /// The axes reordered so that they carry `target`'s labels in its order (no op when they do).
    mutating func permute(to target: [EinsumEquation.Label]) {
        permute(target.map { labels.firstIndex(of: $0)! })
    }

    /// `permuted(_:)`, skipped for the identity.
    private mutating func permute(_ order: [Int]) {
        guard order != Array(order.indices) else { return }
        tensor = tensor.permuted(order)
        labels = order.map { labels[$0] }
    }

    /// The tensor with its axes in `target`'s order.
    func permuted(to target: [EinsumEquation.Label]) -> T {
        var copy = self
        copy.permute(to: target)
        return copy.tensor
    }

    /// The contraction of two operands by one batched matrix product. Labels in both operands
    /// are batch axes when `keeping` holds them (the output or a later operand needs them) and
    /// are summed otherwise; labels in one operand only stay free. Self becomes
    /// [batch, free, contracted] and `other` [batch, contracted, free], each reshaped to 3 axes
    /// (or left as [batch, contracted, free] and [batch, free, contracted], read transposed by
    /// the kernel, when that is how their axes already lie); the product [batch, freeA, freeB]
    /// is reshaped back to one axis per label.
    func contracted(with other: EinsumTerm, keeping: Set<EinsumEquation.Label>) -> EinsumTerm {
        var a = self, b = other
        let inB = Set(b.labels), inA = Set(a.labels)
        a.sumOut { !inB.contains($0) && !keeping.contains($0) }
        b.sumOut { !inA.contains($0) && !keeping.contains($0) }
        let batch = a.labels.filter { inB.contains($0) && keeping.contains($0) }
        let contracted = a.labels.filter { inB.contains($0) && !keeping.contains($0) }
        let freeA = a.labels.filter { !inB.contains($0) }
        let freeB = b.labels.filter { !inA.contains($0) }
        func size(_ labels: [EinsumEquation.Label], in term: EinsumTerm) -> [Int] {
            labels.map { term.tensor.shape[term.labels.firstIndex(of: $0)!] }
        }
        let (batchSize, m, k, n) = (size(batch, in: a).reduce(1, *), size(freeA, in: a).reduce(1, *),
                                    size(contracted, in: a).reduce(1, *), size(freeB, in: b).reduce(1, *))
        let transposingA = a.labels == batch + contracted + freeA && a.labels != batch + freeA + contracted
        let transposingB = b.labels == batch + freeB + contracted && b.labels != batch + contracted + freeB
        a.permute(to: transposingA ? batch + contracted + freeA : batch + freeA + contracted)
        b.permute(to: transposingB ? batch + freeB + contracted : batch + contracted + freeB)
        let left = Self.reshape(a.tensor, transposingA ? [batchSize, k, m] : [batchSize, m, k])
        let right = Self.reshape(b.tensor, transposingB ? [batchSize, n, k] : [batchSize, k, n])
        let product = T.matmul(left, right, transposingA: transposingA, transposingB: transposingB)
        let shape = Shape(size(batch, in: a) + size(freeA, in: a) + size(freeB, in: b))
        return EinsumTerm(tensor: Self.reshape(product, shape), labels: batch + freeA + freeB)
    }

    /// `reshaped(_:)`, skipped when the shape is already `shape`.
    private static func reshape(_ tensor: T, _ shape: Shape) -> T {
        tensor.shape == shape ? tensor : tensor.reshaped(shape)
    }
}
