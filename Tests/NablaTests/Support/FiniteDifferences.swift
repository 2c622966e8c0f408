/// Central finite differences in Double: the reference every derivative is checked against.
enum FiniteDifferences {
    /// ∂f/∂x_i by (f(x + h e_i) − f(x − h e_i)) / 2h, with h scaled to |x_i|.
    static func gradient(_ f: ([Double]) -> Double, at x: [Double], step: Double = 1e-6) -> [Double] {
        x.indices.map { i in
            let h = step * Swift.max(1, Swift.abs(x[i]))
            var up = x, down = x
            up[i] += h; down[i] -= h
            return (f(up) - f(down)) / (up[i] - down[i])
        }
    }

    /// ∂²f/∂x_i∂x_j by central differences of f (no derivative code involved).
    static func hessian(_ f: ([Double]) -> Double, at x: [Double], step: Double = 1e-4) -> [[Double]] {
        let n = x.count
        let h = x.map { step * Swift.max(1, Swift.abs($0)) }
        func at(_ shifts: [(Int, Double)]) -> Double {
            var p = x
            for (i, s) in shifts { p[i] += s * h[i] }
            return f(p)
        }
        return (0..<n).map { i in
            (0..<n).map { j in
                if i == j { return (at([(i, 1)]) - 2 * f(x) + at([(i, -1)])) / (h[i] * h[i]) }
                return (at([(i, 1), (j, 1)]) - at([(i, 1), (j, -1)]) - at([(i, -1), (j, 1)]) + at([(i, -1), (j, -1)]))
                    / (4 * h[i] * h[j])
            }
        }
    }

    /// |a − b| ≤ tolerance · max(1, |a|, |b|).
    static func close(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
        Swift.abs(a - b) <= tolerance * Swift.max(1, Swift.abs(a), Swift.abs(b))
    }
}
