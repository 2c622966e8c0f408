// Indexing under PyTorch's names, written once over DifferentiableTensor as composites of the
// structural primitives (slice, reshape, permute, index_select, index_add) and `masked`, so
// dynamic tensors and static symbols both have them, and their derivatives, of any order, come
// from the primitives' rules:
// - masks (`TensorMask`): `select` (torch.where), `maskedFill`, `maskedSelect`, `x[mask]`;
// - integer index tensors (`IndexTensor`): `gather`, `scatterAdd`, and `indexAdd` with a list;
// - slicing: `sliced(axis:start:end:step:)`, `narrowed(axis:start:length:)`, `x[…]`.
// Masks and indices are constants of the graph: a static graph fixes them when it is built.

// MARK: Masks (torch.where, masked_fill, masked_select)

extension DifferentiableTensor {
    /// The shape `shapes` broadcast to together, or nil (recorded through `shapesHold`) when
    /// they do not.
    func broadcastShape(_ shapes: [Shape], _ operation: String) -> Shape? {
        var result: Shape? = shapes.first
        for s in shapes.dropFirst() { result = result.flatMap { Shape.broadcast($0, s) } }
        guard shapesHold(result != nil, TensorShapeError(operation: operation, shapes: shapes, reason: "do not broadcast")) else { return nil }
        return result
    }

    /// `ifTrue` where `mask` is true and `ifFalse` where it is false (PyTorch's
    /// `torch.where(mask, ifTrue, ifFalse)`), the three broadcast together. The mask is a
    /// constant: compare concrete values to make one (`x .> 0`). Named `select` because `where`
    /// is a Swift keyword; the form taking a 0/1 `Self` condition is for conditions computed in a
    /// static graph.
    ///
    /// Computed as masked(mask, ifTrue) + masked(!mask, ifFalse): each entry is exactly the chosen
    /// value (save that a chosen −0 may come out +0, as −0 + 0 does), and an infinite or NaN entry
    /// in the branch not taken reaches neither the result nor a gradient (where 0·∞ would be NaN).
    /// ∂/∂ifTrue = the seed where the mask is true, 0 elsewhere; ∂/∂ifFalse the other way round.
    public static func select(_ mask: TensorMask, _ ifTrue: Self, _ ifFalse: Self) -> Self {
        guard let shape = ifTrue.broadcastShape([mask.shape, ifTrue.shape, ifFalse.shape], "where") else { return ifTrue }
        if mask.allTrue { return ifTrue.broadcast(to: shape) }
        if !mask.anyTrue { return ifFalse.broadcast(to: shape) }
        return masked(ifTrue.constant(NDArray(mask)), ifTrue) + masked(ifFalse.constant(NDArray(!mask)), ifFalse)
    }

    /// `ifTrue` where `mask` is true, the number `ifFalse` elsewhere (`torch.where(mask, x, 0.0)`);
    /// `ifFalse` may be ±∞ or NaN. ∂/∂ifTrue = the seed where the mask is true, 0 elsewhere.
    public static func select(_ mask: TensorMask, _ ifTrue: Self, _ ifFalse: Double) -> Self {
        ifTrue.maskedFill(!mask, with: ifFalse)
    }

    /// The number `ifTrue` where `mask` is true, `ifFalse` elsewhere (`torch.where(mask, 0.0, x)`);
    /// `ifTrue` may be ±∞ or NaN. ∂/∂ifFalse = the seed where the mask is false, 0 elsewhere.
    public static func select(_ mask: TensorMask, _ ifTrue: Double, _ ifFalse: Self) -> Self {
        ifFalse.maskedFill(mask, with: ifTrue)
    }

    /// `value` where `mask` is true, self elsewhere (PyTorch's `x.masked_fill(mask, value)`), the
    /// mask and self broadcast together. `value` may be ±∞ or NaN (the usual −∞ before a softmax
    /// works): computed as masked(!mask, x) + (value where the mask is true, 0 elsewhere), it never
    /// multiplies ∞ by 0. ∂/∂x = the seed where the mask is false, 0 at the filled positions.
    public func maskedFill(_ mask: TensorMask, with value: Double) -> Self {
        guard let shape = broadcastShape([self.shape, mask.shape], "masked_fill") else { return self }
        guard mask.anyTrue else { return broadcast(to: shape) }
        let fill = NDArray<Scalar>(shape: mask.shape, checkedScalars: mask.values.map { $0 ? Scalar(value) : 0 })
        return masked(constant(NDArray(!mask)), self) + constant(fill)
    }

