// Boolean masks: PyTorch's `torch.bool` tensors, as a value type of their own. A mask is data,
// not a recorded value: it is made from `[Bool]`s or by comparing concrete values (`x .> 0` on an
// `NDArray` or a dynamic `Tensor`), combined with `&`, `|`, `^`, `!` (or SIMD's `.&`, `.|`, `.^`,
// `.!`), and used by `select` (torch.where), `maskedFill`, `maskedSelect` and `x[mask]` (see
// Tensor+Indexing.swift), which take it as a constant of the graph. Static symbols hold no values,
// so comparing them cannot give a mask: for conditions computed inside a static graph use the 0/1
// float forms (`greater(than:)`, …, with `select(_:_:_:)` and `maskedFill(_:with:)` taking `Self`).

/// A Boolean tensor: a shape and one `Bool` per element, row-major (PyTorch's `dtype=torch.bool`
/// tensors, NumPy's boolean arrays). Logical operators broadcast as NumPy does.
///
/// ```swift
/// let x = Tensor<Double>([-1, 2, .nan, 4])
/// let mask = (x .> 0) & !(x .== 4)              // [false, true, false, false]: NaN compares false
/// let y = x.maskedFill(mask, with: -.infinity)  // [-1, -inf, nan, 4]
/// ```
public struct TensorMask: Sendable, Hashable, CustomStringConvertible {
    /// The size of each axis.
    public let shape: Shape
    /// The elements in row-major order, `shape.count` of them.
    public let values: [Bool]

    /// For values whose count the caller has made that of `shape` (a mismatch is a bug in Nabla).
    init(shape: Shape, checkedValues values: [Bool]) {
        require(values.count == shape.count, "TensorMask: shape \(shape) needs \(shape.count) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    /// A mask of `shape` holding `values` in row-major order (`torch.tensor(…, dtype=torch.bool)
    /// .reshape(shape)`). A count that is not the shape's is thrown (data from outside enters
    /// here), naming both.
    public init(shape: Shape, values: [Bool]) throws(TensorShapeError) {
        guard values.count == shape.count else {
            throw TensorShapeError(operation: "TensorMask(shape:values:)", shapes: [shape], reason: "needs \(shape.count) values, got \(values.count)")
        }
        self.init(shape: shape, checkedValues: values)
    }

    /// A vector mask (`torch.tensor([True, False])`).
    public init(_ values: [Bool]) { self.init(shape: [values.count], checkedValues: values) }

    /// A matrix mask from its rows; rows of different lengths are a programmer error and stop.
    public init(_ rows: [[Bool]]) {
        let columns = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == columns }, "TensorMask: rows of different lengths \(rows.map(\.count))")
        self.init(shape: [rows.count, columns], checkedValues: rows.flatMap { $0 })
    }

    /// A mask of `shape` with every element `value` (`torch.full(shape, value, dtype=torch.bool)`).
    public init(repeating value: Bool, shape: Shape) {
        self.init(shape: shape, checkedValues: [Bool](repeating: value, count: shape.count))
    }

    /// The number of axes (0 for a scalar mask).
    public var rank: Int { shape.rank }
    /// How many elements are true (`torch.count_nonzero(mask)`).
    public var trueCount: Int { values.reduce(0) { $0 + ($1 ? 1 : 0) } }
    /// Whether any element is true (`mask.any()`); false for an empty mask.
    public var anyTrue: Bool { values.contains(true) }
    /// Whether every element is true (`mask.all()`); true for an empty mask.
    public var allTrue: Bool { !values.contains(false) }

    /// The element at a multi-dimensional index, one non-negative entry per axis; a wrong count
    /// or an entry out of range is a programmer error and stops.
    public subscript(index: [Int]) -> Bool {
        require(index.count == rank && zip(index, shape.dimensions).allSatisfy { $0 >= 0 && $0 < $1 },
                "TensorMask: index \(index) for shape \(shape)")
        return values[zip(index, shape.strides).reduce(0) { $0 + $1.0 * $1.1 }]
    }

