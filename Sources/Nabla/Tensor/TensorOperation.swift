/// The operations a tensor graph is made of: every scalar ``Primitive`` applied elementwise
/// (declared once, in `Ops/Rules/`, for scalars and tensors alike), and the structural
/// operations that only tensors have. Each has its forward computation on `NDArray` and its
/// derivative rule written in the ``DifferentiableTensor`` algebra, so it serves the dynamic
/// engine and second order alike.
///
/// Broadcasting is undone in one place: backward sums each operand's gradient back to the
/// operand's shape (``DifferentiableTensor/summed(toShape:)``), so no rule deals with it.
public enum TensorOperation: Sendable, Equatable {
    /// A leaf (input or parameter) or a constant: no operands.
    case leaf
    /// A scalar primitive applied elementwise, with NumPy broadcasting for binary ones.
    case elementwise(Primitive, constant: Double)
    /// The sum over `axes` (all when nil).  ∂/∂x: the seed broadcast back to x's shape.
    case sum(axes: [Int]?, keepingDimensions: Bool)
    /// Repetition to a larger shape.  ∂/∂x: the seed summed back to x's shape.
    case broadcast(Shape)
    /// The same elements with another shape.  ∂/∂x: the seed reshaped back.
    case reshape(Shape)
    /// Axes reordered.  ∂/∂x: the seed permuted by the inverse permutation.
    case permute([Int])
    /// op(A)·op(B) for operands of rank ≥ 2, op transposing the last two axes when flagged;
    /// batch axes broadcast. For C = A·B: ∂/∂A = seed·Bᵀ, ∂/∂B = Aᵀ·seed; the transposed forms
    /// follow by transposing these (see `pullback`), all computed without transposed copies.
    case matmul(transposingA: Bool, transposingB: Bool)
    /// The largest (or smallest) entries over `axes`, NaN where any entry is NaN; over an empty
    /// axis a programmer error (as PyTorch).  ∂/∂x: the seed, shared equally among the entries
    /// equal to the result (as PyTorch's amax/amin).
    case reduceMaximum(axes: [Int]?, keepingDimensions: Bool)
    /// The smallest entries over `axes`: as ``reduceMaximum(axes:keepingDimensions:)``, NaN winning
    /// likewise (PyTorch's amin).
    case reduceMinimum(axes: [Int]?, keepingDimensions: Bool)
    /// The product over `axes`.  ∂/∂x_i = seed · (product of the other entries), exact with
    /// zeros among them, as PyTorch.
    case reduceProduct(axes: [Int]?, keepingDimensions: Bool)
    /// A box of x.  ∂/∂x: the seed placed into zeros of x's shape.
    case slice([Range<Int>])
    /// x placed into zeros of a larger shape.  ∂/∂x: the box sliced out of the seed.
    case place(Shape, origin: [Int])
    /// Entries at integer indices along an axis (PyTorch's `index_select`).  ∂/∂x: the seed
    /// index-added into zeros.
    case indexSelect([Int], axis: Int)
    /// x added at integer indices along an axis into zeros of a shape (PyTorch's `index_add`
    /// into zeros).  ∂/∂x: the seed index-selected at the same indices.
    case indexAdd(Shape, indices: [Int], axis: Int)
    /// x itself, with no gradient flowing back (JAX's stop_gradient, PyTorch's detach).
    case stopGradient
    /// im2col: an image batch [N, C, H, W] as patches [N, C·kh·kw, OH·OW] (the padding filled
    /// with `padValue`).  ∂/∂x: the seed folded back (col2im), overlaps added.
    case unfold(PatchGeometry, padValue: Double)
    /// col2im: patches added back into an image of the given shape.  ∂/∂x: the seed unfolded.
    case fold(Shape, PatchGeometry)
    /// Max pooling of an image batch [N, C, H, W] over a geometry's windows: each window's largest
    /// entry (padding −∞, NaN winning), as PyTorch's `max_pool2d`.  ∂/∂x: the seed routed to each
    /// window's maximum (``routeToPoolMaxima(_:)``; the first of tied maxima, as PyTorch).
    case maxPool(PatchGeometry)
    /// Zeros of x's shape with y, one value per pooling window, added at each window's maximum
    /// in x (max pooling's gradient). Linear in y; x only chooses the positions, which are
    /// constant where the maxima are unique.  ∂/∂x: none;  ∂/∂y: the seed picked at the maxima.
    case routeToPoolMaxima(PatchGeometry)
    /// y, of x's shape, picked at each window's maximum in x: one value per pooling window (the
    /// transpose of ``routeToPoolMaxima(_:)``).  ∂/∂x: none;  ∂/∂y: the seed routed to the maxima.
    case pickAtPoolMaxima(PatchGeometry)