    /// `value` where `condition` is 1, self where it is 0 (`x.masked_fill(condition, value)` with
    /// a condition computed as numbers, such as `x.greater(than: y)`): the form for static graphs,
    /// where comparing symbols gives 0/1 symbols, not a ``TensorMask``. Entries of `condition`
    /// must be 0 or 1. `value` may be ±∞ or NaN. ∂/∂x = the seed where the condition is 0;
    /// nothing flows into the condition.
    public func maskedFill(_ condition: Self, with value: Double) -> Self {
        masked(1 - condition, self) + masked(condition, constant(value))
    }

    /// The entries where `mask` is true, in row-major order, as a vector (PyTorch's
    /// `x.masked_select(mask)`), the mask and self broadcast together.  ∂/∂x: the seed put back
    /// at those positions, 0 elsewhere.
    public func maskedSelect(_ mask: TensorMask) -> Self {
        guard let shape = broadcastShape([self.shape, mask.shape], "masked_select") else { return self }
        let spread = mask.broadcast(to: shape).values
        let positions = spread.indices.filter { spread[$0] }
        return broadcast(to: shape).reshaped([shape.count]).indexSelect(positions, axis: 0)
    }

    /// Boolean indexing, PyTorch's `x[mask]`: `mask` covers the leading axes of self exactly (no
    /// broadcasting, as in PyTorch), and the result has one row per true entry, in row-major
    /// order, followed by the remaining axes: a [2, 3] mask on a [2, 3, 4] tensor gives
    /// [mask.trueCount, 4]. ∂/∂x: the seed put back at those rows.
    public subscript(_ mask: TensorMask) -> Self {
        let leading = Array(shape.dimensions.prefix(mask.rank))
        guard shapesHold(mask.rank <= shape.rank && leading == mask.shape.dimensions,
                         TensorShapeError(operation: "index", shapes: [shape, mask.shape], reason: "the mask does not match the leading axes"))
        else { return self }
        let rest = Array(shape.dimensions.dropFirst(mask.rank))
        let positions = mask.values.indices.filter { mask.values[$0] }
        return reshaped(Shape([mask.shape.count] + rest)).indexSelect(positions, axis: 0)
    }
}

// MARK: Integer index tensors (torch.gather, scatter_add, index_add)

extension DifferentiableTensor {
    /// The flat row-major positions in self of `index`'s entries read along axis `a` (entry
    /// `index[i…]` at position i… with axis a replaced by it), each checked to lie in
    /// `0..<shape[a]`: an index out of range is a programmer error and stops, naming `operation`,
    /// the position and the bound.
    func flatPositions(_ index: IndexTensor, axis a: Int, _ operation: String) -> [Int] {
        let strides = shape.strides, size = shape[a], rank = index.rank
        var positions = [Int](repeating: 0, count: index.values.count)
        var position = [Int](repeating: 0, count: rank)
        var base = 0   // Σ over the axes other than a of position[d] · strides[d]
        for flat in 0..<index.values.count {
            let i = index.values[flat]
            if _slowPath(i < 0 || i >= size) {
                requirementFailed("\(operation): index \(i) at position \(position) is out of range 0..<\(size) for axis \(a) of \(shape)")
            }
            positions[flat] = base + i * strides[a]
            var d = rank - 1
            while d >= 0 {
                position[d] += 1
                if d != a { base += strides[d] }
                if position[d] < index.shape[d] { break }
                if d != a { base -= strides[d] * position[d] }
                position[d] = 0
                d -= 1
            }
        }
        return positions
    }

    /// PyTorch's `torch.gather(x, axis, indices)`: the result has the shape of `indices` (of x's
    /// rank, each axis other than `axis` no longer than x's), and for axis 1 of a rank-3 x,
    /// out[i][j][k] = x[i][indices[i][j][k]][k]. Indices must lie in 0..<x.shape[axis] (negative
    /// ones are not allowed, as in PyTorch); one out of range stops, naming its position.
    /// Computed as an `indexSelect` of the flattened x at each entry's row-major position.
    /// ∂/∂x: the seed scatter-added back (`scatterAdd`), repeated indices adding up.
    public func gather(indices index: IndexTensor, axis: Int) -> Self {
        guard shapesHold(shape.rank > 0, TensorShapeError(operation: "gather", shapes: [shape, index.shape], reason: "the input needs at least one axis")),
              let a = checkedAxis(axis, "gather")
        else { return self }
        guard shapesHold(index.rank == shape.rank && (0..<shape.rank).allSatisfy { $0 == a || index.shape[$0] <= shape[$0] },
                         TensorShapeError(operation: "gather", shapes: [shape, index.shape],
                                          reason: "the indices need the input's rank and, on axes other than \(axis), sizes no larger than the input's"))
        else { return self }
        let positions = flatPositions(index, axis: a, "gather")
        return reshaped([shape.count]).indexSelect(positions, axis: 0).reshaped(index.shape)
    }