    /// The multi-indices of the true elements, in row-major order (`torch.nonzero(mask)` as a
    /// list of rows).
    public var trueIndices: [[Int]] {
        let strides = shape.strides
        return values.indices.filter { values[$0] }.map { flat in (0..<rank).map { (flat / strides[$0]) % shape[$0] } }
    }

    /// The same values repeated along new leading or size-1 axes to `shape` (NumPy's
    /// `broadcast_to`); a shape this one does not broadcast to stops.
    public func broadcast(to shape: Shape) -> TensorMask {
        if shape == self.shape { return self }
        require(Shape.broadcast(self.shape, shape) == shape, "TensorMask.broadcast: \(self.shape) does not broadcast to \(shape)")
        return TensorMask(shape: shape, checkedValues: broadcastElements(values, from: self.shape, to: shape))
    }

    /// The same values, row-major, with another shape of the same count; another count stops.
    public func reshaped(_ shape: Shape) -> TensorMask {
        require(shape.count == self.shape.count, "TensorMask.reshaped: cannot reshape \(self.shape) (\(self.shape.count) values) to \(shape)")
        return TensorMask(shape: shape, checkedValues: values)
    }

    /// `TensorMask[2, 2] [[true, false], [false, true]]`: the shape and the values, nested.
    public var description: String {
        func nested(_ axis: Int, _ offset: Int) -> String {
            guard axis < rank else { return "\(values[offset])" }
            let stride = shape.strides[axis]
            return "[" + (0..<shape[axis]).map { nested(axis + 1, offset + $0 * stride) }.joined(separator: ", ") + "]"
        }
        return "TensorMask\(shape) " + nested(0, 0)
    }

    /// `f` of corresponding elements of two masks, broadcast together; shapes that do not
    /// broadcast stop, naming `operation`.
    static func combining(_ a: TensorMask, _ b: TensorMask, _ operation: String, _ f: (Bool, Bool) -> Bool) -> TensorMask {
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            requirementFailed("\(operation): masks of shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let x = a.broadcast(to: shape).values, y = b.broadcast(to: shape).values
        return TensorMask(shape: shape, checkedValues: zip(x, y).map(f))
    }

    /// True where both are (PyTorch's `a & b`, `torch.logical_and`), broadcasting. Binds tighter
    /// than comparisons, as in Python: write `(x .> 0) & (x .< 1)`, or `x .> 0 .& x .< 1`.
    public static func & (a: TensorMask, b: TensorMask) -> TensorMask { combining(a, b, "&") { $0 && $1 } }
    /// True where either is (PyTorch's `a | b`, `torch.logical_or`), broadcasting.
    public static func | (a: TensorMask, b: TensorMask) -> TensorMask { combining(a, b, "|") { $0 || $1 } }
    /// True where exactly one is (PyTorch's `a ^ b`, `torch.logical_xor`), broadcasting.
    public static func ^ (a: TensorMask, b: TensorMask) -> TensorMask { combining(a, b, "^") { $0 != $1 } }
    /// True where `a` is false (PyTorch's `~a`, `torch.logical_not`).
    public static prefix func ! (a: TensorMask) -> TensorMask { TensorMask(shape: a.shape, checkedValues: a.values.map { !$0 }) }
    /// `a & b` with the precedence of `&&` (SIMD's `.&`), so `x .> 0 .& x .< 1` needs no parentheses.
    public static func .& (a: TensorMask, b: TensorMask) -> TensorMask { a & b }
    /// `a | b` with the precedence of `||` (SIMD's `.|`).
    public static func .| (a: TensorMask, b: TensorMask) -> TensorMask { a | b }
    /// `a ^ b` with the precedence of `||` (SIMD's `.^`).
    public static func .^ (a: TensorMask, b: TensorMask) -> TensorMask { a ^ b }
    /// `!a` (SIMD's `.!`).
    public static prefix func .! (a: TensorMask) -> TensorMask { !a }
}

/// `values`, row-major of shape `source`, read as if of shape `target` (which `source` broadcasts to).
func broadcastElements<T>(_ values: [T], from source: Shape, to target: Shape) -> [T] {
    let strides = source.broadcastStrides(to: target)
    var result: [T] = []
    result.reserveCapacity(target.count)
    var index = [Int](repeating: 0, count: target.rank)
    var offset = 0
    for _ in 0..<target.count {
        result.append(values[offset])
        var k = target.rank - 1
        while k >= 0 {
            index[k] += 1
            offset += strides[k]
            if index[k] < target[k] { break }
            offset -= strides[k] * index[k]
            index[k] = 0
            k -= 1
        }
    }
    return result
}

extension NDArray {
    /// The mask as numbers: 1 where true, 0 where false (PyTorch's `mask.to(dtype)`), of the
    /// mask's shape.
    public init(_ mask: TensorMask) {
        self.init(shape: mask.shape, checkedScalars: mask.values.map { $0 ? 1 : 0 })
    }

