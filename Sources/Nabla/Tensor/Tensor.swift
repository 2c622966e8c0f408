/// An n-dimensional array of `Float` or `Double` that records the computation producing it, for
/// reverse-mode differentiation: Nabla's dynamic graph over tensors, as in PyTorch.
///
/// ```swift
/// let w = Tensor<Float>(NDArray.randomNormal([3, 2], seed: 1), requiresGrad: true)
/// let x = try Tensor<Float>(shape: [4, 3], scalars: Array(repeating: 0.5, count: 12))
/// let loss = (x.matmul(w) + 1).relu().mean()
/// loss.backward()
/// print(w.grad!)            // ∂loss/∂w, shape [3, 2]
/// ```
///
/// Like ``Value``, a tensor is a leaf (`requiresGrad: true`: keeps its own `data` and `grad`),
/// a computed tensor (holds its graph, freed with its last tensor), or a constant. Elementwise
/// operations broadcast as NumPy does; every scalar function of the scalar engine applies
/// elementwise with the same derivative rule.
public struct Tensor<Scalar: TensorScalar> {
    /// The value when computed (for leaves, see ``data``).
    @usableFromInline let primal: NDArray<Scalar>
    @usableFromInline let owner: TensorOwner<Scalar>?
    /// The node index on the tape for a computed tensor; −1 for leaves and constants.
    @usableFromInline let index: Int32

    @usableFromInline
    init(primal: NDArray<Scalar>, owner: TensorOwner<Scalar>?, index: Int32) {
        self.primal = primal
        self.owner = owner
        self.index = index
    }

    /// A constant, or with `requiresGrad: true` a leaf whose gradient `backward()` fills.
    public init(_ array: NDArray<Scalar>, requiresGrad: Bool = false) {
        if requiresGrad {
            self.init(primal: array, owner: TensorLeaf(array), index: -1)
        } else {
            self.init(primal: array, owner: nil, index: -1)
        }
    }

    /// A tensor of `shape` holding `scalars` in row-major order; a count that does not match the
    /// shape is thrown (data from outside enters here), naming both.
    public init(shape: Shape, scalars: [Scalar], requiresGrad: Bool = false) throws(TensorShapeError) {
        guard shape.count == scalars.count else {
            throw TensorShapeError(operation: "Tensor(shape:scalars:)", shapes: [shape],
                                   reason: "needs \(shape.count) elements, got \(scalars.count)")
        }
        self.init(NDArray(shape: shape, checkedScalars: scalars), requiresGrad: requiresGrad)
    }

    /// A vector.
    public init(_ values: [Scalar], requiresGrad: Bool = false) { self.init(NDArray(values), requiresGrad: requiresGrad) }
    /// A matrix from its rows.
    public init(_ rows: [[Scalar]], requiresGrad: Bool = false) { self.init(NDArray(rows), requiresGrad: requiresGrad) }
    /// A rank-3 tensor from nested arrays.
    public init(_ planes: [[[Scalar]]], requiresGrad: Bool = false) { self.init(NDArray(planes), requiresGrad: requiresGrad) }

    /// A rank-0 tensor.
    public init(_ scalar: Scalar, requiresGrad: Bool = false) { self.init(NDArray(scalar), requiresGrad: requiresGrad) }

    @usableFromInline var tape: TensorTape<Scalar>? {
        guard index >= 0, let owner else { return nil }
        return unsafeDowncast(owner, to: TensorTape<Scalar>.self)
    }

    @usableFromInline var leaf: TensorLeaf<Scalar>? {
        guard index < 0, let owner else { return nil }
        return unsafeDowncast(owner, to: TensorLeaf<Scalar>.self)
    }

    /// The values. Settable on leaves only (optimisers update parameters this way).
    public var data: NDArray<Scalar> {
        get { leaf?.data ?? primal }
        nonmutating set {
            guard let leaf else { requirementFailed("Tensor: only a leaf (requiresGrad: true) can be assigned new data") }
            require(newValue.shape == leaf.data.shape, "Tensor: new data of shape \(newValue.shape) for a leaf of shape \(leaf.data.shape)")
            leaf.data = newValue
        }
    }

