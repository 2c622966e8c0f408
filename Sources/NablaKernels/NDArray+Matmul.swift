// Matrix products of arrays, NumPy's matmul semantics: 1-d operands are promoted to a row
// (left) or a column (right) and the added axis removed afterwards; batch axes broadcast.

extension NDArray {
    /// The matrix product `a @ b`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inlinable
    public static func matmul(_ a: NDArray, _ b: NDArray, threads: Int = 1) -> NDArray {
        precondition(a.rank >= 1 && b.rank >= 1, "matmul: operands need at least 1 axis, got \(a.shape) and \(b.shape)")
        let left = a.rank == 1 ? a.reshaped([1, a.count]) : a
        let right = b.rank == 1 ? b.reshaped([b.count, 1]) : b
        let (m, k) = (left.shape[left.rank - 2], left.shape[left.rank - 1])
        let (k2, n) = (right.shape[right.rank - 2], right.shape[right.rank - 1])
        precondition(k == k2, "matmul: shapes \(a.shape) and \(b.shape) do not match (\(k) ≠ \(k2))")
        let leftBatch = Shape(Array(left.shape.dimensions.dropLast(2)))
        let rightBatch = Shape(Array(right.shape.dimensions.dropLast(2)))
        guard let batch = Shape.broadcast(leftBatch, rightBatch) else {
            preconditionFailure("matmul: batch shapes of \(a.shape) and \(b.shape) do not broadcast")
        }
        let lhs = left.broadcast(to: Shape(batch.dimensions + [m, k]))
        let rhs = right.broadcast(to: Shape(batch.dimensions + [k, n]))
        var result = NDArray.build(Shape(batch.dimensions + [m, n])) { out in
            lhs.scalars.withUnsafeBufferPointer { x in
                rhs.scalars.withUnsafeBufferPointer { y in
                    for p in 0..<batch.count {
                        Scalar.gemm(x.baseAddress! + p * m * k, y.baseAddress! + p * k * n, out.baseAddress! + p * m * n, m, n, k, threads)
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