    /// How many operands the operation reads: 0 for a leaf, 2 for binary primitives and `matmul`,
    /// 1 otherwise.
    @inlinable public var arity: Int {
        switch self {
        case .leaf: 0
        case .elementwise(let p, _): p.arity
        case .matmul, .routeToPoolMaxima, .pickAtPoolMaxima: 2
        default: 1
        }
    }

    /// A short lower-case name (`"sum"`, `"matmul"`, a primitive's own name for elementwise ops),
    /// used in error messages and exports.
    public var name: String {
        switch self {
        case .leaf: "leaf"
        case .elementwise(let p, _): p.name
        case .sum: "sum"
        case .broadcast: "broadcast"
        case .reshape: "reshape"
        case .permute: "permute"
        case .matmul: "matmul"
        case .reduceMaximum: "max"
        case .reduceMinimum: "min"
        case .reduceProduct: "prod"
        case .slice: "slice"
        case .place: "place"
        case .indexSelect: "index_select"
        case .indexAdd: "index_add"
        case .stopGradient: "stop_gradient"
        case .unfold: "unfold"
        case .fold: "fold"
        case .maxPool: "max_pool2d"
        case .routeToPoolMaxima: "route_to_pool_maxima"
        case .pickAtPoolMaxima: "pick_at_pool_maxima"
        }
    }

    /// The forward computation on arrays (`x` alone for unary operations; `matmul` runs on
    /// `Kernels.threads` threads). Shapes that do not fit stop, as the `NDArray` operation does.
    @inlinable
    public func forward<S>(_ x: NDArray<S>, _ y: NDArray<S>) -> NDArray<S> {
        switch self {
        case .leaf: return x
        case .elementwise(let p, let c): return NDArray.apply(p, x, y, constant: c)
        case .sum(let axes, let keep): return x.sum(axes: axes, keepingDimensions: keep)
        case .broadcast(let shape): return x.broadcast(to: shape)
        case .reshape(let shape): return x.reshaped(shape)
        case .permute(let p): return x.permuted(p)
        case .matmul(let ta, let tb): return NDArray.matmul(x, y, transposingA: ta, transposingB: tb, threads: Kernels.threads)
        case .reduceMaximum(let axes, let keep):
            requireElements(x.shape, axes)
            // NaN wins (a NaN result stays, a NaN entry is taken), as PyTorch's amax.
            return x.reduce(axes: axes, keepingDimensions: keep, initial: -.infinity) { $0 > $1 || $0.isNaN ? $0 : $1 }
        case .reduceMinimum(let axes, let keep):
            requireElements(x.shape, axes)
            return x.reduce(axes: axes, keepingDimensions: keep, initial: .infinity) { $0 < $1 || $0.isNaN ? $0 : $1 }
        case .reduceProduct(let axes, let keep): return x.reduce(axes: axes, keepingDimensions: keep, initial: 1, *)
        case .slice(let ranges): return x.slice(ranges)
        case .place(let shape, let origin): return x.placed(into: shape, at: origin)
        case .indexSelect(let indices, let axis): return x.indexSelect(indices, axis: axis)
        case .indexAdd(let shape, let indices, let axis): return x.indexAdding(into: shape, indices: indices, axis: axis)
        case .stopGradient: return x
        case .unfold(let g, let padValue): return x.unfolded(g, padValue: S(padValue))
        case .fold(let shape, let g): return x.folded(into: shape, g)
        case .maxPool(let g): return x.maxPooled(g)
        case .routeToPoolMaxima(let g): return x.routedToPoolMaxima(y, g)
        case .pickAtPoolMaxima(let g): return x.pickedAtPoolMaxima(y, g)
        }
    }

