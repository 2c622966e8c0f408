/// Splits a ``Dataset`` into mini-batches, in an order that is reshuffled every epoch and the
/// same on every run.
///
/// Iterating a loader yields the batches of its ``epoch``; advance it for the next one:
///
/// ```swift
/// var loader = try BatchLoader(train, batchSize: 32, seed: 7)
/// for epoch in 0..<10 {
///     loader.epoch = epoch
///     for batch in loader { /* batch.inputs: [32, …], batch.labels: 32 labels */ }
/// }
/// ```
///
/// With `shuffle`, epoch e visits the examples in the order of a Fisher–Yates shuffle of
/// 0..<count driven by `SeededGenerator(seed: seed &+ UInt64(e))`: for i from count − 1 down
/// to 1, swap position i with position j, where j is the high 64 bits of the 128-bit product
/// `next() × (i + 1)` (uniform in 0...i up to a bias below (i + 1)/2⁶⁴). Without `shuffle`
/// every epoch is in dataset order. Each batch is one gathered copy of its rows.
public struct BatchLoader<Scalar: TensorScalar>: Sequence, Sendable {
    /// The examples batched.
    public let dataset: Dataset<Scalar>
    /// Examples per batch; the last batch of an epoch may have fewer unless `dropLast`.
    public let batchSize: Int
    /// Whether each epoch visits the examples in a shuffled order rather than dataset order.
    public let shuffle: Bool
    /// The seed of epoch 0's shuffle; epoch e uses `seed &+ e`.
    public let seed: UInt64
    /// Whether to leave out the last batch of an epoch when it has fewer than `batchSize`
    /// examples (those examples then go unused in that epoch).
    public let dropLast: Bool
    /// The epoch whose batches iteration yields.
    public var epoch: Int

    /// Throws ``DataError/invalidBatchSize(_:)`` when `batchSize` is not positive: batch sizes
    /// often come from configuration, so this is an error rather than a precondition.
    public init(
        _ dataset: Dataset<Scalar>, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false,
        epoch: Int = 0
    ) throws(DataError) {
        guard batchSize > 0 else { throw .invalidBatchSize(batchSize) }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
        self.epoch = epoch
    }

    /// Batches per epoch: ⌈count / batchSize⌉, or ⌊count / batchSize⌋ with `dropLast`.
    public var numberOfBatches: Int {
        // ⌈count / batchSize⌉ without count + batchSize − 1, which overflows for a huge batch size.
        dataset.count / batchSize + (dropLast || dataset.count % batchSize == 0 ? 0 : 1)
    }

    /// The order in which `epoch` visits the examples: a permutation of 0..<count.
    public func order(epoch: Int) -> [Int] {
        var order = Array(0..<dataset.count)
        guard shuffle, order.count > 1 else { return order }
        // Negative epochs wrap, so every Int gives a well-defined order.
        var generator = SeededGenerator(seed: seed &+ UInt64(bitPattern: Int64(epoch)))
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let j = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
            order.swapAt(i, j)
        }
        return order
    }

    /// All of `epoch`'s batches at once (iterating the loader makes them one at a time).
    public func batches(epoch: Int) -> [Batch] {
        var loader = self
        loader.epoch = epoch
        return Array(loader)
    }

    /// ``numberOfBatches``, exactly.
    public var underestimatedCount: Int { numberOfBatches }

    /// An iterator over ``epoch``'s batches, in ``order(epoch:)``.
    public func makeIterator() -> Iterator {
        Iterator(dataset: dataset, order: order(epoch: epoch), batchSize: batchSize, batchCount: numberOfBatches)
    }

    /// Some examples of a dataset, gathered.
    public struct Batch: Sendable, Equatable {
        /// Shape [count, …] as the dataset's inputs.
        public let inputs: NDArray<Scalar>
        /// The examples' labels (empty when the dataset has none).
        public let labels: [Int]
        /// The examples' regression targets, shape [count, …], or nil when the dataset has none.
        public let targets: NDArray<Scalar>?
        /// The examples' positions in the dataset.
        public let indices: [Int]

        /// The number of examples in the batch.
        public var count: Int { indices.count }
    }

    /// Makes an epoch's batches one at a time.
    public struct Iterator: IteratorProtocol {
        let dataset: Dataset<Scalar>
        let order: [Int]
        let batchSize: Int
        let batchCount: Int
        var batchIndex = 0

        /// The next batch of the epoch, or nil after the last.
        public mutating func next() -> Batch? {
            guard batchIndex < batchCount else { return nil }
            let start = batchIndex * batchSize
            let indices = Array(order[start..<Swift.min(start + batchSize, order.count)])
            batchIndex += 1
            let examples = dataset[indices]
            return Batch(inputs: examples.inputs, labels: examples.labels, targets: examples.targets, indices: indices)
        }
    }
}
