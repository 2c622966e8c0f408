import CNablaKernels

// Image patches (im2col and its inverse), the kernels under convolution and pooling.

/// The geometry of sliding a kh×kw window over an NCHW image with a stride, zero padding and a
/// dilation (the spacing between the window's taps, PyTorch's `dilation`).
public struct PatchGeometry: Hashable, Sendable {
    /// The window's height and width (kh, kw), both ≥ 1.
    public var kernel: (height: Int, width: Int)
    /// How far the window moves between output positions, down and across (sh, sw), both ≥ 1.
    public var stride: (height: Int, width: Int)
    /// Rows added above and below, and columns added left and right, of the image (ph, pw), both
    /// ≥ 0; they read the caller's `padValue`.
    public var padding: (height: Int, width: Int)
    /// The distance between neighbouring taps of the window (dh, dw), both ≥ 1; 1 is a dense
    /// window. Tap (i, j) of the window at output (y, x) reads input pixel
    /// (y·sh − ph + i·dh, x·sw − pw + j·dw).
    public var dilation: (height: Int, width: Int)

    /// A geometry from (height, width) pairs. A kernel, stride or dilation below 1, or a negative
    /// padding, is a programmer error and stops.
    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) {
        require(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && padding.0 >= 0 && padding.1 >= 0
                    && dilation.0 > 0 && dilation.1 > 0,
                "PatchGeometry: kernel \(kernel), stride \(stride), padding \(padding), dilation \(dilation)")
        self.kernel = (kernel.0, kernel.1)
        self.stride = (stride.0, stride.1)
        self.padding = (padding.0, padding.1)
        self.dilation = (dilation.0, dilation.1)
    }

    /// Equal when kernel, stride, padding and dilation are all equal.
    public static func == (a: PatchGeometry, b: PatchGeometry) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation
    }
    /// Hashes kernel, stride, padding and dilation, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kernel.height); hasher.combine(kernel.width); hasher.combine(stride.height)
        hasher.combine(stride.width); hasher.combine(padding.height); hasher.combine(padding.width)
        hasher.combine(dilation.height); hasher.combine(dilation.width)
    }

    /// The extent of the dilated window, (dh·(kh − 1) + 1, dw·(kw − 1) + 1): the kernel size when
    /// the dilation is 1.
    public var span: (height: Int, width: Int) {
        (dilation.height * (kernel.height - 1) + 1, dilation.width * (kernel.width - 1) + 1)
    }

    /// The output's height and width for an input of height h and width w,
    /// ⌊(h + 2·ph − dh·(kh − 1) − 1)/sh⌋ + 1 and likewise across, as PyTorch's conv2d (nil if
    /// the dilated window does not fit the padded input).
    public func outputSize(height h: Int, width w: Int) -> (height: Int, width: Int)? {
        let (spanH, spanW) = span
        let oh = (h + 2 * padding.height - spanH) / stride.height + 1
        let ow = (w + 2 * padding.width - spanW) / stride.width + 1
        return h + 2 * padding.height >= spanH && w + 2 * padding.width >= spanW ? (oh, ow) : nil
    }
}

extension PatchGeometry {
    /// For images of height × width, which pixel each element of one image's patches reads: for
    /// k = ((i·kw + j)·OH + y)·OW + x (tap (i, j) of the window at output (y, x)), the flat index
    /// (y·sh − ph + i·dh)·width + x·sw − pw + j·dw, or −1 where the tap falls in the padding.
    /// kh·kw·OH·OW entries; empty when the window does not fit.
    public func patchOffsets(height h: Int, width w: Int) -> [Int] {
        guard let (oh, ow) = outputSize(height: h, width: w) else { return [] }
        return [Int](unsafeUninitializedCapacity: kernel.height * kernel.width * oh * ow) { buffer, count in
            nabla_patch_offsets(h, w, oh, ow, kernel.height, kernel.width, stride.height, stride.width, padding.height, padding.width,
                                dilation.height, dilation.width, buffer.baseAddress)
            count = buffer.count
        }
    }
}

extension NDArray {
    /// im2col: for an image batch [N, C, H, W], the patches as [N, C·kh·kw, OH·OW]; row
    /// (c, i, j) holds input pixel (c, y·sh − ph + i·dh, x·sw − pw + j·dw) for each output position
    /// (y, x), or `padValue` outside the image. Input of another rank, or a window that does not
    /// fit, is a programmer error and stops. O(N·C·kh·kw·OH·OW).
    @inlinable
    public func unfolded(_ g: PatchGeometry, padValue: Scalar = 0) -> NDArray {
        require(rank == 4, "unfold: expects [N, C, H, W], got \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        guard let (oh, ow) = g.outputSize(height: h, width: w) else { requirementFailed("unfold: a \(g.kernel) window does not fit \(shape) with padding \(g.padding)") }
        let (kh, kw) = g.kernel
        let resultShape: Shape = [n, c * kh * kw, oh * ow]
        // An empty image (possible with padding) has only padding to read.
        guard h * w > 0 else { return NDArray(repeating: padValue, shape: resultShape) }
        // Each image plane's block of patches (its kh·kw rows) is contiguous in the result.
        let offsets = g.patchOffsets(height: h, width: w), block = offsets.count
        return NDArray.build(resultShape) { out in
            scalars.withUnsafeBufferPointer { x in
                offsets.withUnsafeBufferPointer { offsets in
                    Kernels.forEachChunk(of: n * c, minimumChunk: Swift.max(1, Kernels.cheapElementwiseChunk / Swift.max(1, block))) { planes in
                        Scalar.unfold(x.baseAddress! + planes.lowerBound * h * w, planes: planes.count, planeSize: h * w,
                                      offsets: offsets.baseAddress!, block: block, pad: padValue, into: out.baseAddress! + planes.lowerBound * block)
                    }
                }
            }
        }
    }

    /// col2im: the inverse layout of ``unfolded(_:padValue:)`` for gradients: patches
    /// [N, C·kh·kw, OH·OW] added back into an image of `imageShape` (overlaps add up; padding is
    /// dropped). Patches of another shape stop. O(N·C·kh·kw·OH·OW).
    @inlinable
    public func folded(into imageShape: Shape, _ g: PatchGeometry) -> NDArray {
        let (n, c, h, w) = (imageShape[0], imageShape[1], imageShape[2], imageShape[3])
        guard let (oh, ow) = g.outputSize(height: h, width: w) else { requirementFailed("fold: window does not fit \(imageShape)") }
        let (kh, kw) = g.kernel
        require(shape == [n, c * kh * kw, oh * ow], "fold: patches of shape \(shape) do not come from \(imageShape)")
        var result = [Scalar](repeating: 0, count: imageShape.count)
        guard h * w > 0 else { return NDArray(shape: imageShape, checkedScalars: result) }
        let offsets = g.patchOffsets(height: h, width: w), block = offsets.count
        result.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { patches in
                offsets.withUnsafeBufferPointer { offsets in
                    Kernels.forEachChunk(of: n * c, minimumChunk: Swift.max(1, Kernels.cheapElementwiseChunk / Swift.max(1, block))) { planes in
                        Scalar.fold(patches.baseAddress! + planes.lowerBound * block, planes: planes.count, planeSize: h * w,
                                    offsets: offsets.baseAddress!, block: block, into: out.baseAddress! + planes.lowerBound * h * w)
                    }
                }
            }
        }
        return NDArray(shape: imageShape, checkedScalars: result)
    }
}
