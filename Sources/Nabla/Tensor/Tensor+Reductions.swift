// Reductions a PyTorch user reaches for: logSumExp over several axes, argmax/argmin, cumulative
// sums and products, norms and the standard deviation. Composites of the primitives, written once
// over `DifferentiableTensor`, so dynamic tensors and static symbols both get them, with first
// and second derivatives from the primitives' rules.

extension DifferentiableTensor {
    /// The axes `axes` (all when nil) as nonnegative, sorted, without repeats.
    func normalizedAxes(_ axes: [Int]?) -> [Int] {
        Array(Set((axes ?? Array(0..<shape.rank)).map { shape.axis($0) })).sorted()
    }

    /// The shape with `axes` removed (or kept with size 1 when `keeping`).
    func reducedShape(_ axes: [Int], keeping: Bool) -> Shape {
        Shape(shape.dimensions.enumerated().compactMap { axes.contains($0.offset) ? (keeping ? 1 : nil) : $0.element })
    }

    /// √s for s ≥ 0 with derivative 0 at s = 0 (PyTorch's rule for norms and `std` at 0, where
    /// 1/(2√s) is infinite): √(s + [s = 0]) masked by [s > 0], so the branch at 0 is exactly 0
    /// and no gradient reaches it; elsewhere exactly √s.
    func squareRootWithZeroGradientAtZero() -> Self {
        let positive = heaviside(self, atZero: 0)
        let zero = heaviside(-self, atZero: 1)
        return masked(positive, sqrt(self + zero)) + (positive - positive)
    }

    /// log Σ exp(x) over `axes` (all when nil), PyTorch's `torch.logsumexp(x, dim=axes,
    /// keepdim=keepingDimensions)`: computed stably as m + log Σ exp(x − m) with m the maximum
    /// over the axes (a constant for differentiation, replaced by 0 where it is ±∞ or NaN, as
    /// PyTorch does, so a slice of −∞ gives −∞). ∂/∂x = softmax over the axes. Shape: x's with
    /// `axes` removed, or kept with size 1 when `keepingDimensions`.
    public func logSumExp(axes: [Int]?, keepingDimensions: Bool = false) -> Self {
        let reduced = normalizedAxes(axes)
        let maximum = max(axes: reduced, keepingDimensions: true).stoppingGradient()
        let finite = heaviside(maximum.constant(Double(Scalar.greatestFiniteMagnitude)) - abs(maximum), atZero: 1)
        let shift = masked(finite, maximum)
        let result = log(exp(self - shift).sum(axes: reduced, keepingDimensions: true)) + shift
        return keepingDimensions ? result : result.reshaped(reducedShape(reduced, keeping: false))
    }

    /// The index of the first largest entry along `axis`, or of the flattened tensor when `axis`
    /// is nil (PyTorch's `torch.argmax(x, dim=axis, keepdim=keepingDimensions)`; at a tie the
    /// first index, as PyTorch). The indices are returned as a tensor of `Scalar` values
    /// (0, 1, 2, … exactly, up to 2²⁴ in Float), so they stay in the graph of either mode; read
    /// them with `Int(...)`. The result has no gradient (its derivative is zero). Shape: x's with
    /// `axis` removed (kept with size 1 when `keepingDimensions`); a scalar for nil (shape [1, …, 1]
    /// when keeping). ±∞ compare as PyTorch's; a NaN entry makes the index NaN (PyTorch returns
    /// the NaN's index).
    public func argmax(axis: Int? = nil, keepingDimensions: Bool = false) -> Self {
        firstIndexOfExtreme(axis: axis, keepingDimensions: keepingDimensions, largest: true)
    }

    /// The index of the first smallest entry along `axis`, or of the flattened tensor when `axis`
    /// is nil (PyTorch's `torch.argmin(x, dim=axis, keepdim=keepingDimensions)`); as ``argmax(axis:keepingDimensions:)``.
    public func argmin(axis: Int? = nil, keepingDimensions: Bool = false) -> Self {
        firstIndexOfExtreme(axis: axis, keepingDimensions: keepingDimensions, largest: false)
    }

