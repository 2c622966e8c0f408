/// Data-parallel training of one model replicated on every rank of a ``Communicator``, as
/// PyTorch's `DistributedDataParallel`: the replicas start from rank 0's parameters, each rank
/// computes the gradients of its share of every global batch, and the gradients are averaged
/// across the ranks before every optimiser step, so the replicas stay identical and any
/// optimiser works unchanged.
///
/// With rank r holding nᵣ of the batch's N = Σᵣ nᵣ examples and the gradient gᵣ of its
/// share's mean loss, the gradient every rank applies is
///
///     g = Σᵣ (nᵣ / N) · gᵣ,
///
/// the gradient of the whole batch's mean loss, up to the order of summation: rank r scales
/// its gradients by nᵣ/N while packing them, and one allreduce sums them (with equal shares,
/// the mean of the ranks' gradients). The loss and the number classified correctly are summed
/// the same way, so every rank sees the global batch's figures.
///
/// Gradients travel in buckets of about ``bucketBytes`` (25 MiB by default, PyTorch's
/// `bucket_cap_mb`): consecutive parameters packed into one buffer and reduced with one
/// allreduce, not one call per tensor. A parameter larger than a bucket has one of its own.
/// Nabla's backward pass is not asynchronous, so the reductions follow it rather than overlap
/// it.
///
/// Buffers (batch norm's running statistics) are not synchronised: each rank keeps the
/// statistics of its own shares, as PyTorch's `SyncBatchNorm` would not, and a model saved by
/// rank 0 carries rank 0's. Dropout masks are drawn per rank.
public final class DataParallel<Scalar: TensorScalar> {
    /// The ranks training together.
    public let communicator: any Communicator
    /// The replicated parameters, in the model's order.
    public let parameters: [Tensor<Scalar>]
    /// The most bytes a bucket of gradients holds (unless one parameter alone is larger).
    public let bucketBytes: Int
    /// The buckets: consecutive ranges of ``parameters``' indices.
    public let buckets: [Range<Int>]
    private var bucketBuffers: [[Scalar]]

    /// PyTorch's default bucket size: 25 MiB.
    public static var defaultBucketBytes: Int { 25 << 20 }

    /// Replicates `parameters` over `communicator`'s ranks, gradients in buckets of at most
    /// `bucketBytes` (positive). Nothing is exchanged yet: see ``broadcastParameters()``.
    public init(_ parameters: [Tensor<Scalar>], over communicator: any Communicator, bucketBytes: Int = defaultBucketBytes) {
        require(bucketBytes > 0, "DataParallel: bucketBytes must be positive, got \(bucketBytes)")
        self.communicator = communicator
        self.parameters = parameters
        self.bucketBytes = bucketBytes
        buckets = Self.buckets(sizes: parameters.map { $0.shape.count * MemoryLayout<Scalar>.stride }, bucketBytes: bucketBytes)
        bucketBuffers = buckets.map { range in [Scalar](repeating: 0, count: range.reduce(0) { $0 + parameters[$1].shape.count }) }
    }

    /// Groups consecutive items of `sizes` (bytes) into ranges whose total is at most
    /// `bucketBytes`, a new range starting whenever the next item would not fit; an item larger
    /// than `bucketBytes` is a range of its own.
    static func buckets(sizes: [Int], bucketBytes: Int) -> [Range<Int>] {
        var buckets: [Range<Int>] = []
        var start = 0, bytes = 0
        for (k, size) in sizes.enumerated() {
            if k > start, bytes + size > bucketBytes {
                buckets.append(start..<k)
                (start, bytes) = (k, 0)
            }
            bytes += size
        }
        if start < sizes.count { buckets.append(start..<sizes.count) }
        return buckets
    }