    /// `predicate` of corresponding elements, broadcast together; shapes that do not broadcast
    /// stop, naming `operation`.
    static func comparing(_ a: NDArray, _ b: NDArray, _ operation: String, _ predicate: (Scalar, Scalar) -> Bool) -> TensorMask {
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            requirementFailed("\(operation): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let x = broadcastElements(a.scalars, from: a.shape, to: shape), y = broadcastElements(b.scalars, from: b.shape, to: shape)
        return TensorMask(shape: shape, checkedValues: zip(x, y).map(predicate))
    }

    // Comparisons entry by entry, broadcasting, as PyTorch's `lt`, `le`, `gt`, `ge`, `eq`, `ne`
    // (IEEE: a NaN compares false, except with `.!=`).

    /// a < b entry by entry (PyTorch's `a < b`, `torch.lt`), broadcasting; NaN compares false.
    public static func .< (a: NDArray, b: NDArray) -> TensorMask { comparing(a, b, ".<", <) }
    /// a ≤ b entry by entry (`torch.le`), broadcasting; NaN compares false.
    public static func .<= (a: NDArray, b: NDArray) -> TensorMask { comparing(a, b, ".<=", <=) }
    /// a > b entry by entry (`torch.gt`), broadcasting; NaN compares false.
    public static func .> (a: NDArray, b: NDArray) -> TensorMask { comparing(a, b, ".>", >) }
    /// a ≥ b entry by entry (`torch.ge`), broadcasting; NaN compares false.
    public static func .>= (a: NDArray, b: NDArray) -> TensorMask { comparing(a, b, ".>=", >=) }
    /// a = b entry by entry (`torch.eq`), broadcasting; NaN compares false, −0 equals 0.
    public static func .== (a: NDArray, b: NDArray) -> TensorMask { comparing(a, b, ".==", ==) }
    /// a ≠ b entry by entry (`torch.ne`), broadcasting; true where either is NaN.
    public static func .!= (a: NDArray, b: NDArray) -> TensorMask { comparing(a, b, ".!=", !=) }

    /// Each entry < `b` (`x < 0.5` in PyTorch).
    public static func .< (a: NDArray, b: Scalar) -> TensorMask { a .< NDArray(b) }
    /// Each entry ≤ `b`.
    public static func .<= (a: NDArray, b: Scalar) -> TensorMask { a .<= NDArray(b) }
    /// Each entry > `b`.
    public static func .> (a: NDArray, b: Scalar) -> TensorMask { a .> NDArray(b) }
    /// Each entry ≥ `b`.
    public static func .>= (a: NDArray, b: Scalar) -> TensorMask { a .>= NDArray(b) }
    /// Each entry = `b`.
    public static func .== (a: NDArray, b: Scalar) -> TensorMask { a .== NDArray(b) }
    /// Each entry ≠ `b`.
    public static func .!= (a: NDArray, b: Scalar) -> TensorMask { a .!= NDArray(b) }
    /// `a` < each entry.
    public static func .< (a: Scalar, b: NDArray) -> TensorMask { NDArray(a) .< b }
    /// `a` ≤ each entry.
    public static func .<= (a: Scalar, b: NDArray) -> TensorMask { NDArray(a) .<= b }
    /// `a` > each entry.
    public static func .> (a: Scalar, b: NDArray) -> TensorMask { NDArray(a) .> b }
    /// `a` ≥ each entry.
    public static func .>= (a: Scalar, b: NDArray) -> TensorMask { NDArray(a) .>= b }
    /// `a` = each entry.
    public static func .== (a: Scalar, b: NDArray) -> TensorMask { NDArray(a) .== b }
    /// `a` ≠ each entry.
    public static func .!= (a: Scalar, b: NDArray) -> TensorMask { NDArray(a) .!= b }
}

extension Tensor {
    // The comparisons of `NDArray`, on a dynamic tensor's values (nothing is recorded: a mask
    // has no gradient). A `TensorSymbol` has no values to compare; see `greater(than:)`.

