// `nabla check`: derivatives against central finite differences.

/// The derivatives of a script compared with central finite differences.
public struct GradientCheckReport: Sendable {
    /// One derivative, computed and estimated.
    public struct Entry: Sendable {
        /// `a` for a gradient entry, `a,o` for a Hessian entry.
        public var name: String
        /// The derivative by automatic differentiation.
        public var computed: Double
        /// The central difference (f(x + h) − f(x − h)) / 2h, h = 10⁻⁶·max(1, |x|), for a
        /// gradient entry `x`; the same difference of ∂f/∂o in `a` for a Hessian entry `a,o`.
        public var finiteDifference: Double
        /// |computed − finite difference| / max(1, |computed|, |finite difference|).
        public var relativeError: Double
    }
    /// The name of the output differentiated.
    public var output: String
    /// d(output)/d(x) for every input x, in the order of ``Script/inputs``.
    public var gradient: [Entry]
    /// ∂²(output)/∂a∂o for every pair of inputs, row by row; empty unless order 2 was checked.
    public var hessian: [Entry]
    /// The largest relative error that passes.
    public var tolerance: Double
    /// The evaluation's warnings (an unused input value, a statement the output never uses).
    public var warnings: [String] = []

    /// The largest relative error of all the entries (0 with none).
    public var largestError: Double { (gradient + hessian).map(\.relativeError).max() ?? 0 }
    /// Whether ``largestError`` is at most ``tolerance``.
    public var passed: Bool { largestError <= tolerance }

    /// The report as `nabla check` prints it: every entry, then the largest error against the
    /// tolerance, `ok` or `FAILED`. The warnings are not included.
    public var text: String {
        let n = NumberFormat.shortest
        var lines = ["checking d\(output)/d… against central finite differences (relative error = |a − b| / max(1, |a|, |b|))"]
        for (title, entries) in [("gradient", gradient), ("hessian", hessian)] where !entries.isEmpty {
            lines.append("\(title):")
            for e in entries {
                lines.append("  \(e.name): computed \(n(e.computed)), finite differences \(n(e.finiteDifference)), relative error \(shortError(e.relativeError))")
            }
        }
        lines.append("largest relative error \(shortError(largestError)) " + (passed ? "≤" : ">") + " tolerance \(n(tolerance)): " + (passed ? "ok" : "FAILED"))
        return lines.joined(separator: "\n")
    }

    private func shortError(_ x: Double) -> String { NumberFormat.significant(x) }
}

extension Script {
    /// Compares the gradient (and with `order: 2` the Hessian) of `output` with respect to every
    /// input with central finite differences: step h = 1e-6·max(1, |x|) for the gradient and
    /// for the Hessian, central differences of the gradient with the same step, as PyTorch's
    /// gradgradcheck does.
    public func check(at feeds: [String: Double], output: String? = nil, order: Int = 1,
                      tolerance: Double = 1e-5) throws(ScriptError) -> GradientCheckReport {
        let evaluation = try evaluate(at: feeds, output: output, order: order)
        let outputIndex = valueNames.firstIndex(of: evaluation.output)!
        func f(_ point: [String: Double]) -> Double {
            let leaves = evaluate(input: { Value(point[$0]!) }, constant: { Value($0) })
            return outputIndex < inputs.count ? point[inputs[outputIndex]]! : leaves[outputIndex - inputs.count].data
        }
        func shifted(_ shifts: [(String, Double)]) -> Double {
            var point = feeds
            for (name, h) in shifts { point[name]! += h }
            return f(point)
        }
        func step(_ name: String, _ scale: Double) -> Double { scale * Swift.max(1, Swift.abs(feeds[name]!)) }
        func entry(_ name: String, _ computed: Double, _ numeric: Double) -> GradientCheckReport.Entry {
            .init(name: name, computed: computed, finiteDifference: numeric,
                  relativeError: Swift.abs(computed - numeric) / Swift.max(1, Swift.abs(computed), Swift.abs(numeric)))
        }
        let gradient = evaluation.gradient.map { g in
            let h = step(g.name, 1e-6)
            return entry(g.name, g.value, (shifted([(g.name, h)]) - shifted([(g.name, -h)])) / (2 * h))
        }
        // The Hessian as gradgradcheck does it: central differences of the gradient (itself
        // checked above against differences of f). Differencing f twice would lose about
        // ε·|f|/h² to rounding, which swamps small second derivatives of large functions.
        var hessian: [GradientCheckReport.Entry] = []
        if let rows = evaluation.hessian {
            let names = rows.map(\.name)
            func gradient(at point: [String: Double]) throws(ScriptError) -> [Double] {
                try evaluate(at: point, output: output, wrt: names).gradient.map(\.value)
            }
            for row in rows {
                let h = step(row.name, 1e-6)
                var up = feeds, down = feeds
                up[row.name]! += h
                down[row.name]! -= h
                let (gUp, gDown) = (try gradient(at: up), try gradient(at: down))
                for (j, cell) in row.row.enumerated() {
                    hessian.append(entry("\(row.name),\(cell.name)", cell.value, (gUp[j] - gDown[j]) / (up[row.name]! - down[row.name]!)))
                }
            }
        }
        return GradientCheckReport(output: evaluation.output, gradient: gradient, hessian: hessian, tolerance: tolerance,
                                   warnings: evaluation.warnings)
    }
}