    /// This rank's positions in a global batch of `count` examples: rank, rank + size, rank +
    /// 2·size, … (every size-th example from the rank's own place). When size divides the batch
    /// size, this is the split of PyTorch's `DistributedSampler` (each rank takes every size-th
    /// example of the epoch's shuffled order) cut into per-rank batches of batch size / size;
    /// otherwise the first count mod size ranks have one example more. A rank may have none
    /// when the batch has fewer examples than there are ranks.
    public func shard(ofBatchOf count: Int) -> StrideTo<Int> {
        stride(from: communicator.rank, to: count, by: communicator.size)
    }

    /// Overwrites every rank's parameters with rank 0's, bucket by bucket (one broadcast per
    /// bucket), so that the replicas start equal.
    public func broadcastParameters() throws {
        for (bucket, range) in buckets.enumerated() {
            try bucketBuffers[bucket].withUnsafeMutableBufferPointer { buffer in
                var offset = 0
                for p in range {
                    parameters[p].data.scalars.withUnsafeBufferPointer { values in
                        (buffer.baseAddress! + offset).update(from: values.baseAddress!, count: values.count)
                    }
                    offset += parameters[p].shape.count
                }
                try communicator.broadcast(UnsafeMutableRawBufferPointer(buffer), from: 0)
                guard communicator.rank != 0 else { return }
                offset = 0
                for p in range {
                    let count = parameters[p].shape.count
                    parameters[p].updateData { data in
                        data.scalars.withUnsafeMutableBufferPointer { values in
                            values.baseAddress!.update(from: buffer.baseAddress! + offset, count: count)
                        }
                    }
                    offset += count
                }
            }
        }
    }

    /// What every rank knows after a step's exchange.
    struct GlobalStep {
        /// The examples in the global batch, Σᵣ nᵣ.
        var count: Int
        /// The global batch's mean loss, Σᵣ nᵣ·lossᵣ / N.
        var loss: Double
        /// The examples classified correctly over all shares.
        var correct: Int
        /// Whether any rank asked to stop after this step.
        var stopRequested: Bool
    }

    /// Averages one step's gradients across the ranks (see the type's description), in place:
    /// `gradients` (one per parameter, nil where the parameter got none) becomes g on every
    /// rank. First one small allreduce of each rank's count, loss, correct count, stop request,
    /// which gradients it has and whether it failed; then one per bucket.
    ///
    /// A rank whose step failed (`failure`) still takes part in the first exchange, so that
    /// every rank throws together: ``DataParallelError/failed(ranks:message:)``, naming the
    /// failed ranks, with this rank's own message when it is one of them.
    func synchronize(_ gradients: inout [NDArray<Scalar>?], count: Int, loss: Double, correct: Int, stopRequested: Bool,
                     failure: (any Error)?) throws -> GlobalStep {
        let size = communicator.size
        let header = 4, present = header, failed = header + parameters.count
        var summary = [Double](repeating: 0, count: failed + size)
        summary[0] = Double(count)
        summary[1] = count == 0 ? 0 : loss * Double(count)
        summary[2] = Double(correct)
        summary[3] = stopRequested ? 1 : 0
        for (k, gradient) in gradients.enumerated() where gradient != nil { summary[present + k] = 1 }
        if failure != nil { summary[failed + communicator.rank] = 1 }
        try communicator.allreduce(&summary)
        let failedRanks = (0..<size).filter { summary[failed + $0] != 0 }
        guard failedRanks.isEmpty else {
            throw DataParallelError.failed(ranks: failedRanks, message: failure.map { "\($0)" })
        }
        let total = Int(summary[0])
        guard total > 0 else { throw DataParallelError.failed(ranks: Array(0..<size), message: "a global batch without examples") }
        try reduce(&gradients, scale: Scalar(Double(count) / Double(total)), present: (0..<parameters.count).map { summary[present + $0] != 0 })
        return GlobalStep(count: total, loss: summary[1] / Double(total), correct: Int(summary[2]), stopRequested: summary[3] != 0)
    }