    /// n − max over the axis of [x = extreme]·(n − i): the smallest index i at an extreme entry.
    /// ±∞ are first clamped to ±greatestFiniteMagnitude (exactly, by masking), so x − extreme is
    /// never ∞ − ∞.
    func firstIndexOfExtreme(axis: Int?, keepingDimensions: Bool, largest: Bool) -> Self {
        let greatest = Double(Scalar.greatestFiniteMagnitude)
        let x = stoppingGradient().clamped(to: -greatest...greatest)
        guard let axis else {
            let flat = x.reshaped([shape.count]).firstIndexOfExtreme(axis: 0, keepingDimensions: false, largest: largest)
            return keepingDimensions ? flat.reshaped(Shape([Int](repeating: 1, count: shape.rank))) : flat.reshaped([])
        }
        let a = shape.axis(axis), n = shape[a]
        guard shapesHold(n > 0, TensorShapeError(operation: largest ? "argmax" : "argmin", shapes: [shape], reason: "axis \(axis) is empty"))
        else { return self }
        let extreme = largest ? x.max(axes: [a], keepingDimensions: true) : x.min(axes: [a], keepingDimensions: true)
        let atExtreme = x.equal(to: extreme)
        var countdownShape = [Int](repeating: 1, count: shape.rank)
        countdownShape[a] = n
        let countdown = constant(NDArray(shape: Shape(countdownShape), checkedScalars: (0..<n).map { Scalar(n - $0) }))
        let best = masked(atExtreme, countdown.broadcast(to: shape)).max(axes: [a], keepingDimensions: keepingDimensions)
        return (constant(Double(n)) - best).stoppingGradient()
    }

    /// The running sum along `axis`: yᵢ = Σ_{j ≤ i} xⱼ (PyTorch's `torch.cumsum(x, dim=axis)`).
    /// Computed as a matrix product with the upper-triangular matrix of ones, so ∂/∂xⱼ =
    /// Σ_{i ≥ j} seedᵢ (the reversed running sum of the seed), and the second derivative is zero.
    /// As the product multiplies by the zeros above the diagonal too, an infinite or NaN entry
    /// makes the entries before it NaN as well (PyTorch leaves them finite). Shape: x's.
    public func cumulativeSum(axis: Int) -> Self {
        guard shape.rank > 0 else { return self }
        let a = shape.axis(axis), n = shape[a]
        var ones = [Scalar](repeating: 0, count: n * n)
        for j in 0..<n { for i in j..<n { ones[j * n + i] = 1 } }
        let upper = constant(NDArray(shape: [n, n], checkedScalars: ones))
        let last = shape.rank - 1
        var swap = Array(0..<shape.rank)
        swap.swapAt(a, last)
        let moved = a == last ? self : permuted(swap)
        let summed = moved.matmul(upper)
        return a == last ? summed : summed.permuted(swap)
    }

    /// The running product along `axis`: yᵢ = Π_{j ≤ i} xⱼ (PyTorch's `torch.cumprod(x,
    /// dim=axis)`). Each yᵢ is the product of x with the entries after i replaced by exactly 1
    /// (an n × n expansion along the axis), so values are those of a running product and the
    /// derivative is the product rule's: ∂yᵢ/∂xⱼ = Π_{k ≤ i, k ≠ j} xₖ for j ≤ i, exact with zeros
    /// (with one zero among x₀…xᵢ, only the zero's own derivative is nonzero; with two or more,
    /// none is), as PyTorch computes it; second derivatives the same way. Shape: x's; memory n
    /// times x's along the axis.
    public func cumulativeProduct(axis: Int) -> Self {
        guard shape.rank > 0 else { return self }
        let a = shape.axis(axis), n = shape[a]
        // x with a new axis after `a` (index j), repeated along a new axis at `a` (index i).
        var expandedDimensions = shape.dimensions
        expandedDimensions.insert(1, at: a)
        var fullDimensions = shape.dimensions
        fullDimensions.insert(n, at: a)
        var keep = [Scalar](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0...i { keep[i * n + j] = 1 } }
        var maskDimensions = [Int](repeating: 1, count: shape.rank + 1)
        maskDimensions[a] = n
        maskDimensions[a + 1] = n
        let lower = constant(NDArray(shape: Shape(maskDimensions), checkedScalars: keep)).broadcast(to: Shape(fullDimensions))
        let repeated = reshaped(Shape(expandedDimensions)).broadcast(to: Shape(fullDimensions))
        let padded = masked(lower, repeated) + (1 - lower)
        return padded.product(axes: [a + 1], keepingDimensions: false)
    }