    /// Changes a leaf's values in place, copying first only if their storage is shared
    /// (optimisers update parameters so). The shape must stay the same.
    public func updateData(_ body: (inout NDArray<Scalar>) -> Void) {
        guard let leaf else { requirementFailed("Tensor: only a leaf (requiresGrad: true) can be updated") }
        let shape = leaf.data.shape
        body(&leaf.data)
        require(leaf.data.shape == shape, "Tensor: an update changed a leaf's shape from \(shape) to \(leaf.data.shape)")
    }

    /// The size of each axis (of ``data``).
    public var shape: Shape { data.shape }
    /// The number of axes (0 for a scalar tensor).
    public var rank: Int { shape.rank }
    /// The elements, row-major.
    public var scalars: [Scalar] { data.scalars }
    /// The only element of a one-element tensor.
    public var scalar: Scalar { data.scalar }

    /// The gradient accumulated by `backward()` into this leaf; nil before any backward and for
    /// tensors that are not leaves.
    public var grad: NDArray<Scalar>? {
        get { leaf?.grad }
        nonmutating set { leaf?.grad = newValue }
    }

    /// Clears this leaf's gradient (PyTorch's `zero_grad`, setting to None).
    public func zeroGrad() { leaf?.grad = nil }

    /// Whether gradients reach this tensor (PyTorch's `requires_grad`): true for leaves made with
    /// `requiresGrad: true` and for tensors recorded from them; false for constants, detached
    /// tensors and results computed under no-grad.
    public var requiresGrad: Bool { owner != nil }
    /// Identifies a leaf (the same for every copy of it); nil for other tensors.
    var leafIdentity: ObjectIdentifier? { leaf.map(ObjectIdentifier.init) }
    /// Whether this is a leaf made with `requiresGrad: true`, whose ``grad`` `backward()` fills.
    /// Unlike PyTorch's `is_leaf`, false for constants.
    public var isLeaf: Bool { leaf != nil }

    /// The same values, cut off from the graph.
    public func detached() -> Tensor { Tensor(data) }
}

extension Tensor: CustomStringConvertible {
    /// Dtype, shape and values as NumPy prints them, then `, requiresGrad` for a leaf or
    /// `, computed` for a recorded tensor.
    public var description: String {
        "Tensor<\(Scalar.dtypeName)>\(shape) \(NDArray.format(data))"
            + (isLeaf ? ", requiresGrad" : tape != nil ? ", computed" : "")
    }
}

// MARK: Recording

