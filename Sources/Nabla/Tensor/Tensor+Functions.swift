// Composite tensor functions, built from the primitives (so their gradients come for free).

extension DifferentiableTensor {
    /// The sum of every element, or over `axes`.
    public func sum() -> Self { sum(axes: nil, keepingDimensions: false) }

    /// The mean over `axes` (all when nil): the sum (added pairwise, see `NDArray.sum`) over the
    /// number of entries; NaN for no entries, as in PyTorch (0 · 1/0).
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Self {
        let count = (axes ?? Array(0..<shape.rank)).reduce(1) { $0 * shape[shape.axis($1)] }
        return sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Double(count))
    }

    /// The matrix product `self @ other` with NumPy's semantics: a 1-d operand is promoted to a
    /// row (on the left) or a column (on the right) and the added axis removed afterwards; batch
    /// axes broadcast.
    public func matmul(_ other: Self) -> Self {
        guard shapesHold(shape.rank >= 1 && other.shape.rank >= 1,
                         TensorShapeError(operation: "matmul", shapes: [shape, other.shape], reason: "operands need at least 1 axis"))
        else { return self }
        let left = shape.rank == 1 ? reshaped([1, shape[0]]) : self
        let right = other.shape.rank == 1 ? other.reshaped([other.shape[0], 1]) : other
        let product = Self.matmul(left, right, transposingA: false, transposingB: false)
        guard shape.rank == 1 || other.shape.rank == 1 else { return product }
        var dimensions = Array(product.shape.dimensions.dropLast(2))
        if shape.rank != 1 { dimensions.append(product.shape[product.shape.rank - 2]) }
        if other.shape.rank != 1 { dimensions.append(product.shape[product.shape.rank - 1]) }
        return product.reshaped(Shape(dimensions))
    }

    /// Mean squared error against `target`.
    public func meanSquaredError(_ target: Self) -> Self {
        let difference = self - target
        return (difference * difference).mean()
    }
}

extension DifferentiableTensor {
    /// x − m along `axis`, and m: the largest entry along the axis (a constant: its gradient is
    /// stopped, as the functions below do not depend on it), replaced by 0 where it is ±∞ or
    /// NaN, as PyTorch does (so a row of −∞ gives log Σ exp = −∞, not NaN). The entries of x − m
    /// are ≤ 0 and one is 0, so exp of them neither overflows nor underflows the sum; and x − m
    /// is exact for entries near m, which keeps the digits that x − log Σ exp(x) would round
    /// away when |x| is large (in Float, softmax([10⁴, 10⁴]) would come out 0.49989).
    func shiftedByMaximum(axis: Int) -> (shifted: Self, maximum: Self) {
        let maximum = max(axes: [axis], keepingDimensions: true).stoppingGradient()
        let finite = heaviside(maximum.constant(Double(Scalar.greatestFiniteMagnitude)) - abs(maximum), atZero: 1)
        let shift = masked(finite, maximum)
        return (self - shift, shift)
    }

    /// log Σ exp(x) along `axis`, computed stably as m + log Σ exp(x − m) with m the maximum
    /// along the axis (a constant for differentiation; ±∞ replaced by 0, as PyTorch does).
    public func logSumExp(axis: Int, keepingDimensions: Bool = false) -> Self {
        let (shifted, maximum) = shiftedByMaximum(axis: axis)
        let result = log(exp(shifted).sum(axes: [axis], keepingDimensions: true)) + maximum
        return keepingDimensions ? result : result.reshaped(Shape(shape.dimensions.enumerated().filter { $0.offset != shape.axis(axis) }.map(\.element)))
    }

    /// log softmax along `axis`: (x − m) − log Σ exp(x − m), m the maximum along the axis
    /// (mathematically x − log Σ exp(x), whose derivative is 1 − softmax(x); written with m,
    /// the digits of x − m are kept where |x| is large).
    public func logSoftmax(axis: Int = -1) -> Self {
        let shifted = shiftedByMaximum(axis: axis).shifted
        return shifted - log(exp(shifted).sum(axes: [axis], keepingDimensions: true))
    }

