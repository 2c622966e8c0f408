// Max pooling's kernels: the window maxima, and the pair of linear maps its derivatives are
// made of (routing values to each window's maximum, and picking values there).

extension NDArray {
    /// Max pooling of an image batch [N, C, H, W] over the windows of `g`: [N, C, OH, OW], output
    /// (y, x) the largest entry among the window's taps inside the image (the padding counts as
    /// −∞, as PyTorch's `F.max_pool2d`), NaN where one of them is NaN, and −∞ for a window with no
    /// tap inside the image (possible only with dilation). Input of another rank, or a window
    /// that does not fit, is a programmer error and stops. O(N·C·OH·OW·kh·kw).
    @inlinable
    public func maxPooled(_ g: PatchGeometry) -> NDArray {
        let outputShape = pooledShape(g, function: "maxPool")
        return scalars.withUnsafeBufferPointer { x in
            NDArray.build(outputShape) { out in
                forEachPoolMaximum(g) { output, input in out[output] = input >= 0 ? x[input] : -.infinity }
            }
        }
    }

    /// Zeros of this array's shape with `values[n, c, y, x]` added at the entry where max pooling
    /// over `g` finds window (y, x)'s maximum in this array (the first in row-major order when
    /// several are equal, the last NaN when there are NaNs, as PyTorch's `max_pool2d` routes its
    /// gradient; nowhere for a window with no tap inside the image). Windows that share their
    /// maximum add up there. Linear in `values`: it is ∂/∂x of max pooling applied to a seed, and
    /// the transpose of ``pickedAtPoolMaxima(_:_:)``. `values` must be [N, C, OH, OW]; another
    /// shape stops.
    @inlinable
    public func routedToPoolMaxima(_ values: NDArray, _ g: PatchGeometry) -> NDArray {
        let outputShape = pooledShape(g, function: "routedToPoolMaxima")
        require(values.shape == outputShape, "routedToPoolMaxima: values of shape \(values.shape) for windows \(outputShape) of \(shape)")
        var result = [Scalar](repeating: 0, count: shape.count)
        result.withUnsafeMutableBufferPointer { out in
            values.scalars.withUnsafeBufferPointer { v in
                forEachPoolMaximum(g) { output, input in if input >= 0 { out[input] += v[output] } }
            }
        }
        return NDArray(shape: shape, checkedScalars: result)
    }

    /// For each window of max pooling over `g`, the entry of `values` (an array of this array's
    /// shape) where this array has the window's maximum, as ``routedToPoolMaxima(_:_:)`` chooses it
    /// (0 for a window with no tap inside the image): [N, C, OH, OW]. Linear in `values`, and the
    /// transpose of ``routedToPoolMaxima(_:_:)``; max pooling itself is this array picked at its
    /// own maxima. `values` of another shape stops.
    @inlinable
    public func pickedAtPoolMaxima(_ values: NDArray, _ g: PatchGeometry) -> NDArray {
        let outputShape = pooledShape(g, function: "pickedAtPoolMaxima")
        require(values.shape == shape, "pickedAtPoolMaxima: values of shape \(values.shape) for an input \(shape)")
        return values.scalars.withUnsafeBufferPointer { v in
            NDArray.build(outputShape) { out in
                forEachPoolMaximum(g) { output, input in out[output] = input >= 0 ? v[input] : 0 }
            }
        }
    }

    /// [N, C, OH, OW] for this [N, C, H, W] array and the windows of `g`; another rank, or a
    /// window that does not fit, stops, naming `function`.
    @inlinable
    func pooledShape(_ g: PatchGeometry, function: String) -> Shape {
        require(rank == 4, "\(function): expects [N, C, H, W], got \(shape)")
        guard let (oh, ow) = g.outputSize(height: shape[2], width: shape[3]) else {
            requirementFailed("\(function): a \(g.kernel) window does not fit \(shape) with padding \(g.padding) and dilation \(g.dilation)")
        }
        return [shape[0], shape[1], oh, ow]
    }

    /// Calls `body(output, input)` once for each window of max pooling over `g`, in order:
    /// `output` is the window's flat index in [N, C, OH, OW], `input` the flat index in this array
    /// of the window's maximum, or −1 when no tap lies inside the image. The maximum is chosen as
    /// PyTorch's `max_pool2d` chooses it: starting from the first tap inside the image, a tap
    /// replaces it when it is larger or NaN, so the first of equal maxima stays and the last NaN
    /// wins.
    @inlinable
    func forEachPoolMaximum(_ g: PatchGeometry, _ body: (_ output: Int, _ input: Int) -> Void) {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        guard let (oh, ow) = g.outputSize(height: h, width: w) else { return }
        let (kh, kw) = g.kernel, (sh, sw) = g.stride, (ph, pw) = g.padding, (dh, dw) = g.dilation
        if ph == 0 && pw == 0 {
            // Without padding every tap of every window lies inside the image: no ranges to clip.
            scalars.withUnsafeBufferPointer { x in
                var output = 0
                for plane in 0..<(n * c) {
                    let image = plane &* h &* w
                    for y in 0..<oh {
                        let top = image &+ y &* sh &* w
                        for xo in 0..<ow {
                            let corner = top &+ xo &* sw
                            var chosen = corner, best = x[corner]
                            for i in 0..<kh {
                                let row = corner &+ i &* dh &* w
                                for j in 0..<kw {
                                    let index = row &+ j &* dw, value = x[index]
                                    let take = Self.replacesPoolMaximum(value, best)
                                    best = take ? value : best
                                    chosen = take ? index : chosen
                                }
                            }
                            body(output, chosen)
                            output &+= 1
                        }
                    }
                }
            }
            return
        }
        // The taps of each window that lie inside the image, across (per output column) and down.
        let columns = (0..<ow).map { PatchGeometry.steps(from: $0 * sw - pw, by: dw, count: kw, landingIn: w) }
        scalars.withUnsafeBufferPointer { x in
            var output = 0
            for plane in 0..<(n * c) {
                let image = plane &* h &* w
                for y in 0..<oh {
                    let top = y &* sh &- ph
                    let rows = PatchGeometry.steps(from: top, by: dh, count: kh, landingIn: h)
                    for xo in 0..<ow {
                        let left = xo &* sw &- pw
                        let taps = columns[xo]
                        guard !rows.isEmpty && !taps.isEmpty else {
                            body(output, -1)
                            output &+= 1
                            continue
                        }
                        var chosen = image &+ (top &+ rows.lowerBound &* dh) &* w &+ left &+ taps.lowerBound &* dw
                        var best = x[chosen]
                        for i in rows {
                            let row = image &+ (top &+ i &* dh) &* w &+ left
                            for j in taps {
                                let index = row &+ j &* dw, value = x[index]
                                let take = Self.replacesPoolMaximum(value, best)
                                best = take ? value : best
                                chosen = take ? index : chosen
                            }
                        }
                        body(output, chosen)
                        output &+= 1
                    }
                }
            }
        }
    }

    /// Whether a window's tap `value` replaces the maximum `best` found so far: when it is larger
    /// or NaN (PyTorch's `val > maxval || isnan(val)`). Written as an exclusive or (a NaN is never
    /// larger), which compiles to selects rather than a branch: on random data "is it larger?" is
    /// a coin toss that a branch predictor loses half the time.
    @inlinable @inline(__always)
    static func replacesPoolMaximum(_ value: Scalar, _ best: Scalar) -> Bool {
        (value > best) != value.isNaN
    }
}