extension Tensor: DifferentiableScalar, GraphScalar, DifferentiableTensor {
    /// Records `operation` on the operands' tape (or the thread's current one for leaves) and
    /// returns the result.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    static func record(_ operation: TensorOperation, _ x: Tensor, _ y: Tensor) -> Tensor {
        let binary = operation.arity == 2
        let value = operation.forward(x.data, binary ? y.data : x.data)
        let tape: TensorTape<Scalar>
        if let t = x.tape {
            tape = t
            if binary, let u = y.tape, u !== t {
                requirementFailed("Tensor: \(operation.name) combines tensors from two different graphs (one ended by backward()); use detached() on the older one")
            }
        } else if binary, let u = y.tape {
            tape = u
        } else if x.leaf != nil || (binary && y.leaf != nil) {
            let context = RecordingContext.forThisThread
            if context.noGradDepth > 0 { return Tensor(value) }
            tape = context.currentTensorTape(Scalar.self)
        } else {
            return Tensor(value)
        }
        if tape.context.noGradDepth > 0 { return Tensor(value) }
        tape.requireThisThread(operation.name)
        let i = x.index(on: tape)
        let j = binary ? y.index(on: tape) : i
        let index = tape.append(operation, i, j, value)
        if let detector = tape.context.anomalyDetector { detector.recorded(on: tape, index) }
        return Tensor(primal: value, owner: tape, index: index)
    }

    func index(on tape: TensorTape<Scalar>) -> Int32 {
        if self.tape != nil { return index }
        if let leaf { return tape.index(of: leaf) }
        return tape.append(.leaf, -1, -1, primal, requiresGrad: false)
    }

    /// Records `primitive` elementwise (NumPy broadcasting for binary ones) on the operands' graph;
    /// a constant result when no operand requires grad or under no-grad. Operands from two
    /// different graphs stop.
    public static func apply(_ primitive: Primitive, _ x: Tensor, _ y: Tensor, constant c: Double) -> Tensor {
        record(.elementwise(primitive, constant: c), x, y)
    }

    /// A rank-0 constant holding `c`: it broadcasts against anything, and no gradient flows into
    /// it.
    public func constant(_ c: Double) -> Tensor { Tensor(NDArray(Scalar(c))) }

    /// The sum over `axes` (all when nil; −1 is the last), added pairwise as
    /// `NDArray.sum(axes:keepingDimensions:)`; with `keepingDimensions` the reduced axes stay with
    /// size 1 (PyTorch's `sum(dim, keepdim)`).  ∂/∂x: the seed broadcast back to x's shape.
    public func sum(axes: [Int]?, keepingDimensions: Bool) -> Tensor {
        Tensor.record(.sum(axes: axes, keepingDimensions: keepingDimensions), self, self)
    }

    /// Repeated along new or size-1 axes to `shape` (PyTorch's `expand`, materialised); `self` when
    /// the shape is already `shape`.  ∂/∂x: the seed summed back to x's shape. A shape this one
    /// does not broadcast to stops.
    public func broadcast(to shape: Shape) -> Tensor {
        shape == self.shape ? self : Tensor.record(.broadcast(shape), self, self)
    }

    /// The same elements, row-major, with another shape of the same count (PyTorch's `reshape`);
    /// `self` when the shape is unchanged.  ∂/∂x: the seed reshaped back. Another count stops.
    public func reshaped(_ shape: Shape) -> Tensor {
        shape == self.shape ? self : Tensor.record(.reshape(shape), self, self)
    }

    /// The axes reordered: axis k of the result is axis `permutation[k]` (PyTorch's `permute`).
    /// ∂/∂x: the seed permuted by the inverse permutation. Not a permutation of the axes: stops.
    public func permuted(_ permutation: [Int]) -> Tensor { Tensor.record(.permute(permutation), self, self) }

    /// op(a)·op(b) for operands of rank ≥ 2 (fewer axes stop), op transposing the last two axes
    /// when asked, without a transposed copy; batch axes broadcast, on `Kernels.threads` threads.
    /// For C = A·B: ∂/∂A = seed·Bᵀ, ∂/∂B = Aᵀ·seed (the transposed forms likewise).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposingA: Bool, transposingB: Bool) -> Tensor {
        require(a.rank >= 2 && b.rank >= 2, "matmul(transposing…): operands need at least 2 axes, got \(a.shape) and \(b.shape)")
        return record(.matmul(transposingA: transposingA, transposingB: transposingB), a, b)
    }

    /// The matrix product with NumPy's semantics (1-d operands promoted, batch axes broadcast).
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }

    /// The largest entries over `axes` (all when nil), NaN where any entry is NaN (PyTorch's
    /// `amax`). ∂/∂x: the seed shared equally among the entries equal to the result. An empty axis
    /// stops.
    public func max(axes: [Int]?, keepingDimensions: Bool) -> Tensor {
        Tensor.record(.reduceMaximum(axes: axes, keepingDimensions: keepingDimensions), self, self)
    }
    /// The smallest entries over `axes` (all when nil), NaN where any entry is NaN (PyTorch's
    /// `amin`). ∂/∂x: the seed shared equally among the entries equal to the result. An empty axis
    /// stops.
    public func min(axes: [Int]?, keepingDimensions: Bool) -> Tensor {
        Tensor.record(.reduceMinimum(axes: axes, keepingDimensions: keepingDimensions), self, self)
    }
    /// `array` as a constant tensor: no gradient flows into it.
    public func constant(_ array: NDArray<Scalar>) -> Tensor { Tensor(array) }
    /// The product over `axes` (all when nil; PyTorch's `prod`), 1 over an empty axis.
    /// ∂/∂xᵢ = seed · (the product of the other entries), exact when some entries are zero.
    public func product(axes: [Int]?, keepingDimensions: Bool) -> Tensor {
        Tensor.record(.reduceProduct(axes: axes, keepingDimensions: keepingDimensions), self, self)
    }
    /// im2col: an image batch [N, C, H, W] as patches [N, C·kh·kw, OH·OW], padding read as
    /// `padValue` (PyTorch's `F.unfold`).  ∂/∂x: the seed folded back (col2im), overlaps added.
    public func patches(_ geometry: PatchGeometry, padValue: Double) -> Tensor { Tensor.record(.unfold(geometry, padValue: padValue), self, self) }
    /// col2im: patches [N, C·kh·kw, OH·OW] added into an image of `shape`, overlaps summed
    /// (PyTorch's `F.fold`).  ∂/∂x: the seed unfolded.
    public func fromPatches(into shape: Shape, _ geometry: PatchGeometry) -> Tensor { Tensor.record(.fold(shape, geometry), self, self) }
    /// Max pooling of [N, C, H, W] over `geometry`'s windows (padding −∞, NaN winning; PyTorch's
    /// `F.max_pool2d`).  ∂/∂x: the seed routed to each window's maximum, the first of ties.
    public func maxPooled(_ geometry: PatchGeometry) -> Tensor { Tensor.record(.maxPool(geometry), self, self) }
    /// Zeros of self's shape with `values` ([N, C, OH, OW]) added at each window's maximum in
    /// self (max pooling's gradient).  ∂/∂values: the seed picked at the maxima; self: none.
    public func routedToPoolMaxima(_ values: Tensor, _ geometry: PatchGeometry) -> Tensor {
        Tensor.record(.routeToPoolMaxima(geometry), self, values)
    }
    /// `values` (self's shape) picked at each window's maximum in self: [N, C, OH, OW].
    /// ∂/∂values: the seed routed to the maxima; self: none.
    public func pickedAtPoolMaxima(_ values: Tensor, _ geometry: PatchGeometry) -> Tensor {
        Tensor.record(.pickAtPoolMaxima(geometry), self, values)
    }
    /// The same values with no gradient flowing back: ``detached()`` (PyTorch's `detach`).
    public func stoppingGradient() -> Tensor { detached() }
    /// The box `ranges[k]` along each leading axis k, later axes whole (PyTorch's `x[a:b, c:d]`).
    /// ∂/∂x: the seed placed into zeros of x's shape. A range out of bounds stops.
    public func slice(_ ranges: [Range<Int>]) -> Tensor { Tensor.record(.slice(ranges), self, self) }
    /// Zeros of `shape` holding this tensor in the box starting at `origin` (the inverse of
    /// ``slice(_:)``).  ∂/∂x: that box sliced out of the seed.
    public func placed(into shape: Shape, at origin: [Int]) -> Tensor { Tensor.record(.place(shape, origin: origin), self, self) }
    /// The entries at `indices` along `axis` (PyTorch's `index_select`; −1 is the last axis);
    /// indices may repeat.  ∂/∂x: the seed index-added into zeros. An index out of range stops.
    /// (PyTorch's `gather` is ``gather(indices:axis:)``.)
    public func indexSelect(_ indices: [Int], axis: Int) -> Tensor { Tensor.record(.indexSelect(indices, axis: axis), self, self) }
    /// Zeros of `shape` with this tensor added at `indices` along `axis`, repeated indices adding
    /// up (PyTorch's `index_add` into zeros).  ∂/∂x: the seed index-selected at the same indices.
    public func indexAdding(into shape: Shape, indices: [Int], axis: Int) -> Tensor {
        Tensor.record(.indexAdd(shape, indices: indices, axis: axis), self, self)
    }
}
