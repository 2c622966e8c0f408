import NablaKernels

/// Sums of Float arrays of 10⁶ and 10⁷ elements: over every axis, over the inner axis (rows of
/// 1,000 contiguous elements) and over the outer axis (columns), each timed as one call that
/// allocates its result, as NumPy's `x.sum(axis=…)`. Each record carries the largest error of
/// the result relative to the Double sum of the same elements (accuracy, next to speed).
enum ReductionWorkload {
    static func run(_ harness: Harness) -> [Record] {
        var records: [Record] = []
        for rows in [1_000, 10_000] {
            let columns = 1_000
            var rng = SeededGenerator(seed: 5)
            // Uniform in [0, 1): all positive, so a plain running sum drifts as it grows.
            let x = NDArray<Float>(shape: [rows, columns], checkedScalars: (0..<rows * columns).map { _ in Float(rng.nextUnit()) })
            for (name, axes) in [("sum-all", nil), ("sum-inner", [1]), ("sum-outer", [0])] as [(String, [Int]?)] {
                var result = x.sum(axes: axes)
                let error = relativeError(result, reference(x, axes: axes))
                let timing = harness.measure {
                    result = x.sum(axes: axes)
                    blackHole(result)
                }
                let count = Double(x.count)
                records.append(Record(workload: "reduction", engine: "nabla", metric: name, value: timing.median * 1e3, unit: "ms",
                                      extra: [("elements", "\(x.count)"), ("shape", quoted("\(x.shape)")),
                                              ("axes", quoted(axes.map { "\($0)" } ?? "all")),
                                              ("gb_per_s", number(count * 4 / timing.median / 1e9)),
                                              ("max_rel_error", number(error))] + Workloads.timingFields(timing, scale: 1e3)))
            }
        }
        return records
    }

    /// The sums in Double (exact enough to judge Float's).
    static func reference(_ x: NDArray<Float>, axes: [Int]?) -> [Double] {
        let (rows, columns) = (x.shape[0], x.shape[1])
        switch axes {
        case nil: return [x.scalars.reduce(0.0) { $0 + Double($1) }]
        case [1]?: return (0..<rows).map { i in (0..<columns).reduce(0.0) { $0 + Double(x.scalars[i * columns + $1]) } }
        default: return (0..<columns).map { j in (0..<rows).reduce(0.0) { $0 + Double(x.scalars[$1 * columns + j]) } }
        }
    }

    static func relativeError(_ result: NDArray<Float>, _ reference: [Double]) -> Double {
        zip(result.scalars, reference).map { Swift.abs(Double($0) - $1) / Swift.abs($1) }.max() ?? 0
    }
}
