// Matrix products of arrays, NumPy's matmul semantics: 1-d operands are promoted to a row
// (left) or a column (right) and the added axis removed afterwards; batch axes broadcast.

extension NDArray {
    /// The matrix product `a @ b` (NumPy's and PyTorch's `matmul`); shapes and stops as
    /// ``matmul(_:_:transposingA:transposingB:threads:)``.
    @inlinable
    public static func matmul(_ a: NDArray, _ b: NDArray, threads: Int = 1) -> NDArray {
        matmul(a, b, transposingA: false, transposingB: false, threads: threads)
    }

    /// op(a) @ op(b), where op transposes the last two axes when asked, without making a
    /// transposed copy. 1-d operands are promoted (a row on the left, a column on the right) and
    /// the added axis removed; batch axes broadcast. Inner dimensions that differ, or batch shapes
    /// that do not broadcast, are a programmer error and stop. O(batch·m·n·k).
    @inlinable
    public static func matmul(_ a: NDArray, _ b: NDArray, transposingA: Bool, transposingB: Bool, threads: Int = 1) -> NDArray {
        product(a, b, transposingA: transposingA, transposingB: transposingB, threads: threads, epilogue: nil)
    }

    /// op(a) @ op(b) as ``matmul(_:_:transposingA:transposingB:threads:)``, with `epilogue`
    /// applied to each tile of each product's C as soon as the tile is final, while it is in L1
    /// (`MatmulScalar.gemm(_:_:_:_:_:_:_:_:_:epilogue:)`): a bias and an activation, say, at no
    /// extra pass over the result. Tiles' positions are counted within their matrix.
    @inlinable
    public static func matmul(_ a: NDArray, _ b: NDArray, transposingA: Bool, transposingB: Bool, threads: Int = 1,
                              epilogue: (MatmulTile<Scalar>) -> Void) -> NDArray {
        withoutActuallyEscaping(epilogue) { epilogue in
            product(a, b, transposingA: transposingA, transposingB: transposingB, threads: threads, epilogue: epilogue)
        }
    }

    @inlinable
    static func product(_ a: NDArray, _ b: NDArray, transposingA: Bool, transposingB: Bool, threads: Int,
                        epilogue: ((MatmulTile<Scalar>) -> Void)?) -> NDArray {
        require(a.rank >= 1 && b.rank >= 1, "matmul: operands need at least 1 axis, got \(a.shape) and \(b.shape)")
        let left = a.rank == 1 ? a.reshaped([1, a.count]) : a
        let right = b.rank == 1 ? b.reshaped([b.count, 1]) : b
        let (lr, lc) = (left.shape[left.rank - 2], left.shape[left.rank - 1])
        let (rr, rc) = (right.shape[right.rank - 2], right.shape[right.rank - 1])
        let (m, k) = transposingA && a.rank > 1 ? (lc, lr) : (lr, lc)
        let (k2, n) = transposingB && b.rank > 1 ? (rc, rr) : (rr, rc)
        require(k == k2, "matmul: shapes \(a.shape)\(transposingA ? "ᵀ" : "") and \(b.shape)\(transposingB ? "ᵀ" : "") do not match (\(k) ≠ \(k2))")
        let leftBatch = Shape(Array(left.shape.dimensions.dropLast(2)))
        let rightBatch = Shape(Array(right.shape.dimensions.dropLast(2)))
        guard let batch = Shape.broadcast(leftBatch, rightBatch) else {
            requirementFailed("matmul: batch shapes of \(a.shape) and \(b.shape) do not broadcast")
        }
        // Each product's operands are found by the batch index's broadcast offsets: an operand
        // repeated along a batch axis (a filter bank against a batch of images) is read in place,
        // never copied once per batch element.
        // (Only operands actually broadcast need the table; the rest step by one matrix.)
        let leftOffsets = leftBatch == batch ? nil : batchOffsets(leftBatch, in: batch, matrix: lr * lc)
        let rightOffsets = rightBatch == batch ? nil : batchOffsets(rightBatch, in: batch, matrix: rr * rc)
        let (ta, tb) = (transposingA && a.rank > 1, transposingB && b.rank > 1)
        var result = NDArray.build(Shape(batch.dimensions + [m, n])) { out in
            left.scalars.withUnsafeBufferPointer { x in
                right.scalars.withUnsafeBufferPointer { y in
                    for p in 0..<batch.count {
                        let (a, b, c) = (x.baseAddress! + (leftOffsets?[p] ?? p * lr * lc), y.baseAddress! + (rightOffsets?[p] ?? p * rr * rc),
                                         out.baseAddress! + p * m * n)
                        if let epilogue {
                            Scalar.gemm(a, ta, b, tb, c, m, n, k, threads, epilogue: epilogue)
                        } else {
                            Scalar.gemm(a, ta, b, tb, c, m, n, k, threads)
                        }
                    }
                }
            }
        }
        var dimensions = batch.dimensions
        if a.rank != 1 { dimensions.append(m) }
        if b.rank != 1 { dimensions.append(n) }
        result = result.reshaped(Shape(dimensions))
        return result
    }
}