    /// Stops unless every reduced axis has elements: the largest or smallest of no numbers is
    /// undefined (PyTorch raises; a sum of none is 0 and a product 1, so those reduce anything).
    @inlinable
    func requireElements(_ shape: Shape, _ axes: [Int]?) {
        let empty = (axes ?? Array(0..<shape.rank)).contains { shape.rank > 0 && shape[shape.axis($0, function: name)] == 0 }
        require(!empty, "\(name): reducing \(shape) over axes \(axes.map { "\($0)" } ?? "all") takes the \(name) of no elements (an axis of size 0)")
    }

    /// The vector-Jacobian product, before broadcasting is undone: (∂L/∂x, ∂L/∂y), nil for zero.
    /// `needs` says which operands want a gradient (a constant does not): costly rules skip the
    /// others, as PyTorch's `needs_input_grad` lets them.
    @inlinable
    public func pullback<T: DifferentiableTensor>(_ x: T, _ y: T, output: T, seed: T, needs: (Bool, Bool) = (true, true)) -> (T?, T?) {
        switch self {
        case .leaf, .stopGradient:
            return (nil, nil)
        case .elementwise(let p, let c):
            return p.pullback(x, y, output: output, constant: c, seed: seed)
        case .sum(let axes, let keep):
            var kept = x.shape.dimensions
            for axis in axes ?? Array(0..<x.shape.rank) { kept[x.shape.axis(axis)] = 1 }
            let restored = keep ? seed : seed.reshaped(Shape(kept))
            return (restored.broadcast(to: x.shape), nil)
        case .broadcast:
            return (seed.summed(toShape: x.shape), nil)
        case .reshape:
            return (seed.reshaped(x.shape), nil)
        case .permute(let p):
            var inverse = [Int](repeating: 0, count: p.count)
            for (k, axis) in p.enumerated() { inverse[axis] = k }
            return (seed.permuted(inverse), nil)
        case .reduceMaximum(let axes, let keep), .reduceMinimum(let axes, let keep):
            var kept = x.shape.dimensions
            for axis in axes ?? Array(0..<x.shape.rank) { kept[x.shape.axis(axis)] = 1 }
            let extreme = (keep ? output : output.reshaped(Shape(kept))).broadcast(to: x.shape)
            // 1 where x equals the result (both differences ≥ 0); the step has derivative zero.
            let mask = heaviside(x - extreme, atZero: 1) * heaviside(extreme - x, atZero: 1)
            let ties = mask.sum(axes: axes, keepingDimensions: true).broadcast(to: x.shape)
            return ((keep ? seed : seed.reshaped(Shape(kept))).broadcast(to: x.shape) * mask / ties, nil)
        case .reduceProduct(let axes, let keep):
            // ∂/∂x_i is the product of the other entries. Without zeros that is product / x_i;
            // with one zero it is the product of the nonzero entries at the zero and 0 elsewhere;
            // with two or more, 0 everywhere (as PyTorch computes it). `masked` keeps the
            // branches not taken (divisions by zero) out.
            var kept = x.shape.dimensions
            for axis in axes ?? Array(0..<x.shape.rank) { kept[x.shape.axis(axis)] = 1 }
            let zero = x.equal(to: x.constant(0))
            let zeros = zero.sum(axes: axes, keepingDimensions: true).broadcast(to: x.shape)
            let nonzeroProduct = (x + zero).product(axes: axes, keepingDimensions: true).broadcast(to: x.shape)
            let noZeros = zeros.less(than: zeros.constant(0.5))
            let oneZero = zeros.equal(to: zeros.constant(1))
            let others = masked(1 - zero, masked(noZeros, nonzeroProduct / (x + zero)))
                + masked(zero, masked(oneZero, nonzeroProduct))
            return ((keep ? seed : seed.reshaped(Shape(kept))).broadcast(to: x.shape) * others, nil)
        case .slice(let ranges):
            return (seed.placed(into: x.shape, at: (0..<x.shape.rank).map { $0 < ranges.count ? ranges[$0].lowerBound : 0 }), nil)
        case .place(_, let origin):
            return (seed.slice(zip(origin, x.shape.dimensions).map { $0..<($0 + $1) }), nil)
        case .indexSelect(let indices, let axis):
            return (seed.indexAdding(into: x.shape, indices: indices, axis: axis), nil)
        case .indexAdd(_, let indices, let axis):
            return (seed.indexSelect(indices, axis: axis), nil)
        case .unfold(let g, _):
            return (seed.fromPatches(into: x.shape, g), nil)
        case .fold(_, let g):
            return (seed.patches(g, padValue: 0), nil)
        case .maxPool(let g):
            return (x.routedToPoolMaxima(seed, g), nil)
        case .routeToPoolMaxima(let g):
            return (nil, needs.1 ? x.pickedAtPoolMaxima(seed, g) : nil)
        case .pickAtPoolMaxima(let g):
            return (nil, needs.1 ? x.routedToPoolMaxima(seed, g) : nil)
        case .matmul(let ta, let tb):
            func product(_ a: T, _ b: T, _ transposeA: Bool, _ transposeB: Bool) -> T {
                T.matmul(a, b, transposingA: transposeA, transposingB: transposeB)
            }
            switch (ta, tb) {
            case (false, false):   // C = A B:   dA = seed Bᵀ,   dB = Aᵀ seed
                return (needs.0 ? product(seed, y, false, true) : nil, needs.1 ? product(x, seed, true, false) : nil)
            case (true, false):    // C = Aᵀ B:  dA = B seedᵀ,   dB = A seed
                return (needs.0 ? product(y, seed, false, true) : nil, needs.1 ? product(x, seed, false, false) : nil)
            case (false, true):    // C = A Bᵀ:  dA = seed B,    dB = seedᵀ A
                return (needs.0 ? product(seed, y, false, false) : nil, needs.1 ? product(seed, x, true, false) : nil)
            case (true, true):     // C = Aᵀ Bᵀ: dA = Bᵀ seedᵀ,  dB = seedᵀ Aᵀ
                return (needs.0 ? product(y, seed, true, true) : nil, needs.1 ? product(seed, x, true, true) : nil)
            }
        }
    }

