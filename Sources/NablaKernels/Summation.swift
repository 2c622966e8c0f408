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
    /// Single precision, by the C kernel `nabla_ssum`.
    @inlinable
    public static func pairwiseSum(_ x: UnsafePointer<Float>, outer: Int, reduced: Int, inner: Int, into out: UnsafeMutablePointer<Float>) {
        nabla_ssum(x, outer, reduced, inner, out)
    }
}

extension Double: SummationScalar {
    /// Double precision, by the C kernel `nabla_dsum`.
    @inlinable
    public static func pairwiseSum(_ x: UnsafePointer<Double>, outer: Int, reduced: Int, inner: Int, into out: UnsafeMutablePointer<Double>) {
        nabla_dsum(x, outer, reduced, inner, out)
    }
}