    /// PyTorch's `x.scatter_add(axis, indices, source)`: x with each entry of `source` added at the
    /// position `indices` gives along `axis`; for axis 0 of a rank-3 x,
    /// out[indices[i][j][k]][j][k] += source[i][j][k], repeats adding up. `indices` has x's rank
    /// and is no larger than `source` on any axis nor than x on axes other than `axis`; only the
    /// part of `source` it covers is used. Indices out of 0..<x.shape[axis] stop, naming their
    /// position. Computed as x plus an `indexAdding` of the flattened source into zeros.
    /// ∂/∂x = the seed; ∂/∂source = the seed gathered at `indices` (0 outside the part used).
    public func scatterAdd(axis: Int, indices index: IndexTensor, source: Self) -> Self {
        guard shapesHold(shape.rank > 0, TensorShapeError(operation: "scatter_add", shapes: [shape, index.shape, source.shape], reason: "the input needs at least one axis")),
              let a = checkedAxis(axis, "scatter_add")
        else { return self }
        guard shapesHold(index.rank == shape.rank && source.shape.rank == shape.rank
                            && (0..<shape.rank).allSatisfy { index.shape[$0] <= source.shape[$0] && ($0 == a || index.shape[$0] <= shape[$0]) },
                         TensorShapeError(operation: "scatter_add", shapes: [shape, index.shape, source.shape],
                                          reason: "the indices need the rank of the input and the source, sizes no larger than the source's, and no larger than the input's on axes other than \(axis)"))
        else { return self }
        let positions = flatPositions(index, axis: a, "scatter_add")
        let used = source.shape == index.shape ? source : source.slice(index.shape.dimensions.map { 0..<$0 })
        return self + used.reshaped([index.values.count]).indexAdding(into: [shape.count], indices: positions, axis: 0).reshaped(shape)
    }

    /// PyTorch's `x.index_add(axis, indices, source)`: x with slice k of `source` along `axis`
    /// added at slice `indices[k]`, repeats adding up; `source` has x's shape except
    /// `indices.count` along `axis`. Indices out of 0..<x.shape[axis] stop.
    /// ∂/∂x = the seed; ∂/∂source = the seed index-selected at `indices`.
    public func indexAdd(axis: Int, indices: [Int], source: Self) -> Self {
        guard let a = checkedAxis(axis, "index_add") else { return self }
        var expected = shape.dimensions
        expected[a] = indices.count
        guard shapesHold(source.shape.dimensions == expected,
                         TensorShapeError(operation: "index_add", shapes: [shape, source.shape],
                                          reason: "the source needs the input's shape with \(indices.count) along axis \(axis)"))
        else { return self }
        for (k, i) in indices.enumerated() where i < 0 || i >= shape[a] {
            requirementFailed("index_add: index \(i) at position \(k) is out of range 0..<\(shape[a]) for axis \(axis) of \(shape)")
        }
        return self + source.indexAdding(into: shape, indices: indices, axis: a)
    }
}

// MARK: Slicing (Python's start:end:step, x[…])

