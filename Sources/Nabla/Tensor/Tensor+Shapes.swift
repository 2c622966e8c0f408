// Shape operations under PyTorch's names, written once over DifferentiableTensor as composites of
// the structural primitives (reshape, permute, slice, place, index_select, broadcast) and `masked`, so
// dynamic tensors and static symbols both have them, and their derivatives, of any order, come
// from the primitives' rules. Axes may be negative (−1 is the last) wherever PyTorch takes them.

/// How ``DifferentiableTensor/padded(_:mode:)`` fills the new border (PyTorch's `F.pad` modes).
public enum PaddingMode: Sendable, Equatable {
    /// Every new entry is the value (PyTorch's `mode="constant", value=…`).
    case constant(Double)
    /// Mirrored about the edge entry, which is not repeated (`"reflect"`): [1, 2, 3] padded by 2
    /// on the left gives [3, 2, 1, 2, 3]. Each width must be less than its axis's size.
    case reflect
    /// The edge entry repeated (`"replicate"`): [1, 2, 3] padded by 2 on the left gives
    /// [1, 1, 1, 2, 3].
    case replicate
    /// Wrapped around from the other end (`"circular"`): [1, 2, 3] padded by 2 on the left gives
    /// [2, 3, 1, 2, 3]. Each width must be at most its axis's size.
    case circular
}

extension DifferentiableTensor {
    /// `axis` counted from the end when negative, checked against `rank` (the tensor's rank when
    /// nil) through ``shapesHold(_:_:)``; nil when out of range.
    func checkedAxis(_ axis: Int, rank: Int? = nil, _ operation: String) -> Int? {
        let rank = rank ?? shape.rank
        let a = axis < 0 ? axis + rank : axis
        guard shapesHold(a >= 0 && a < rank,
                         TensorShapeError(operation: operation, shapes: [shape], reason: "axis \(axis) is out of range \(-rank)..<\(rank)"))
        else { return nil }
        return a
    }

    /// `axes` normalised and checked, none twice; nil when one is out of range or repeated.
    func checkedAxes(_ axes: [Int], rank: Int? = nil, _ operation: String) -> [Int]? {
        var result: [Int] = []
        for axis in axes {
            guard let a = checkedAxis(axis, rank: rank, operation) else { return nil }
            guard shapesHold(!result.contains(a),
                             TensorShapeError(operation: operation, shapes: [shape], reason: "axis \(axis) appears more than once in \(axes)"))
            else { return nil }
            result.append(a)
        }
        return result
    }

