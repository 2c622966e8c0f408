/// A tensor of integer indices: a shape and one `Int` per element, row-major (PyTorch's `int64`
/// index tensors), for ``DifferentiableTensor/gather(indices:axis:)`` and
/// ``DifferentiableTensor/scatterAdd(axis:indices:source:)``. Indices are data: no gradient flows
/// through them, and in a static graph they are fixed when the graph is built.
///
/// ```swift
/// let x = Tensor<Double>([[1, 2], [3, 4]])
/// let picked = x.gather(indices: IndexTensor([[0, 0], [1, 0]]), axis: 1)   // [[1, 1], [4, 3]]
/// ```
public struct IndexTensor: Sendable, Hashable, CustomStringConvertible {
    /// The size of each axis.
    public let shape: Shape
    /// The indices in row-major order, `shape.count` of them.
    public let values: [Int]

    /// For values whose count the caller has made that of `shape` (a mismatch is a bug in Nabla).
    init(shape: Shape, checkedValues values: [Int]) {
        require(values.count == shape.count, "IndexTensor: shape \(shape) needs \(shape.count) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    /// Indices of `shape` holding `values` in row-major order (`torch.tensor(values).reshape(shape)`).
    /// A count that is not the shape's is thrown (data from outside enters here), naming both.
    public init(shape: Shape, values: [Int]) throws(TensorShapeError) {
        guard values.count == shape.count else {
            throw TensorShapeError(operation: "IndexTensor(shape:values:)", shapes: [shape], reason: "needs \(shape.count) values, got \(values.count)")
        }
        self.init(shape: shape, checkedValues: values)
    }

    /// A vector of indices (`torch.tensor([2, 0])`).
    public init(_ values: [Int]) { self.init(shape: [values.count], checkedValues: values) }

    /// A matrix of indices from its rows; rows of different lengths are a programmer error and stop.
    public init(_ rows: [[Int]]) {
        let columns = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == columns }, "IndexTensor: rows of different lengths \(rows.map(\.count))")
        self.init(shape: [rows.count, columns], checkedValues: rows.flatMap { $0 })
    }

    /// A rank-3 tensor of indices from nested arrays; nested arrays of different shapes are a
    /// programmer error and stop.
    public init(_ planes: [[[Int]]]) {
        let matrices = planes.map { IndexTensor($0) }
        let inner = matrices.first?.shape ?? [0, 0]
        require(matrices.allSatisfy { $0.shape == inner }, "IndexTensor: nested arrays of different shapes")
        self.init(shape: Shape([planes.count] + inner.dimensions), checkedValues: matrices.flatMap(\.values))
    }

    /// Indices held as numbers, as ``DifferentiableTensor/argmax(axis:keepingDimensions:)`` gives
    /// them (PyTorch's `t.long()`); an entry that is not a whole number is a programmer error and
    /// stops.
    public init<Scalar: TensorScalar>(_ array: NDArray<Scalar>) {
        let values = array.scalars.enumerated().map { k, x in
            require(x.rounded() == x && Swift.abs(x) < Scalar(Int.max), "IndexTensor: entry \(x) at flat position \(k) is not a whole number")
            return Int(x)
        }
        self.init(shape: array.shape, checkedValues: values)
    }

    /// The number of axes (0 for a single index).
    public var rank: Int { shape.rank }

    /// The index at a multi-dimensional position, one non-negative entry per axis; a wrong count
    /// or an entry out of range is a programmer error and stops.
    public subscript(index: [Int]) -> Int {
        require(index.count == rank && zip(index, shape.dimensions).allSatisfy { $0 >= 0 && $0 < $1 },
                "IndexTensor: position \(index) for shape \(shape)")
        return values[zip(index, shape.strides).reduce(0) { $0 + $1.0 * $1.1 }]
    }

    /// `IndexTensor[2, 2] [[0, 0], [1, 0]]`: the shape and the indices, nested.
    public var description: String {
        func nested(_ axis: Int, _ offset: Int) -> String {
            guard axis < rank else { return "\(values[offset])" }
            let stride = shape.strides[axis]
            return "[" + (0..<shape[axis]).map { nested(axis + 1, offset + $0 * stride) }.joined(separator: ", ") + "]"
        }
        return "IndexTensor\(shape) " + nested(0, 0)
    }
}
