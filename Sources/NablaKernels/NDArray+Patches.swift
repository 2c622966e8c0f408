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
    /// The output columns xo in `first..<end` whose input column xo·stride − padding + offset
    /// lies inside an image of `width` columns (the others read padding).
    @inlinable
    public func insideColumns(offset: Int, outputs: Int, width: Int) -> (first: Int, end: Int) {
        let inside = PatchGeometry.steps(from: offset - padding.width, by: stride.width, count: outputs, landingIn: width)
        return (inside.lowerBound, inside.upperBound)
    }

    /// The k in 0..<count whose position start + k·step (step ≥ 1) lies in 0..<limit: a range,
    /// empty when none does.
    @inlinable
    public static func steps(from start: Int, by step: Int, count: Int, landingIn limit: Int) -> Range<Int> {
        // start + k·step ≥ 0  ⇔  k ≥ ⌈−start/step⌉;   start + k·step < limit  ⇔  k < ⌈(limit − start)/step⌉.
        let first = start >= 0 ? 0 : (-start + step - 1) / step
        let end = limit - start <= 0 ? 0 : (limit - start + step - 1) / step
        return Swift.min(first, count)..<Swift.max(Swift.min(end, count), Swift.min(first, count))
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
        let rows = c * kh * kw, positions = oh * ow
        return NDArray.build([n, rows, positions]) { out in
            scalars.withUnsafeBufferPointer { x in
                for b in 0..<n {
                    for ch in 0..<c {
                        let image = (b * c + ch) * h * w
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let row = ((b * rows) + (ch * kh + i) * kw + j) * positions
                                // The output columns whose input column is inside the image.
                                let (first, end) = g.insideColumns(offset: j * g.dilation.width, outputs: ow, width: w)
                                for y in 0..<oh {
                                    let iy = y * g.stride.height - g.padding.height + i * g.dilation.height
                                    let target = row + y * ow
                                    guard iy >= 0 && iy < h else {
                                        for xo in 0..<ow { out[target &+ xo] = padValue }
                                        continue
                                    }
                                    // Wrapping arithmetic in the inner loops (every index is within the
                                    // arrays): no overflow checks, so the copies vectorise.
                                    for xo in 0..<first { out[target &+ xo] = padValue }
                                    let source = image + iy * w - g.padding.width + j * g.dilation.width, step = g.stride.width
                                    for xo in first..<end { out[target &+ xo] = x[source &+ xo &* step] }
                                    for xo in end..<ow { out[target &+ xo] = padValue }
                                }
                            }
                        }
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
        let rows = c * kh * kw, positions = oh * ow
        require(shape == [n, rows, positions], "fold: patches of shape \(shape) do not come from \(imageShape)")
        var result = [Scalar](repeating: 0, count: imageShape.count)
        result.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { x in
                for b in 0..<n {
                    for ch in 0..<c {
                        let image = (b * c + ch) * h * w
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let row = ((b * rows) + (ch * kh + i) * kw + j) * positions
                                let (first, end) = g.insideColumns(offset: j * g.dilation.width, outputs: ow, width: w)
                                for y in 0..<oh {
                                    let iy = y * g.stride.height - g.padding.height + i * g.dilation.height
                                    guard iy >= 0 && iy < h else { continue }
                                    let target = image + iy * w - g.padding.width + j * g.dilation.width, source = row + y * ow
                                    let step = g.stride.width
                                    for xo in first..<end { out[target &+ xo &* step] += x[source &+ xo] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return NDArray(shape: imageShape, checkedScalars: result)
    }
}