    /// softmax along `axis`: exp(x − m) / Σ exp(x − m), m the maximum along the axis
    /// (mathematically exp(x) / Σ exp(x)).
    public func softmax(axis: Int = -1) -> Self {
        let e = exp(shiftedByMaximum(axis: axis).shifted)
        return e / e.sum(axes: [axis], keepingDimensions: true)
    }

    /// Cross-entropy of logits [N, C] against integer class labels (N of them), averaged over
    /// the batch: mean of −log softmax(z_i)[y_i] = logΣexp(z_i) − z_i[y_i]. The label's entry is
    /// picked with `masked`, so a logit of −∞ elsewhere in the row leaves the loss and its
    /// gradient finite (as PyTorch: 0.3133 for [−∞, 0, 1] with label 2).
    public func crossEntropy(labels: [Int]) -> Self {
        require(shape.rank == 2 && shape[0] == labels.count, "crossEntropy: logits of shape \(shape) for \(labels.count) labels")
        let classes = shape[1]
        var oneHot = [Scalar](repeating: 0, count: shape.count)
        for (i, label) in labels.enumerated() {
            require(label >= 0 && label < classes, "crossEntropy: label \(label) at \(i) is not a class in 0..<\(classes)")
            oneHot[i * classes + label] = 1
        }
        let picked = masked(constant(NDArray(shape: shape, checkedScalars: oneHot)), logSoftmax(axis: 1)).sum(axes: [1], keepingDimensions: false)
        return -picked.mean()
    }
}

// MARK: Comparisons and selection (composites; comparisons have derivative zero)

extension DifferentiableTensor {
    /// 1 where self > other, else 0 (PyTorch's `gt`, as numbers). Broadcasts.
    public func greater(than other: Self) -> Self { heaviside(self - other, atZero: 0) }
    /// 1 where self ≥ other, else 0.
    public func greaterOrEqual(to other: Self) -> Self { heaviside(self - other, atZero: 1) }
    /// 1 where self < other, else 0.
    public func less(than other: Self) -> Self { heaviside(other - self, atZero: 0) }
    /// 1 where self ≤ other, else 0.
    public func lessOrEqual(to other: Self) -> Self { heaviside(other - self, atZero: 1) }
    /// 1 where self = other, else 0.
    public func equal(to other: Self) -> Self { heaviside(self - other, atZero: 1) * heaviside(other - self, atZero: 1) }

    /// `ifTrue` where `condition` is 1, `ifFalse` where it is 0 (PyTorch's `where`, with the
    /// condition as 0/1 numbers): masked(c, a) + masked(1 − c, b), so an infinite or NaN entry
    /// in the branch not taken does not reach the result or its gradient.
    public static func select(_ condition: Self, _ ifTrue: Self, _ ifFalse: Self) -> Self {
        masked(condition, ifTrue) + masked(1 - condition, ifFalse)
    }

    /// Each entry limited to [low, high] (PyTorch's `clamp(min:max:)`): clamped(min: low)
    /// then clamped(max: high). Either bound may be infinite; with low > high every entry is
    /// high, as in PyTorch.
    public func clamped(to range: ClosedRange<Double>) -> Self {
        clamped(min: range.lowerBound).clamped(max: range.upperBound)
    }

    /// max(x, low) entry by entry (PyTorch's `clamp(min:)`), with PyTorch's gradient: 1 where
    /// x ≥ low (the bound included), 0 below. Computed as masked([x ≥ low], x) +
    /// masked([x < low], low): each entry is exactly x or low, and an infinite x or bound never
    /// meets a 0 factor (0·∞ would be NaN). NaN stays NaN. low = −∞ clamps nothing.
    public func clamped(min low: Double) -> Self {
        guard low > -.infinity else { return self }
        let bound = constant(low)
        let atOrAbove = heaviside(self - bound, atZero: 1), below = heaviside(bound - self, atZero: 0)
        // atOrAbove − atOrAbove is 0, or NaN where x is NaN: NaN propagates, as in PyTorch.
        return masked(atOrAbove, self) + masked(below, bound) + (atOrAbove - atOrAbove)
    }