    /// The Jacobian-vector product: given the operands, the output and the operands' tangents
    /// (ẋ, ẏ; nil for zero), returns the output's tangent (nil for zero). It is the forward-mode
    /// face of the same declaration as `pullback` above, and is derived from it where the
    /// mathematics allows:
    /// - an elementwise primitive's pullback multiplies the seed by its partial derivatives, so
    ///   its tangent is that pullback seeded with the operand tangents (broadcast to the output's
    ///   shape): ∂f/∂x·ẋ + ∂f/∂y·ẏ;
    /// - max, min and product over axes: the pullback seeded with ones is the coefficient tensor
    ///   C = ∂out/∂x (broadcast to x's shape), and the tangent is the sum of C ⊙ ẋ over the
    ///   reduced axes;
    /// - the linear structural operations are their own tangent (the operation applied to ẋ;
    ///   im2col pads the tangent with 0, as the padding is constant);
    /// - matmul is bilinear: op(Ȧ)·op(B) + op(A)·op(Ḃ);
    /// - max pooling picks the tangent at the maxima; routing to and picking at the maxima are
    ///   linear in their second operand and constant in the first (which only chooses positions);
    /// - stop_gradient and leaves: zero.
    /// Like `pullback`, it is written in the ``DifferentiableTensor`` algebra, so a tangent
    /// computed in a recorded algebra can be differentiated again.
    @inlinable
    public func tangent<T: DifferentiableTensor>(_ x: T, _ y: T, output: T, tangents: (T?, T?)) -> T? {
        func add(_ a: T?, _ b: T?) -> T? {
            guard let a else { return b }
            guard let b else { return a }
            return a + b
        }
        guard let dx = tangents.0 else {
            // Only ẏ: a binary operation.
            guard arity == 2, let dy = tangents.1 else { return nil }
            return tangentAlongSecond(x, y, output: output, dy)
        }
        switch self {
        case .leaf, .stopGradient:
            return nil
        case .elementwise(let p, let c):
            let first = p.pullback(x, y, output: output, constant: c, seed: dx.broadcast(to: output.shape)).0
            let second = p.arity == 2 ? tangents.1.flatMap { tangentAlongSecond(x, y, output: output, $0) } : nil
            return add(first.map { $0.broadcast(to: output.shape) }, second)
        case .matmul(let ta, let tb):
            let first = T.matmul(dx, y, transposingA: ta, transposingB: tb)
            return add(first, tangents.1.flatMap { tangentAlongSecond(x, y, output: output, $0) })
        case .reduceMaximum(let axes, let keep), .reduceMinimum(let axes, let keep), .reduceProduct(let axes, let keep):
            let ones = output.constant(NDArray<T.Scalar>.ones(output.shape))
            guard let coefficients = pullback(x, y, output: output, seed: ones, needs: (true, false)).0 else { return nil }
            return (coefficients * dx).sum(axes: axes, keepingDimensions: keep)
        case .sum(let axes, let keep): return dx.sum(axes: axes, keepingDimensions: keep)
        case .broadcast(let shape): return dx.broadcast(to: shape)
        case .reshape(let shape): return dx.reshaped(shape)
        case .permute(let p): return dx.permuted(p)
        case .slice(let ranges): return dx.slice(ranges)
        case .place(let shape, let origin): return dx.placed(into: shape, at: origin)
        case .indexSelect(let indices, let axis): return dx.indexSelect(indices, axis: axis)
        case .indexAdd(let shape, let indices, let axis): return dx.indexAdding(into: shape, indices: indices, axis: axis)
        case .unfold(let g, _): return dx.patches(g, padValue: 0)
        case .fold(let shape, let g): return dx.fromPatches(into: shape, g)
        case .maxPool(let g): return x.pickedAtPoolMaxima(dx, g)
        case .routeToPoolMaxima, .pickAtPoolMaxima:
            return tangents.1.flatMap { tangentAlongSecond(x, y, output: output, $0) }
        }
    }

    /// The part of the tangent due to the second operand's tangent ẏ (binary operations only).
    @inlinable
    func tangentAlongSecond<T: DifferentiableTensor>(_ x: T, _ y: T, output: T, _ dy: T) -> T? {
        switch self {
        case .elementwise(let p, let c):
            return p.pullback(x, y, output: output, constant: c, seed: dy.broadcast(to: output.shape)).1.map { $0.broadcast(to: output.shape) }
        case .matmul(let ta, let tb):
            return T.matmul(x, dy, transposingA: ta, transposingB: tb)
        case .routeToPoolMaxima(let g):
            return x.routedToPoolMaxima(dy, g)
        case .pickAtPoolMaxima(let g):
            return x.pickedAtPoolMaxima(dy, g)
        default:
            return nil
        }
    }
}