extension DifferentiableTensor {
    /// Every `step`-th entry along `axis` from `start` up to `end` (excluded), Python's and
    /// PyTorch's `x[start:end:step]` on that axis: nil bounds are the axis's ends, negative ones
    /// count from the end, bounds beyond the axis are clamped (an empty result where start ≥ end);
    /// `step` must be ≥ 1, as in PyTorch. `axis` may be negative. A copy, not a view.
    /// ∂/∂x: the seed put back at the entries taken, 0 elsewhere.
    public func sliced(axis: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Self {
        guard let a = checkedAxis(axis, "slice") else { return self }
        return indexed([TensorIndex](repeating: .all, count: a) + [.slice(start: start, end: end, step: step)])
    }

    /// `length` entries along `axis` from `start` (PyTorch's `x.narrow(axis, start, length)`):
    /// `start` may be negative (from the end), but unlike slicing nothing is clamped: the entries
    /// must exist. ∂/∂x: the seed put back in place.
    public func narrowed(axis: Int, start: Int, length: Int) -> Self {
        guard let a = checkedAxis(axis, "narrow") else { return self }
        let n = shape[a], s = start < 0 ? start + n : start
        guard shapesHold(s >= 0 && length >= 0 && s + length <= n,
                         TensorShapeError(operation: "narrow", shapes: [shape], reason: "start \(start) and length \(length) do not fit axis \(axis) of size \(n)"))
        else { return self }
        return indexed([TensorIndex](repeating: .all, count: a) + [.slice(start: s, end: s + length)])
    }

    /// PyTorch's `x[i, j, …]`: each entry takes what ``TensorIndex`` says along its axis, from the
    /// first axis on; axes not reached are taken whole. `x[2]` and `x[-1]` remove the first axis
    /// (−1 is the last entry), `x[1..<3]` and `x[.slice(start: 1, end: 3)]` are `x[1:3]` (Python's
    /// bounds, clamped), `x[stride(from: 0, to: 6, by: 2)]` is `x[0:6:2]`, `x[.all, 0]` is
    /// `x[:, 0]`, `x[.ellipsis, 0]` is `x[..., 0]`, `x[.newAxis]` is `x[None]`, and
    /// `x[.all, .indices([0, 2])]` is `x[:, [0, 2]]`. Works alike on dynamic tensors and static
    /// symbols; the result is a copy. An index out of range is a shape error (named `index`).
    /// ∂/∂x: the seed put back at the entries taken (added up where a list repeats one), 0
    /// elsewhere.
    public subscript(_ indices: any TensorIndexConvertible...) -> Self {
        indexed(indices.map(\.tensorIndex))
    }

    /// The subscript `x[i, j, …]` with its entries as an array, for code that builds them:
    /// `x.indexed([.all, 2.tensorIndex])` is `x[.all, 2]`.
    public func indexed(_ indices: [TensorIndex]) -> Self {
        func fail(_ reason: String) -> Bool {
            shapesHold(false, TensorShapeError(operation: "index", shapes: [shape], reason: reason))
        }
        let rank = shape.rank
        let ellipses = indices.filter { $0.kind == .ellipsis }.count
        let consuming = indices.filter { $0.kind != .ellipsis && $0.kind != .newAxis }.count
        if ellipses > 1 { _ = fail("more than one ellipsis in \(indices)"); return self }
        if consuming > rank { _ = fail("\(consuming) indices for \(rank) axes in \(indices)"); return self }
        var entries: [TensorIndex.Kind] = []
        for index in indices {
            if index.kind == .ellipsis {
                entries += [TensorIndex.Kind](repeating: .all, count: rank - consuming)
            } else {
                entries.append(index.kind)
            }
        }
        if ellipses == 0 { entries += [TensorIndex.Kind](repeating: .all, count: rank - consuming) }

        var box = shape.dimensions.map { 0..<$0 }
        var selections: [(axis: Int, indices: [Int])] = []
        var dimensions: [Int] = []
        var advanced: [Int] = []          // places in `entries` of integers and the list
        var listAxis: Int?                // the list's axis in the result
        var a = 0
        for (place, entry) in entries.enumerated() {
            switch entry {
            case .newAxis:
                dimensions.append(1)
                continue
            case .all, .ellipsis:
                dimensions.append(shape[a])
            case .single(let i):
                let n = shape[a], j = i < 0 ? i + n : i
                guard j >= 0 && j < n else { _ = fail("index \(i) is out of range \(-n)..<\(n) for axis \(a) of size \(n)"); return self }
                box[a] = j..<(j + 1)
                advanced.append(place)
            case .slice(let start, let end, let step):
                guard step >= 1 else { _ = fail("step \(step) along axis \(a) must be at least 1 (as in PyTorch; flipped(axes:) reverses)"); return self }
                let n = shape[a]
                func clamp(_ bound: Int?, _ otherwise: Int) -> Int {
                    guard let bound else { return otherwise }
                    return Swift.min(Swift.max(bound < 0 ? bound + n : bound, 0), n)
                }
                let s = clamp(start, 0), e = Swift.max(clamp(end, n), s)
                let count = (e - s + step - 1) / step
                box[a] = s..<(count == 0 ? s : s + (count - 1) * step + 1)
                if step > 1 && count > 1 { selections.append((a, Array(stride(from: 0, to: box[a].count, by: step)))) }
                dimensions.append(count)
            case .list(let list):
                guard listAxis == nil else {
                    _ = fail("more than one index list (PyTorch pairs lists up; take one indexSelect after another for every combination)")
                    return self
                }
                let n = shape[a]
                var resolved: [Int] = []
                for i in list {
                    let j = i < 0 ? i + n : i
                    guard j >= 0 && j < n else { _ = fail("index \(i) in \(list) is out of range \(-n)..<\(n) for axis \(a) of size \(n)"); return self }
                    resolved.append(j)
                }
                selections.append((a, resolved))
                listAxis = dimensions.count
                dimensions.append(list.count)
                advanced.append(place)
            }
            a += 1
        }

        var result = self
        if box != shape.dimensions.map({ 0..<$0 }) { result = result.slice(box) }
        for (axis, list) in selections { result = result.indexSelect(list, axis: axis) }
        result = result.reshaped(Shape(dimensions))
        // NumPy's rule (PyTorch follows it): integers and a list that are not all next to each
        // other put the list's axis first (x[0, :, [1, 2]] of a [2, 3, 4] tensor is [2, 3]).
        if let l = listAxis, l != 0, let first = advanced.first, advanced.last! - first + 1 != advanced.count {
            result = result.permuted([l] + (0..<dimensions.count).filter { $0 != l })
        }
        return result
    }
}
