/// Examples for training or evaluation: inputs whose first axis counts the examples, with class
/// labels, regression targets, or both.
///
/// ```swift
/// let data = try Dataset(inputs: NDArray(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1]),
///                        labels: [0, 1, 1, 0])
/// let firstAndLast = data[[0, 3]]   // 2 examples
/// ```
public struct Dataset<Scalar: TensorScalar>: Sendable, Equatable {
    /// The inputs, shape [count, …]: example k is the k-th slice along the first axis.
    public let inputs: NDArray<Scalar>
    /// Class labels, one per example, or empty when the dataset has none (regression).
    public let labels: [Int]
    /// Regression targets, shape [count, …], or nil.
    public let targets: NDArray<Scalar>?

    /// Checks that labels (unless empty) and targets (unless nil) have one entry per example.
    public init(inputs: NDArray<Scalar>, labels: [Int] = [], targets: NDArray<Scalar>? = nil) throws(DataError) {
        guard inputs.rank > 0 else { throw .inputsHaveNoExampleAxis }
        let examples = inputs.shape[0]
        guard labels.isEmpty || labels.count == examples else {
            throw .countMismatch(what: "labels", count: labels.count, examples: examples)
        }
        if let targets {
            let count = targets.rank > 0 ? targets.shape[0] : 1
            guard targets.rank > 0, count == examples else {
                throw .countMismatch(what: "targets", count: count, examples: examples)
            }
        }
        self.init(checkedInputs: inputs, labels: labels, targets: targets)
    }

    /// For parts whose counts agree by construction.
    init(checkedInputs inputs: NDArray<Scalar>, labels: [Int], targets: NDArray<Scalar>?) {
        self.inputs = inputs
        self.labels = labels
        self.targets = targets
    }

    /// The number of examples.
    public var count: Int { inputs.shape[0] }

    /// The examples at `indices`, in that order (repeats allowed): one copy of their rows.
    /// An index outside `0..<count` is a programming error and stops the program, as an array
    /// subscript does.
    public subscript(indices: [Int]) -> Dataset {
        Dataset(
            checkedInputs: inputs.rows(indices),
            labels: labels.isEmpty ? [] : indices.map { labels[$0] },
            targets: targets?.rows(indices)
        )
    }
}

extension NDArray {
    /// The slices at `indices` along the first axis, stacked: shape [indices.count, …]. Each
    /// row is one contiguous block copy.
    func rows(_ indices: [Int]) -> NDArray {
        let rowCount = shape[0]
        let rowSize = rowCount == 0 ? 0 : count / rowCount
        for index in indices {
            require(index >= 0 && index < rowCount, "Dataset: example index \(index) is out of range 0..<\(rowCount)")
        }
        let newShape = Shape([indices.count] + shape.dimensions.dropFirst())
        guard rowSize > 0 else { return NDArray(shape: newShape, checkedScalars: []) }
        return NDArray.build(newShape) { output in
            withUnsafeBufferPointer { input in
                for (row, index) in indices.enumerated() {
                    (output.baseAddress! + row * rowSize).initialize(from: input.baseAddress! + index * rowSize, count: rowSize)
                }
            }
        }
    }
}