    /// min(x, high) entry by entry (PyTorch's `clamp(max:)`), with PyTorch's gradient: 1 where
    /// x ≤ high (the bound included), 0 above. Exact values, infinite entries and NaN as for
    /// ``clamped(min:)``. high = +∞ clamps nothing.
    public func clamped(max high: Double) -> Self {
        guard high < .infinity else { return self }
        let bound = constant(high)
        let atOrBelow = heaviside(bound - self, atZero: 1), above = heaviside(self - bound, atZero: 0)
        return masked(atOrBelow, self) + masked(above, bound) + (atOrBelow - atOrBelow)
    }

    /// The variance over `axes` with Bessel's correction: Σ (x − mean)² / max(n − correction, 0)
    /// for n entries (PyTorch's default correction is 1). As in PyTorch, n ≤ correction divides
    /// by 0: the variance of nothing, or of one entry with the default correction, is 0/0 = NaN.
    public func variance(axes: [Int]? = nil, keepingDimensions: Bool = false, correction: Int = 1) -> Self {
        let count = (axes ?? Array(0..<shape.rank)).reduce(1) { $0 * shape[shape.axis($1)] }
        let centered = self - mean(axes: axes, keepingDimensions: true)
        return (centered * centered).sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Double(Swift.max(count - correction, 0)))
    }

    /// The largest entry (over all axes).
    public func max() -> Self { max(axes: nil, keepingDimensions: false) }
    /// The smallest entry (over all axes).
    public func min() -> Self { min(axes: nil, keepingDimensions: false) }
}

// MARK: Shapes (composites of reshape, slice, place)

extension DifferentiableTensor {
    /// Without the size-1 axis `axis` (or every size-1 axis when nil).
    public func squeezed(axis: Int? = nil) -> Self {
        if let axis {
            let a = shape.axis(axis)
            guard shapesHold(shape[a] == 1, TensorShapeError(operation: "squeeze", shapes: [shape], reason: "axis \(axis) has size \(shape[a]), not 1")) else { return self }
            var dimensions = shape.dimensions
            dimensions.remove(at: a)
            return reshaped(Shape(dimensions))
        }
        return reshaped(Shape(shape.dimensions.filter { $0 != 1 }))
    }

    /// With a new size-1 axis at `axis` (negative counts from the end of the result).
    public func unsqueezed(axis: Int) -> Self {
        let a = axis < 0 ? axis + shape.rank + 1 : axis
        guard shapesHold(a >= 0 && a <= shape.rank, TensorShapeError(operation: "unsqueeze", shapes: [shape], reason: "axis \(axis) is out of range -\(shape.rank + 1)...\(shape.rank)")) else { return self }
        var dimensions = shape.dimensions
        dimensions.insert(1, at: a)
        return reshaped(Shape(dimensions))
    }

    /// Pieces of `sizes` along `axis`.
    public func split(_ sizes: [Int], axis: Int) -> [Self] {
        let a = shape.axis(axis)
        guard shapesHold(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
                         TensorShapeError(operation: "split", shapes: [shape], reason: "sizes \(sizes) do not add up to \(shape[a]) along axis \(axis)"))
        else { return sizes.map { _ in self } }
        var start = 0
        return sizes.map { size in
            defer { start += size }
            var ranges = shape.dimensions.map { 0..<$0 }
            ranges[a] = start..<(start + size)
            return slice(ranges)
        }
    }

