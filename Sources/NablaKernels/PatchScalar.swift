import CNablaKernels

/// A scalar type with the image kernels of convolution and pooling: max pooling's choice of
/// maxima, im2col and col2im.
public protocol PatchScalar {
    /// For each window of max pooling over `geometry` on `planes` images of height × width
    /// (row-major, one after another), the flat index from `x` of the window's maximum among its
    /// taps inside the image, or −1 when no tap is inside: `chosen[(p·OH + y)·OW + x]`. The first
    /// of equal maxima, and the last NaN when there are NaNs, as PyTorch's `max_pool2d`.
    static func poolMaxima(_ x: UnsafePointer<Self>, planes: Int, height: Int, width: Int, geometry: PatchGeometry,
                           into chosen: UnsafeMutablePointer<Int>)
    /// im2col of `planes` images of `planeSize` ≥ 1 pixels: `out[p·block + k]` is pixel
    /// `offsets[k]` of image p, or `pad` where `offsets[k]` is −1 (``PatchGeometry/patchOffsets(height:width:)``).
    static func unfold(_ x: UnsafePointer<Self>, planes: Int, planeSize: Int, offsets: UnsafePointer<Int>, block: Int, pad: Self,
                       into out: UnsafeMutablePointer<Self>)
    /// col2im, the transpose of ``unfold(_:planes:planeSize:offsets:block:pad:into:)``: adds
    /// `patches[p·block + k]` to pixel `offsets[k]` of image p in `out`, in order of k, dropping
    /// padding.
    static func fold(_ patches: UnsafePointer<Self>, planes: Int, planeSize: Int, offsets: UnsafePointer<Int>, block: Int,
                     into out: UnsafeMutablePointer<Self>)
}

extension Float: PatchScalar {
    /// Single precision, by the C kernel `nabla_spool_argmax` (branch-free choices).
    @inlinable
    public static func poolMaxima(_ x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, geometry g: PatchGeometry,
                                  into chosen: UnsafeMutablePointer<Int>) {
        guard let (oh, ow) = g.outputSize(height: height, width: width) else { return }
        nabla_spool_argmax(x, planes, height, width, oh, ow, g.kernel.height, g.kernel.width, g.stride.height, g.stride.width,
                           g.padding.height, g.padding.width, g.dilation.height, g.dilation.width, chosen)
    }
    /// Single precision, by the C kernel `nabla_sunfold`.
    @inlinable
    public static func unfold(_ x: UnsafePointer<Float>, planes: Int, planeSize: Int, offsets: UnsafePointer<Int>, block: Int, pad: Float,
                              into out: UnsafeMutablePointer<Float>) {
        nabla_sunfold(x, planes, planeSize, offsets, block, pad, out)
    }
    /// Single precision, by the C kernel `nabla_sfold`.
    @inlinable
    public static func fold(_ patches: UnsafePointer<Float>, planes: Int, planeSize: Int, offsets: UnsafePointer<Int>, block: Int,
                            into out: UnsafeMutablePointer<Float>) {
        nabla_sfold(patches, planes, planeSize, offsets, block, out)
    }
}

extension Double: PatchScalar {
    /// Double precision, by the C kernel `nabla_dpool_argmax` (branch-free choices).
    @inlinable
    public static func poolMaxima(_ x: UnsafePointer<Double>, planes: Int, height: Int, width: Int, geometry g: PatchGeometry,
                                  into chosen: UnsafeMutablePointer<Int>) {
        guard let (oh, ow) = g.outputSize(height: height, width: width) else { return }
        nabla_dpool_argmax(x, planes, height, width, oh, ow, g.kernel.height, g.kernel.width, g.stride.height, g.stride.width,
                           g.padding.height, g.padding.width, g.dilation.height, g.dilation.width, chosen)
    }
    /// Double precision, by the C kernel `nabla_dunfold`.
    @inlinable
    public static func unfold(_ x: UnsafePointer<Double>, planes: Int, planeSize: Int, offsets: UnsafePointer<Int>, block: Int, pad: Double,
                              into out: UnsafeMutablePointer<Double>) {
        nabla_dunfold(x, planes, planeSize, offsets, block, pad, out)
    }
    /// Double precision, by the C kernel `nabla_dfold`.
    @inlinable
    public static func fold(_ patches: UnsafePointer<Double>, planes: Int, planeSize: Int, offsets: UnsafePointer<Int>, block: Int,
                            into out: UnsafeMutablePointer<Double>) {
        nabla_dfold(patches, planes, planeSize, offsets, block, out)
    }
}
