import CNablaKernels

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
    /// wins (by ``PatchScalar/poolMaxima(_:planes:height:width:geometry:into:)``).
    @inlinable
    func forEachPoolMaximum(_ g: PatchGeometry, _ body: (_ output: Int, _ input: Int) -> Void) {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        guard let (oh, ow) = g.outputSize(height: h, width: w) else { return }
        let planes = n * c, windows = oh * ow
        var chosen = [Int](repeating: 0, count: planes * windows)
        chosen.withUnsafeMutableBufferPointer { chosen in
            scalars.withUnsafeBufferPointer { x in
                // Planes are independent: large batches split them over the kernel threads.
                Kernels.forEachChunk(of: planes, minimumChunk: Swift.max(1, Kernels.cheapElementwiseChunk / Swift.max(1, h * w))) { part in
                    let first = part.lowerBound * h * w, indices = chosen.baseAddress! + part.lowerBound * windows
                    Scalar.poolMaxima(x.baseAddress! + first, planes: part.count, height: h, width: w, geometry: g, into: indices)
                    // The kernel counts from the chunk's first plane.
                    if first > 0 { for k in 0..<(part.count * windows) where indices[k] >= 0 { indices[k] &+= first } }
                }
            }
        }
        for (output, input) in chosen.enumerated() { body(output, input) }
    }
}
