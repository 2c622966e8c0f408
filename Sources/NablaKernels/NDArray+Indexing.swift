// Sub-arrays: boxes (slices), their inverse (placing into zeros), and selecting entries along an axis
// (PyTorch's index_select) with its inverse (index_add into zeros).

extension NDArray {
    /// The box `ranges[k]` along each axis k (missing trailing axes are taken whole).
    @inlinable
    public func slice(_ ranges: [Range<Int>]) -> NDArray {
        require(ranges.count <= rank, "slice: \(ranges.count) ranges for shape \(shape)")
        let box = (0..<rank).map { k in k < ranges.count ? ranges[k] : 0..<shape[k] }
        for (k, r) in box.enumerated() {
            require(r.lowerBound >= 0 && r.upperBound <= shape[k], "slice: range \(r) is out of bounds for axis \(k) of shape \(shape)")
        }
        let target = Shape(box.map(\.count))
        let own = shape.strides
        return stridedCopy(target, strides: own, start: zip(box, own).reduce(0) { $0 + $1.0.lowerBound * $1.1 })
    }

    /// An array of `shape`, zero except for the box starting at `origin`, which holds `self`
    /// (the inverse of ``slice(_:)``).
    @inlinable
    public func placed(into shape: Shape, at origin: [Int]) -> NDArray {
        require(origin.count == shape.rank && rank == shape.rank, "place: \(self.shape) at \(origin) in \(shape)")
        var result = [Scalar](repeating: 0, count: shape.count)
        let strides = shape.strides
        let start = zip(origin, strides).reduce(0) { $0 + $1.0 * $1.1 }
        result.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { x in
                var i = 0
                forEachRow(of: self.shape, strides: [strides]) { offsets, count, inner in
                    var k = start + offsets[0]
                    for _ in 0..<count { out[k] = x[i]; i += 1; k += inner[0] }
                }
            }
        }
        return NDArray(shape: shape, checkedScalars: result)
    }

    /// The entries at `indices` along `axis` (PyTorch's `index_select`, NumPy's `take` with an
    /// axis): the result has `indices.count` entries along that axis.
    @inlinable
    public func indexSelect(_ indices: [Int], axis: Int) -> NDArray {
        let axis = shape.axis(axis)
        let size = shape[axis]
        for i in indices { require(i >= 0 && i < size, "index_select: index \(i) is out of range for axis \(axis) of shape \(shape)") }
        let outer = shape.dimensions[..<axis].reduce(1, *), inner = shape.dimensions[(axis + 1)...].reduce(1, *)
        var dimensions = shape.dimensions
        dimensions[axis] = indices.count
        return NDArray.build(Shape(dimensions)) { out in
            scalars.withUnsafeBufferPointer { x in
                var k = 0
                for o in 0..<outer {
                    for i in indices {
                        let base = (o * size + i) * inner
                        for j in 0..<inner { out[k] = x[base + j]; k += 1 }
                    }
                }
            }
        }
    }

    /// Zeros of `shape` with `self` added at `indices` along `axis`, repeated indices adding up
    /// (PyTorch's `index_add` into zeros): the adjoint of ``indexSelect(_:axis:)``, for gradients.
    @inlinable
    public func indexAdding(into shape: Shape, indices: [Int], axis: Int) -> NDArray {
        let axis = shape.axis(axis)
        let size = shape[axis]
        let outer = shape.dimensions[..<axis].reduce(1, *), inner = shape.dimensions[(axis + 1)...].reduce(1, *)
        var result = [Scalar](repeating: 0, count: shape.count)
        result.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { x in
                var k = 0
                for o in 0..<outer {
                    for i in indices {
                        let base = (o * size + i) * inner
                        for j in 0..<inner { out[base + j] += x[k]; k += 1 }
                    }
                }
            }
        }
        return NDArray(shape: shape, checkedScalars: result)
    }
}