extension NDArray {
    /// Adds a matrix product to this matrix in place: self ← self + s·(op(a)·op(b)), or
    /// self − s·(op(a)·op(b)) when `subtracting` (BLAS's C ← αAB + C with α = ±s; without
    /// `scale`, the product itself). Each tile of the product is combined with `self` while it is
    /// in L1 (`MatmulScalar.gemmUpdate`), so the product is never stored: an optimiser's step
    /// `w -= lr · xᵀ·δ` as one pass. The numbers are those of the operations one by one
    /// (`self + s * matmul(a, b)`), bit for bit, when the inner dimension is at most
    /// `Matmul.sliceDepth`. `a` and `b` are matrices and `self` has their product's shape;
    /// anything else is a programmer error and stops. O(m·n·k).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func addProduct(_ a: NDArray, _ b: NDArray, transposingA: Bool = false, transposingB: Bool = false,
                                    scaledBy scale: Scalar? = nil, subtracting: Bool = false, threads: Int = 1) {
        require(a.rank == 2 && b.rank == 2, "addProduct: operands must be matrices, got \(a.shape) and \(b.shape)")
        let (m, k) = transposingA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transposingB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        require(k == k2, "addProduct: shapes \(a.shape)\(transposingA ? "ᵀ" : "") and \(b.shape)\(transposingB ? "ᵀ" : "") do not match (\(k) ≠ \(k2))")
        require(shape == [m, n], "addProduct: the product is \(m)×\(n), but the array it is added to has shape \(shape)")
        scalars.withUnsafeMutableBufferPointer { target in
            guard let target = target.baseAddress else { return }
            a.scalars.withUnsafeBufferPointer { x in
                b.scalars.withUnsafeBufferPointer { y in
                    Scalar.gemmUpdate(x.baseAddress!, transposingA, y.baseAddress!, transposingB, target, m, n, k,
                                      scale: scale, subtracting: subtracting, threads)
                }
            }
        }
    }
}

/// The offset of each batch element's matrix in an operand whose batch shape `own` broadcasts
/// to `batch` (matrices of `matrix` elements, row-major batches).
@inlinable
func batchOffsets(_ own: Shape, in batch: Shape, matrix: Int) -> [Int] {
    let strides = own.broadcastStrides(to: batch).map { $0 * matrix }
    var offsets: [Int] = []
    offsets.reserveCapacity(batch.count)
    var index = [Int](repeating: 0, count: batch.rank), offset = 0
    for _ in 0..<batch.count {
        offsets.append(offset)
        // Advance the multi-index like an odometer, keeping the offset in step.
        var axis = batch.rank - 1
        while axis >= 0 {
            index[axis] += 1
            offset += strides[axis]
            if index[axis] < batch[axis] { break }
            offset -= strides[axis] * index[axis]
            index[axis] = 0
            axis -= 1
        }
    }
    return offsets
}

extension NDArray: CustomStringConvertible {
    /// Shape, type and values, nested as NumPy prints them; large arrays are abbreviated with
    /// `…` (the first and last three along each axis).
    public var description: String {
        let values = NDArray.format(self)
        return "NDArray<\(Scalar.dtypeName)>\(shape) \(values)"
    }

    /// The values alone, nested as NumPy prints them.
    public static func format(_ array: NDArray) -> String {
        if array.rank == 0 { return "\(array.scalars[0])" }
        var text = ""
        // Iterative nested printing with an explicit stack of (axis, index) positions.
        func element(_ offset: Int) -> String {
            let x = array.scalars[offset]
            return x == x.rounded() && Swift.abs(x) < 1e15 ? "\(Int64(x))." : "\(x)"
        }
        let strides = array.shape.strides
        var stack: [(axis: Int, offset: Int, index: Int)] = [(0, 0, 0)]
        text += "["
        while var top = stack.popLast() {
            let length = array.shape[top.axis]
            if top.index >= length {
                text += "]"
                continue
            }
            let abbreviate = length > 6 && top.index == 3
            if top.index > 0 { text += top.axis == array.rank - 1 ? ", " : ",\n" + String(repeating: " ", count: top.axis + 1) }
            if abbreviate {
                text += "…"
                top.index = length - 3
                stack.append(top)
                continue
            }
            let offset = top.offset + top.index * strides[top.axis]
            top.index += 1
            stack.append(top)
            if top.axis == array.rank - 1 {
                text += element(offset)
            } else {
                text += "["
                stack.append((top.axis + 1, offset, 0))
            }
        }
        return text
    }
}
