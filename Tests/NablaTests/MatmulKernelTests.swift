import Testing
import NablaKernels

/// The matrix kernels against a double-precision reference, on shapes that exercise every edge
/// of the blocking (partial register tiles, several k slices), with one and two threads, and with
/// the AVX2 kernel and the portable fallback forced.
@Suite("Matrix multiplication kernels", .serialized)
struct MatmulKernelTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 17, 3), (7, 1, 5), (6, 16, 1), (13, 33, 7), (67, 45, 300), (128, 130, 257), (200, 64, 520), (5, 40, 0),
    ]

    func reference(_ a: [Double], _ b: [Double], _ m: Int, _ n: Int, _ k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for p in 0..<k { for j in 0..<n { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        return c
    }

    /// The kernels a test may force on its thread: the CPU's best (AVX-512 where it has it),
    /// AVX2, portable C.
    enum Choice: CaseIterable, Sendable { case best, avx2, portable }

    func use(_ choice: Choice) {
        switch choice {
        case .best: Matmul.forcePortable(false)
        case .avx2: Matmul.forceAVX2(true)
        case .portable: Matmul.forcePortable(true)
        }
    }

    @Test(arguments: Choice.allCases)
    func floatAndDoubleMatchTheReference(kernel choice: Choice) {
        use(choice)
        defer { use(.best) }
        var rng = SplitMix64(seed: 5)
        for (m, n, k) in Self.shapes {
            let a = (0..<m * k).map { _ in Double.random(in: -1..<1, using: &rng) }
            let b = (0..<k * n).map { _ in Double.random(in: -1..<1, using: &rng) }
            let expected = reference(a, b, m, n, k)
            for threads in [1, 2] {
                let c = Matmul.multiply(a, b, m: m, n: n, k: k, threads: threads)
                #expect(zip(c, expected).allSatisfy { Swift.abs($0 - $1) <= 1e-12 * Double(max(k, 1)) },
                        "double \(m)×\(k)·\(k)×\(n), \(threads) threads, \(Matmul.kernel)")
                let cf = Matmul.multiply(a.map(Float.init), b.map(Float.init), m: m, n: n, k: k, threads: threads)
                #expect(zip(cf, expected).allSatisfy { Swift.abs(Double($0) - $1) <= 1e-5 * Double(max(k, 1)) },
                        "float \(m)×\(k)·\(k)×\(n), \(threads) threads, \(Matmul.kernel)")
            }
        }
    }

    /// The AVX-512 kernel (8×32 tiles) and the AVX2 one (6×16) run the same k-slices and, for each
    /// element, the same fused multiply-adds in the same order: the same bits, on one thread and two.
    @Test func theWideKernelGivesTheAVX2KernelsBits() {
        var rng = SplitMix64(seed: 11)
        for (m, n, k) in Self.shapes + [(64, 256, 784), (9, 33, 257)] {
            let a = (0..<m * k).map { _ in Float.random(in: -1..<1, using: &rng) }
            let b = (0..<k * n).map { _ in Float.random(in: -1..<1, using: &rng) }
            for threads in [1, 2] {
                use(.avx2)
                let narrow = Matmul.multiply(a, b, m: m, n: n, k: k, threads: threads)
                use(.best)
                #expect(Matmul.multiply(a, b, m: m, n: n, k: k, threads: threads) == narrow,
                        "\(Matmul.kernel) against avx2-fma, \(m)×\(k)·\(k)×\(n), \(threads) threads")
            }
        }
    }

    @Test func largeProductsSplitAcrossTwoThreadsAgreeWithOne() {
        var rng = SplitMix64(seed: 9)
        let n = 300
        let a = (0..<n * n).map { _ in Float.random(in: -1..<1, using: &rng) }
        let b = (0..<n * n).map { _ in Float.random(in: -1..<1, using: &rng) }
        // Each element is computed by one thread with the same blocking, so the results are equal.
        #expect(Matmul.multiply(a, b, m: n, n: n, k: n, threads: 1) == Matmul.multiply(a, b, m: n, n: n, k: n, threads: 2))
    }
}
