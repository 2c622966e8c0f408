import NablaKernels

/// The matrix products of one W4 step, each alone (C written into a kept buffer, as a compiled
/// program's step does), on 1 and 2 threads: where the step's 1 → 2 thread scaling is lost.
enum StepProductsWorkload {
    /// (name, m, n, k, op(A) transposed, op(B) transposed): forward layer by layer, then backward.
    static let products: [(name: String, m: Int, n: Int, k: Int, ta: Bool, tb: Bool)] = [
        ("x·W1", 64, 256, 784, false, false), ("h1·W2", 64, 128, 256, false, false), ("h2·W3", 64, 10, 128, false, false),
        ("h2ᵀ·d3", 128, 10, 64, true, false), ("d3·W3ᵀ", 64, 128, 10, false, true),
        ("h1ᵀ·d2", 256, 128, 64, true, false), ("d2·W2ᵀ", 64, 256, 128, false, true),
        ("xᵀ·d1", 784, 256, 64, true, false),
    ]

    static func run(_ harness: Harness, threads: [Int] = [1, 2]) -> [Record] {
        var records: [Record] = []
        var rng = SystemRandomNumberGenerator()
        for product in products {
            let a = (0..<product.m * product.k).map { _ in Float.random(in: -1..<1, using: &rng) }
            let b = (0..<product.k * product.n).map { _ in Float.random(in: -1..<1, using: &rng) }
            var c = [Float](repeating: 0, count: product.m * product.n)
            for t in threads {
                let timing = harness.measure {
                    c.withUnsafeMutableBufferPointer { c in
                        Float.gemm(a, product.ta, b, product.tb, c.baseAddress!, product.m, product.n, product.k, t)
                    }
                    blackHole(c)
                }
                let flops = 2 * Double(product.m * product.n * product.k)
                records.append(Record(workload: "step-products", engine: "nabla", metric: "gflops",
                                      value: flops / timing.median / 1e9, unit: "GFLOP/s",
                                      extra: [("product", quoted(product.name)), ("threads", "\(t)"),
                                              ("us", number(timing.median * 1e6)), ("best", number(flops / timing.best / 1e9))]))
            }
        }
        return records
    }
}