    /// A 0/1 constant of `shape`: 1 where `predicate` holds of the multi-index.
    func indicator(_ shape: Shape, _ predicate: ([Int]) -> Bool, value: Scalar = 1) -> NDArray<Scalar> {
        var scalars = [Scalar](repeating: 0, count: shape.count)
        var index = [Int](repeating: 0, count: shape.rank)
        for flat in 0..<shape.count {
            if predicate(index) { scalars[flat] = value }
            var k = shape.rank - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return NDArray(shape: shape, checkedScalars: scalars)
    }

    /// The same elements, row-major, with the sizes `dimensions`, one of which may be −1 and is
    /// then inferred from the element count (PyTorch's `reshape(2, -1)`): a [2, 3, 4] tensor
    /// `reshaped(4, -1)` is [4, 6]. ∂: the seed reshaped back.
    public func reshaped(_ dimensions: Int...) -> Self { reshaped(inferring: dimensions) }

    /// `reshaped(_:)` with the sizes as an array: one may be −1, inferred from the
    /// element count (PyTorch's `reshape(shape)`; `reshaped(inferring: [-1])` flattens).
    public func reshaped(inferring dimensions: [Int]) -> Self {
        let count = shape.count
        let unknown = dimensions.indices.filter { dimensions[$0] == -1 }
        let known = dimensions.filter { $0 != -1 }.reduce(1, *)
        var resolved = dimensions
        var fits = dimensions.allSatisfy { $0 >= -1 }
        if unknown.count == 1 {
            fits = fits && known > 0 && count % known == 0
            if fits { resolved[unknown[0]] = count / known }
        } else {
            fits = fits && unknown.isEmpty && known == count
        }
        guard shapesHold(fits, TensorShapeError(operation: "reshape", shapes: [shape],
                                                reason: "\(count) elements do not fit the sizes \(dimensions) (at most one −1)"))
        else { return self }
        return reshaped(Shape(resolved))
    }

    /// Axes `start` through `end` (both included, negative from the end) merged into one
    /// (PyTorch's `flatten(start_dim, end_dim)`): [2, 3, 4, 5] `flattened(from: 1, through: 2)`
    /// is [2, 12, 5]; `flattened()` is [120]; a scalar gives [1]. ∂: the seed reshaped back.
    public func flattened(from start: Int = 0, through end: Int = -1) -> Self {
        let rank = Swift.max(shape.rank, 1)
        guard let s = checkedAxis(start, rank: rank, "flatten"), let e = checkedAxis(end, rank: rank, "flatten") else { return self }
        guard shapesHold(s <= e, TensorShapeError(operation: "flatten", shapes: [shape],
                                                  reason: "start axis \(start) comes after end axis \(end)"))
        else { return self }
        if shape.rank == 0 { return reshaped(Shape([1])) }
        let d = shape.dimensions
        return reshaped(Shape(Array(d[..<s]) + [d[s...e].reduce(1, *)] + Array(d[(e + 1)...])))
    }

    /// Without those of `axes` (negative from the end) that have size 1; the others are kept,
    /// as PyTorch's `squeeze(dim=(…))` keeps them (``squeezed(axis:)`` with one axis stops on a
    /// size other than 1 instead): [2, 1, 3, 1] `squeezed(axes: [1, -1, 0])` is [2, 3].
    public func squeezed(axes: [Int]) -> Self {
        guard let axes = checkedAxes(axes, rank: Swift.max(shape.rank, 1), "squeeze") else { return self }
        let removed = Set(axes.filter { shape.rank > 0 && shape[$0] == 1 })
        return reshaped(Shape(shape.dimensions.enumerated().filter { !removed.contains($0.offset) }.map(\.element)))
    }

    /// Repeated along its size-1 axes and along new leading axes to `sizes` (PyTorch's
    /// `expand(*sizes)`, which repeats without copying); −1 keeps an existing axis's size:
    /// [3, 1] `expanded(to: [2, -1, 4])` is [2, 3, 4]. ∂: the seed summed over the repeats.
    public func expanded(to sizes: [Int]) -> Self {
        let extra = sizes.count - shape.rank
        var target = sizes
        var fits = extra >= 0
        if fits {
            for (k, size) in sizes.enumerated() {
                if k < extra {
                    fits = fits && size >= 0
                } else if size == -1 {
                    target[k] = shape[k - extra]
                } else {
                    fits = fits && size >= 0 && (shape[k - extra] == size || shape[k - extra] == 1)
                }
            }
        }
        guard shapesHold(fits, TensorShapeError(operation: "expand", shapes: [shape],
                                                reason: "cannot be expanded to \(sizes) (only size-1 axes grow; −1 keeps a size, not on new axes)"))
        else { return self }
        return broadcast(to: Shape(target))
    }

    /// The whole tensor tiled `repeats[k]` times along axis k (PyTorch's `repeat(*repeats)`):
    /// `repeats` has at least one entry per axis, extra leading entries add axes. [2, 3]
    /// `repeated([2, 1, 2])` is [2, 2, 6]; [a, b] `repeated([2])` is [a, b, a, b]. ∂: the seed
    /// summed over the copies.
    public func repeated(_ repeats: [Int]) -> Self {
        guard shapesHold(repeats.count >= shape.rank && repeats.allSatisfy { $0 >= 0 },
                         TensorShapeError(operation: "repeat", shapes: [shape],
                                          reason: "repeats \(repeats) need one count ≥ 0 per axis at least"))
        else { return self }
        let own = [Int](repeating: 1, count: repeats.count - shape.rank) + shape.dimensions
        let spread = reshaped(Shape(own.flatMap { [1, $0] }))
        return spread.broadcast(to: Shape(zip(repeats, own).flatMap { [$0, $1] })).reshaped(Shape(zip(repeats, own).map(*)))
    }

    /// PyTorch's `tile(dims)` (NumPy's `tile`): ``repeated(_:)`` with `repeats` padded by
    /// leading 1s when it has fewer entries than the rank: [2, 3] `tiled([2])` is [2, 6].
    public func tiled(_ repeats: [Int]) -> Self {
        repeated([Int](repeating: 1, count: Swift.max(shape.rank - repeats.count, 0)) + repeats)
    }

    /// The order of the entries reversed along each of `axes` (PyTorch's `flip(dims)`); the
    /// shape is unchanged. ∂: the seed flipped back.
    public func flipped(axes: [Int]) -> Self {
        guard let axes = checkedAxes(axes, "flip") else { return self }
        var result = self
        for a in axes where shape[a] > 1 { result = result.indexSelect(Array((0..<shape[a]).reversed()), axis: a) }
        return result
    }

    /// The entries moved `shift` places along `axis`, those pushed off the end coming back at
    /// the start (PyTorch's `roll(shifts, dims)`): entry i goes to (i + shift) mod n; a negative
    /// shift moves them back. With `axis` nil, the flattened tensor is rolled and the shape
    /// restored (as `roll` without `dims`). [1, 2, 3, 4] `rolled(by: 1)` is [4, 1, 2, 3].
    public func rolled(by shift: Int, axis: Int? = nil) -> Self {
        guard let axis else { return flattened().rolled(by: shift, axis: 0).reshaped(shape) }
        guard let a = checkedAxis(axis, "roll") else { return self }
        let n = shape[a]
        guard n > 0 else { return self }
        let s = ((shift % n) + n) % n
        guard s != 0 else { return self }
        return indexSelect((0..<n).map { ($0 - s + n) % n }, axis: a)
    }

    /// Rolled by `shifts[k]` along `axes[k]` for each k (PyTorch's `roll(shifts, dims)` with
    /// tuples); the axes may repeat, their shifts adding up.
    public func rolled(by shifts: [Int], axes: [Int]) -> Self {
        guard shapesHold(shifts.count == axes.count,
                         TensorShapeError(operation: "roll", shapes: [shape], reason: "\(shifts.count) shifts for \(axes.count) axes"))
        else { return self }
        return zip(shifts, axes).reduce(self) { $0.rolled(by: $1.0, axis: $1.1) }
    }

    /// Padded with a border (PyTorch's `F.pad(x, widths, mode, value)`). `widths` comes in pairs
    /// from the last axis backwards, as in PyTorch: (before, after) for the last axis, then for
    /// the one before it, …; axes not reached are not padded. A [3, 4] tensor padded by
    /// [1, 2, 0, 1] is [4, 7]: 1 column on the left, 2 on the right, 1 row at the bottom.
    /// `.constant` widths may be negative, cropping, as in PyTorch. Unlike PyTorch, `.reflect`,
    /// `.replicate` and `.circular` pad any axes (PyTorch takes the last 1–3 of a batch).
    /// ∂: the seed's interior (plus, for the copying modes, the border added back where it came from).
    public func padded(_ widths: [Int], mode: PaddingMode = .constant(0)) -> Self {
        let rank = shape.rank
        guard shapesHold(widths.count % 2 == 0 && widths.count / 2 <= rank,
                         TensorShapeError(operation: "pad", shapes: [shape], reason: "widths \(widths) are not (before, after) pairs for at most \(rank) axes"))
        else { return self }
        var before = [Int](repeating: 0, count: rank), after = [Int](repeating: 0, count: rank)
        for k in 0..<(widths.count / 2) {
            before[rank - 1 - k] = widths[2 * k]
            after[rank - 1 - k] = widths[2 * k + 1]
        }
        switch mode {
        case .constant(let value):
            let ranges = (0..<rank).map { Swift.max(0, -before[$0])..<(shape[$0] - Swift.max(0, -after[$0])) }
            guard shapesHold(ranges.allSatisfy { $0.lowerBound <= $0.upperBound },
                             TensorShapeError(operation: "pad", shapes: [shape], reason: "negative widths \(widths) crop more than the tensor holds"))
            else { return self }
            let cropped = ranges == shape.dimensions.map({ 0..<$0 }) ? self : slice(ranges)
            let low = before.map { Swift.max($0, 0) }, high = after.map { Swift.max($0, 0) }
            guard low.contains(where: { $0 > 0 }) || high.contains(where: { $0 > 0 }) else { return cropped }
            let inner = cropped.shape.dimensions
            let outer = Shape((0..<rank).map { inner[$0] + low[$0] + high[$0] })
            let result = cropped.placed(into: outer, at: low)
            guard value != 0 else { return result }
            let border = indicator(outer, { index in
                !(0..<rank).allSatisfy { index[$0] >= low[$0] && index[$0] < low[$0] + inner[$0] }
            }, value: Scalar(value))
            return result + constant(border)
        case .reflect, .replicate, .circular:
            var result = self
            for a in 0..<rank where before[a] != 0 || after[a] != 0 {
                let (n, p, q) = (shape[a], before[a], after[a])
                let fits: Bool
                switch mode {
                case .reflect: fits = p >= 0 && q >= 0 && p < n && q < n
                case .replicate: fits = p >= 0 && q >= 0 && n > 0
                default: fits = p >= 0 && q >= 0 && p <= n && q <= n
                }
                guard shapesHold(fits, TensorShapeError(operation: "pad", shapes: [shape],
                                                        reason: "widths (\(p), \(q)) do not fit axis \(a) of size \(n) in mode \(mode)"))
                else { return self }
                let indices: [Int]
                switch mode {
                case .reflect: indices = Array(stride(from: p, to: 0, by: -1)) + Array(0..<n) + Array(stride(from: n - 2, to: n - 2 - q, by: -1))
                case .replicate: indices = [Int](repeating: 0, count: p) + Array(0..<n) + [Int](repeating: n - 1, count: q)
                default: indices = Array((n - p)..<n) + Array(0..<n) + Array(0..<q)
                }
                result = result.indexSelect(indices, axis: a)
            }
            return result
        }
    }

    /// The diagonal entries [i, i + offset] of the matrices spanned by `axis1` and `axis2`
    /// (PyTorch's `diagonal(offset, dim1, dim2)`; offset > 0 above the main diagonal, < 0 below):
    /// the two axes removed and the diagonal appended as the last axis. [2, 3, 4] `diagonal()`
    /// is [4, 2]; a [3, 3] matrix `diagonal(offset: 1)` is [2]. ∂: the seed placed on the diagonal.
    public func diagonal(offset: Int = 0, axis1: Int = 0, axis2: Int = 1) -> Self {
        guard let a = checkedAxis(axis1, "diagonal"), let b = checkedAxis(axis2, "diagonal") else { return self }
        guard shapesHold(a != b, TensorShapeError(operation: "diagonal", shapes: [shape], reason: "axes \(axis1) and \(axis2) are the same"))
        else { return self }
        let rest = (0..<shape.rank).filter { $0 != a && $0 != b }
        let (n, m) = (shape[a], shape[b])
        let length = offset >= 0 ? Swift.max(0, Swift.min(n, m - offset)) : Swift.max(0, Swift.min(n + offset, m))
        let indices = (0..<length).map { i in offset >= 0 ? i * m + i + offset : (i - offset) * m + i }
        return permuted(rest + [a, b]).reshaped(Shape(rest.map { shape[$0] } + [n * m])).indexSelect(indices, axis: rest.count)
    }

    /// The lower triangle of the matrices in the last two axes: entries [i, j] with
    /// j − i ≤ `diagonal` kept, the others 0 (PyTorch's `tril(diagonal)`; diagonal > 0 keeps
    /// diagonals above the main one). Shape unchanged, rank ≥ 2. ∂: the seed's lower triangle.
    public func tril(diagonal: Int = 0) -> Self { triangle(diagonal, operation: "tril") { $1 - $0 <= diagonal } }

    /// The upper triangle of the matrices in the last two axes: entries [i, j] with
    /// j − i ≥ `diagonal` kept, the others 0 (PyTorch's `triu(diagonal)`). Shape unchanged,
    /// rank ≥ 2. ∂: the seed's upper triangle.
    public func triu(diagonal: Int = 0) -> Self { triangle(diagonal, operation: "triu") { $1 - $0 >= diagonal } }

    private func triangle(_ diagonal: Int, operation: String, _ keep: @escaping (Int, Int) -> Bool) -> Self {
        guard shapesHold(shape.rank >= 2, TensorShapeError(operation: operation, shapes: [shape], reason: "needs at least 2 axes"))
        else { return self }
        let mask = indicator(Shape([shape[shape.rank - 2], shape[shape.rank - 1]]), { keep($0[0], $0[1]) })
        // masked, not a product: an infinite or NaN entry outside the triangle becomes 0, as in PyTorch.
        return masked(constant(mask), self)
    }
}
