import NablaKernels

/// The image kernels of the digits CNN (`digits-cnn-epoch`), each alone on the shapes of one
/// batch of 32: im2col and col2im for the two 3×3 convolutions (padding 1), and max pooling's
/// forward and its gradient (routing a seed to each window's maximum) for the two 2×2 pools.
/// Each record is one call, in nanoseconds per element of the larger of its input and output.
enum PatchesWorkload {
    static func run(_ harness: Harness) -> [Record] {
        var rng = SeededGenerator(seed: 7)
        func random(_ shape: Shape) -> NDArray<Float> {
            NDArray(shape: shape, checkedScalars: (0..<shape.count).map { _ in Float(rng.nextUnit()) - 0.5 })
        }
        let convolution = PatchGeometry(kernel: (3, 3), padding: (1, 1)), pool = PatchGeometry(kernel: (2, 2), stride: (2, 2))
        var records: [Record] = []
        func record(_ name: String, _ shape: Shape, elements: Int, _ body: @escaping () -> NDArray<Float>) {
            let timing = harness.measure { blackHole(body()) }
            records.append(Record(workload: "patches", engine: "nabla", metric: name, value: timing.median * 1e9 / Double(elements), unit: "ns/element",
                                  extra: [("shape", quoted("\(shape)")), ("elements", "\(elements)")] + Workloads.timingFields(timing, scale: 1e9 / Double(elements))))
        }
        for shape in [[32, 1, 8, 8], [32, 16, 4, 4]] as [Shape] {
            let image = random(shape), patches = image.unfolded(convolution)
            record("im2col", shape, elements: patches.count) { image.unfolded(convolution) }
            record("col2im", shape, elements: patches.count) { patches.folded(into: shape, convolution) }
        }
        for shape in [[32, 16, 8, 8], [32, 32, 4, 4]] as [Shape] {
            let image = random(shape), seed = random(image.maxPooled(pool).shape)
            record("max-pool", shape, elements: image.count) { image.maxPooled(pool) }
            record("max-pool-gradient", shape, elements: image.count) { image.routedToPoolMaxima(seed, pool) }
        }
        return records
    }
}