    /// The tensors joined along `axis` (their other axes equal).
    public static func concatenate(_ tensors: [Self], axis: Int) -> Self {
        guard let firstTensor = tensors.first else { requirementFailed("concatenate: no tensors to join (axis \(axis))") }
        let first = firstTensor.shape
        let a = first.axis(axis)
        var dimensions = first.dimensions
        dimensions[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        var offset = 0
        var result: Self?
        for t in tensors {
            var expected = first.dimensions
            expected[a] = t.shape[a]
            guard firstTensor.shapesHold(t.shape.dimensions == expected,
                                         TensorShapeError(operation: "concatenate", shapes: [first, t.shape], reason: "do not fit together along axis \(axis)"))
            else { return firstTensor }
            var origin = [Int](repeating: 0, count: first.rank)
            origin[a] = offset
            offset += t.shape[a]
            let placed = t.placed(into: Shape(dimensions), at: origin)
            result = result.map { $0 + placed } ?? placed
        }
        return result!
    }

    /// The tensors (of one shape) stacked along a new axis.
    public static func stack(_ tensors: [Self], axis: Int = 0) -> Self {
        concatenate(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }
}

// MARK: Convolution and pooling (composites of patches, matmul, reductions)

extension DifferentiableTensor {
    /// 2-d convolution (cross-correlation, as PyTorch's `F.conv2d(x, w, b, stride, padding,
    /// dilation, groups)`) of an image batch [N, C, H, W] with filters [O, C/groups, kh, kw] and
    /// an optional bias [O]: [N, O, OH, OW] with OH = ⌊(H + 2·ph − dh·(kh − 1) − 1)/sh⌋ + 1
    /// (likewise OW), and
    ///
    ///     out[n, o, r, s] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x[n, g·C/groups + c, r·sh − ph + i·dh, s·sw − pw + j·dw]
    ///
    /// where g = o / (O/groups) is the output channel's group (zeros outside the image).
    /// `groups` splits the C input and O output channels into that many independent blocks;
    /// groups == C is a depthwise convolution. Computed as the filters, flattened to
    /// [O, C·kh·kw], times the image's patches (im2col); with groups, patches [N, G, (C/G)·kh·kw, L]
    /// times filters [G, O/G, (C/G)·kh·kw] in one batched matmul. Derivatives come from matmul's
    /// and the patches' rules (col2im).
    public func conv2d(_ filters: Self, bias: Self? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Self {
        let shapes = [shape, filters.shape]
        guard shapesHold(shape.rank == 4 && filters.shape.rank == 4 && groups >= 1 && shape[1] % groups == 0 && filters.shape[0] % groups == 0
                            && filters.shape[1] * groups == shape[1],
                         TensorShapeError(operation: "conv2d", shapes: shapes, reason: groups == 1
                            ? "expected an input [N, C, H, W] and filters [O, C, kh, kw] with the same C"
                            : "expected an input [N, C, H, W] and filters [O, C/groups, kh, kw] with C and O divisible by groups = \(groups)"))
        else { return self }
        guard shapesHold(bias == nil || bias!.shape == [filters.shape[0]],
                         TensorShapeError(operation: "conv2d", shapes: shapes + [bias!.shape], reason: "the bias must be [O] = [\(filters.shape[0])]"))
        else { return self }
        guard shapesHold(stride.0 > 0 && stride.1 > 0 && padding.0 >= 0 && padding.1 >= 0 && dilation.0 > 0 && dilation.1 > 0,
                         TensorShapeError(operation: "conv2d", shapes: shapes,
                                          reason: "stride \(stride) and dilation \(dilation) must be positive, padding \(padding) not negative"))
        else { return self }
        let geometry = PatchGeometry(kernel: (filters.shape[2], filters.shape[3]), stride: stride, padding: padding, dilation: dilation)
        guard let (oh, ow) = geometry.outputSize(height: shape[2], width: shape[3]) else {
            let dilated = dilation == (1, 1) ? "" : " and dilation \(dilation)"
            _ = shapesHold(false, TensorShapeError(operation: "conv2d", shapes: shapes,
                                                   reason: "a \(filters.shape[2])×\(filters.shape[3]) filter does not fit the input with padding \(padding)\(dilated)"))
            return self
        }
        let (n, o) = (shape[0], filters.shape[0])
        let rows = filters.shape[1] * filters.shape[2] * filters.shape[3]
        var out: Self
        if groups == 1 {
            out = filters.reshaped([o, rows]).matmul(patches(geometry, padValue: 0)).reshaped([n, o, oh, ow])
        } else {
            // Patch rows are ordered (c, i, j) with c outermost, so each group's rows are contiguous;
            // [G, O/G, K] · [N, G, K, L] broadcasts the batch axes to [N, G].
            let grouped = patches(geometry, padValue: 0).reshaped([n, groups, rows, oh * ow])
            out = filters.reshaped([groups, o / groups, rows]).matmul(grouped).reshaped([n, o, oh, ow])
        }
        if let bias { out = out + bias.reshaped([o, 1, 1]) }
        return out
    }

    /// Max pooling over kh×kw windows of [N, C, H, W] (padding counts as −∞, as PyTorch's
    /// `F.max_pool2d(x, kernel, stride, padding, dilation)`); the stride defaults to the kernel.
    /// `dilation` spaces the window's taps as in `conv2d`.
    /// As PyTorch, the padding may be at most half the kernel (kh/2, kw/2, rounded down), so no
    /// window lies wholly in the padding. NaN wins, as in PyTorch. One pass over the input (no
    /// patches). ∂/∂x: the seed routed to each window's maximum, the first in row-major order
    /// when several are equal (as PyTorch's `max_pool2d`).
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) -> Self {
        guard let (geometry, _) = poolGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: dilation) else { return self }
        return maxPooled(geometry)
    }

    /// Average pooling over kh×kw windows (zero padding counted in the average, as PyTorch's
    /// default `count_include_pad`: `F.avg_pool2d(x, kernel, stride, padding)`); the padding may
    /// be at most half the kernel, as in PyTorch.
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Self {
        pool(kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: (1, 1), padValue: 0) { $0.mean(axes: [2]) }
    }

    private func pool(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), padValue: Double, _ reduce: (Self) -> Self) -> Self {
        guard let (geometry, (oh, ow)) = poolGeometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation) else { return self }
        let (n, c) = (shape[0], shape[1])
        let windows = patches(geometry, padValue: padValue).reshaped([n, c, kernel.0 * kernel.1, oh * ow])
        return reduce(windows).reshaped([n, c, oh, ow])
    }

    /// A pooling window's geometry over this [N, C, H, W] input and the output's height and
    /// width, or nil after reporting (``shapesHold(_:_:)``) why they do not fit.
    private func poolGeometry(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)) -> (PatchGeometry, (Int, Int))? {
        guard shapesHold(shape.rank == 4, TensorShapeError(operation: "pool2d", shapes: [shape], reason: "expected an input [N, C, H, W]")) else { return nil }
        guard shapesHold(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0
                            && padding.0 >= 0 && padding.1 >= 0 && padding.0 <= kernel.0 / 2 && padding.1 <= kernel.1 / 2,
                         TensorShapeError(operation: "pool2d", shapes: [shape],
                                          reason: "kernel \(kernel), stride \(stride) and dilation \(dilation) must be positive, and padding \(padding) at most half the kernel"))
        else { return nil }
        let geometry = PatchGeometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        guard let size = geometry.outputSize(height: shape[2], width: shape[3]) else {
            let dilated = dilation == (1, 1) ? "" : " and dilation \(dilation)"
            _ = shapesHold(false, TensorShapeError(operation: "pool2d", shapes: [shape],
                                                   reason: "a \(kernel.0)×\(kernel.1) window does not fit the input with padding \(padding)\(dilated)"))
            return nil
        }
        return (geometry, size)
    }
}
