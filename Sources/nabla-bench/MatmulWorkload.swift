import NablaKernels

/// W5: C = A·B for square float32 matrices, C allocated fresh per call (as NumPy does).
enum MatmulWorkload {
    static func run(_ harness: Harness, sizes: [Int] = [128, 256, 512, 1024], threads: [Int] = [1, 2]) -> [Record] {
        var records: [Record] = []
        for n in sizes {
            var rng = SystemRandomNumberGenerator()
            let a = (0..<n * n).map { _ in Float.random(in: -1..<1, using: &rng) }
            let b = (0..<n * n).map { _ in Float.random(in: -1..<1, using: &rng) }
            verify(a, b, n)
            for t in threads {
                let timing = harness.measure {
                    let c = Matmul.multiply(a, b, m: n, n: n, k: n, threads: t)
                    blackHole(c)
                }
                let flops = 2 * Double(n) * Double(n) * Double(n)
                records.append(Record(workload: "matmul", engine: "nabla", metric: "matmul_gflops",
                                      value: flops / timing.median / 1e9, unit: "GFLOP/s",
                                      extra: [("n", "\(n)"), ("threads", "\(t)"), ("best", number(flops / timing.best / 1e9)),
                                              ("rounds", "\(timing.rounds)"), ("iters", "\(timing.iterations)"),
                                              ("kernel", quoted(Matmul.kernel))]))
            }
        }
        return records
    }

    /// Checks a few entries against a double-precision dot product before timing.
    static func verify(_ a: [Float], _ b: [Float], _ n: Int) {
        let c = Matmul.multiply(a, b, m: n, n: n, k: n, threads: 2)
        for (i, j) in [(0, 0), (n - 1, n - 1), (n / 2, n / 3)] {
            var exact = 0.0
            for p in 0..<n { exact += Double(a[i * n + p]) * Double(b[p * n + j]) }
            precondition(Swift.abs(Double(c[i * n + j]) - exact) <= 1e-4 * Double(n), "matmul: C[\(i)][\(j)] = \(c[i * n + j]), expected \(exact)")
        }
    }
}