    /// a < b entry by entry on the values (PyTorch's `a < b`), broadcasting; NaN compares false.
    public static func .< (a: Tensor, b: Tensor) -> TensorMask { a.data .< b.data }
    /// a ≤ b entry by entry on the values (`torch.le`), broadcasting.
    public static func .<= (a: Tensor, b: Tensor) -> TensorMask { a.data .<= b.data }
    /// a > b entry by entry on the values (`torch.gt`), broadcasting.
    public static func .> (a: Tensor, b: Tensor) -> TensorMask { a.data .> b.data }
    /// a ≥ b entry by entry on the values (`torch.ge`), broadcasting.
    public static func .>= (a: Tensor, b: Tensor) -> TensorMask { a.data .>= b.data }
    /// a = b entry by entry on the values (`torch.eq`), broadcasting.
    public static func .== (a: Tensor, b: Tensor) -> TensorMask { a.data .== b.data }
    /// a ≠ b entry by entry on the values (`torch.ne`), broadcasting; true where either is NaN.
    public static func .!= (a: Tensor, b: Tensor) -> TensorMask { a.data .!= b.data }

    /// Each value < `b` (`x < 0.5` in PyTorch).
    public static func .< (a: Tensor, b: Scalar) -> TensorMask { a.data .< b }
    /// Each value ≤ `b`.
    public static func .<= (a: Tensor, b: Scalar) -> TensorMask { a.data .<= b }
    /// Each value > `b`.
    public static func .> (a: Tensor, b: Scalar) -> TensorMask { a.data .> b }
    /// Each value ≥ `b`.
    public static func .>= (a: Tensor, b: Scalar) -> TensorMask { a.data .>= b }
    /// Each value = `b`.
    public static func .== (a: Tensor, b: Scalar) -> TensorMask { a.data .== b }
    /// Each value ≠ `b`.
    public static func .!= (a: Tensor, b: Scalar) -> TensorMask { a.data .!= b }
    /// `a` < each value.
    public static func .< (a: Scalar, b: Tensor) -> TensorMask { a .< b.data }
    /// `a` ≤ each value.
    public static func .<= (a: Scalar, b: Tensor) -> TensorMask { a .<= b.data }
    /// `a` > each value.
    public static func .> (a: Scalar, b: Tensor) -> TensorMask { a .> b.data }
    /// `a` ≥ each value.
    public static func .>= (a: Scalar, b: Tensor) -> TensorMask { a .>= b.data }
    /// `a` = each value.
    public static func .== (a: Scalar, b: Tensor) -> TensorMask { a .== b.data }
    /// `a` ≠ each value.
    public static func .!= (a: Scalar, b: Tensor) -> TensorMask { a .!= b.data }
}
