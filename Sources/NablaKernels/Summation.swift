import CNablaKernels

/// Element types the summation kernel handles.
public protocol SummationScalar {
    /// out[k·inner + i] = Σ_{r < reduced} x[(k·reduced + r)·inner + i] for k < outer and
    /// i < inner: the sums over the middle axis of a row-major array of shape
    /// [outer, reduced, inner], added pairwise (the rounding error grows as log₂ reduced, not
    /// as reduced). An empty sum (reduced = 0) is 0. O(outer·reduced·inner).
    static func pairwiseSum(_ x: UnsafePointer<Self>, outer: Int, reduced: Int, inner: Int, into out: UnsafeMutablePointer<Self>)
}

extension Float: SummationScalar {
    /// Single precision, by the C kernel `nabla_ssum` (large sums on `Kernels.threads` threads).
    @inlinable
    public static func pairwiseSum(_ x: UnsafePointer<Float>, outer: Int, reduced: Int, inner: Int, into out: UnsafeMutablePointer<Float>) {
        // Large sums split their outer rows over threads: each output is still one thread's
        // pairwise sum, so the numbers do not change.
        let rowElements = Swift.max(1, reduced * inner)
        Kernels.forEachChunk(of: outer, minimumChunk: Swift.max(1, Kernels.cheapElementwiseChunk / rowElements)) { rows in
            nabla_ssum(x + rows.lowerBound * reduced * inner, rows.count, reduced, inner, out + rows.lowerBound * inner)
        }
    }
}

extension Double: SummationScalar {
    /// Double precision, by the C kernel `nabla_dsum` (large sums on `Kernels.threads` threads).
    @inlinable
    public static func pairwiseSum(_ x: UnsafePointer<Double>, outer: Int, reduced: Int, inner: Int, into out: UnsafeMutablePointer<Double>) {
        // Large sums split their outer rows over threads: each output is still one thread's
        // pairwise sum, so the numbers do not change.
        let rowElements = Swift.max(1, reduced * inner)
        Kernels.forEachChunk(of: outer, minimumChunk: Swift.max(1, Kernels.cheapElementwiseChunk / rowElements)) { rows in
            nabla_dsum(x + rows.lowerBound * reduced * inner, rows.count, reduced, inner, out + rows.lowerBound * inner)
        }
    }
}