    /// The vector p-norm over `axes` (all when nil): (Σ |x|ᵖ)^(1/p) for 0 < p < ∞, max |x| for
    /// p = ∞ and min |x| for p = −∞ (PyTorch's `torch.linalg.vector_norm(x, ord=p, dim=axes,
    /// keepdim=keepingDimensions)`; p = 2, the default, is the Euclidean norm; over a matrix's two
    /// axes it is the Frobenius norm, see ``frobeniusNorm(axes:keepingDimensions:)``). Gradients
    /// as PyTorch's: for p = 1, sign x (0 at 0); for p = 2, x / ‖x‖, and 0 where the norm is 0
    /// (not NaN); for other finite p, x |x|ᵖ⁻² / ‖x‖ᵖ⁻¹, 0 where the norm is 0; for ±∞, sign x
    /// shared equally among the entries reaching the norm. Shape: x's with `axes` removed, or
    /// kept with size 1 when `keepingDimensions`.
    public func norm(p: Double = 2, axes: [Int]? = nil, keepingDimensions: Bool = false) -> Self {
        require(p > 0 || p == -.infinity, "norm: order p = \(p) is not supported (p > 0, ∞ or −∞)")
        let reduced = normalizedAxes(axes)
        let magnitude = abs(self)
        if p == .infinity { return magnitude.max(axes: reduced, keepingDimensions: keepingDimensions) }
        if p == -.infinity { return magnitude.min(axes: reduced, keepingDimensions: keepingDimensions) }
        if p == 1 { return magnitude.sum(axes: reduced, keepingDimensions: keepingDimensions) }
        if p == 2 { return (self * self).sum(axes: reduced, keepingDimensions: keepingDimensions).squareRootWithZeroGradientAtZero() }
        let s = pow(magnitude, p).sum(axes: reduced, keepingDimensions: keepingDimensions)
        let positive = heaviside(s, atZero: 0)
        return masked(positive, pow(s + heaviside(-s, atZero: 1), 1 / p)) + (positive - positive)
    }

    /// The Frobenius norm √(Σ xᵢⱼ²) over the two `axes` (the last two by default) — PyTorch's
    /// `torch.linalg.matrix_norm(x, ord='fro', dim=axes, keepdim=keepingDimensions)`, i.e.
    /// `norm(p: 2, axes:)`; gradient x / ‖x‖, 0 where the norm is 0. Shape: x's without the two
    /// axes (kept with size 1 when `keepingDimensions`).
    public func frobeniusNorm(axes: [Int] = [-2, -1], keepingDimensions: Bool = false) -> Self {
        guard shapesHold(shape.rank >= 2 && axes.count == 2 && Set(axes.map { shape.axis($0) }).count == 2,
                         TensorShapeError(operation: "frobeniusNorm", shapes: [shape], reason: "needs two distinct axes, got \(axes)"))
        else { return self }
        return norm(p: 2, axes: axes, keepingDimensions: keepingDimensions)
    }

    /// The standard deviation over `axes` (all when nil): √variance, with the variance's
    /// correction (Σ (x − mean)² / max(n − correction, 0); PyTorch's `torch.std(x, dim=axes,
    /// correction=correction, keepdim=keepingDimensions)`, default correction 1). As PyTorch,
    /// the gradient is 0 where the standard deviation is 0, and n ≤ correction gives NaN. Shape:
    /// as ``variance(axes:keepingDimensions:correction:)``.
    public func standardDeviation(axes: [Int]? = nil, keepingDimensions: Bool = false, correction: Int = 1) -> Self {
        variance(axes: axes, keepingDimensions: keepingDimensions, correction: correction).squareRootWithZeroGradientAtZero()
    }

    /// PyTorch's name for ``standardDeviation(axes:keepingDimensions:correction:)``.
    public func std(axes: [Int]? = nil, keepingDimensions: Bool = false, correction: Int = 1) -> Self {
        standardDeviation(axes: axes, keepingDimensions: keepingDimensions, correction: correction)
    }
}