    /// Packs scale·gradient into each bucket (zeros for a missing one), sums the buckets across
    /// the ranks, and unpacks the sums; a parameter no rank has a gradient for stays nil.
    ///
    /// The copies are bulk copies and the scaling one loop over Float or Double (``scale(_:by:)``):
    /// this code is generic over `Scalar` and may run unspecialised, where an element-by-element
    /// loop would cost more than the step's arithmetic.
    private func reduce(_ gradients: inout [NDArray<Scalar>?], scale: Scalar, present: [Bool]) throws {
        for (bucket, range) in buckets.enumerated() {
            try bucketBuffers[bucket].withUnsafeMutableBufferPointer { buffer in
                var offset = 0
                for p in range {
                    let count = parameters[p].shape.count
                    if let gradient = gradients[p] {
                        gradient.scalars.withUnsafeBufferPointer { g in
                            (buffer.baseAddress! + offset).update(from: g.baseAddress!, count: count)
                        }
                    } else {
                        (buffer.baseAddress! + offset).update(repeating: 0, count: count)
                    }
                    offset += count
                }
                Self.scale(buffer, by: scale)
                try communicator.allreduce(buffer)
                offset = 0
                for p in range {
                    let count = parameters[p].shape.count, start = buffer.baseAddress! + offset
                    gradients[p] = present[p]
                        ? NDArray(shape: parameters[p].shape, checkedScalars: [Scalar](unsafeUninitializedCapacity: count) { values, initialized in
                            values.baseAddress!.initialize(from: start, count: count)
                            initialized = count
                        })
                        : nil
                    offset += count
                }
            }
        }
    }

    /// bᵢ ← factor·bᵢ, in a loop over Float or Double (compiled for each, whether or not the
    /// caller is specialised); nothing when the factor is 1.
    static func scale(_ buffer: UnsafeMutableBufferPointer<Scalar>, by factor: Scalar) {
        guard factor != 1 else { return }
        let raw = UnsafeMutableRawBufferPointer(buffer)
        if Scalar.self == Float.self {
            scaleFloats(raw.bindMemory(to: Float.self), by: unsafeBitCast(factor, to: Float.self))
            raw.bindMemory(to: Scalar.self)
        } else if Scalar.self == Double.self {
            scaleDoubles(raw.bindMemory(to: Double.self), by: unsafeBitCast(factor, to: Double.self))
            raw.bindMemory(to: Scalar.self)
        } else {
            for i in buffer.indices { buffer[i] *= factor }
        }
    }

    /// Checks that every rank's parameters are bit for bit rank 0's (a 64-bit FNV-1a hash of
    /// their bits, broadcast from rank 0 and compared): the invariant of data parallelism,
    /// which an allreduce giving different sums on different ranks would break. Throws
    /// ``DataParallelError/parametersDiverged(ranks:step:)`` on every rank otherwise.
    public func checkReplicasAgree(step: Int) throws {
        let own = Self.fingerprint(parameters)
        var reference = [own]
        try communicator.broadcast(&reference, from: 0)
        let differing = try communicator.ranks(where: reference[0] != own)
        if !differing.isEmpty { throw DataParallelError.parametersDiverged(ranks: differing, step: step) }
    }

    /// A 64-bit FNV-1a hash of the parameters' bytes, in order: equal bits give equal hashes.
    static func fingerprint(_ parameters: [Tensor<Scalar>]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for parameter in parameters {
            parameter.data.scalars.withUnsafeBytes { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            }
        }
        return hash
    }
}

/// bᵢ ← factor·bᵢ on Float buffers (outside the generic class, so compiled for Float).
private func scaleFloats(_ buffer: UnsafeMutableBufferPointer<Float>, by factor: Float) {
    for i in buffer.indices { buffer[i] *= factor }
}

/// bᵢ ← factor·bᵢ on Double buffers.
private func scaleDoubles(_ buffer: UnsafeMutableBufferPointer<Double>, by factor: Double) {
    for i in buffer.indices { buffer[i] *= factor }
}
