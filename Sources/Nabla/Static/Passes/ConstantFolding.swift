// Pass: constant folding. An operation whose operands are all constants is computed once, with
// the primitive's own forward computation (the same IEEE arithmetic a run would do), and
// replaced by its result. Nabla folds as the graph is built (`Graph.append`), so the graph a
// compilation sees has nothing left to fold; this pass reports what was folded then.

/// An operation on constants only that was folded while the graph was built.
struct ConstantFold {
    var op: Primitive
    var x: Int32
    var y: Int32
    var constant: Double
    /// The constant node holding the result.
    var result: Int32
}

extension Graph {
    /// How many folds are kept for the log (all are counted).
    static var foldRecordLimit: Int { 1_000 }

    /// Reports the folds made while building: `folded 2·3 → 6`.
    func reportConstantFolding<R: CompilationRecorder>(liveCount: Int, recorder: inout R) {
        guard R.isRecording else { return }
        var changes: [String] = []
        for fold in folds {
            // Operands are written as names, so that nothing is simplified away: −(1), not −1.
            let number = { (k: Int32) in
                let text = NumberFormat.shortest(self.constants[Int(k)])
                return Formula.variable(text.hasPrefix("-") ? "(\(text))" : text)
            }
            let formula = Formula(.apply(fold.op, number(fold.x), fold.op.arity == 2 ? number(fold.y) : nil, constant: fold.constant))
            let text = fold.op == .negate ? "-(\(NumberFormat.shortest(constants[Int(fold.x)])))" : "\(formula)"
            changes.append("folded \(text) → \(NumberFormat.shortest(constants[Int(fold.result)])) (when the graph was built)")
        }
        if foldCount > folds.count { changes.append("… and \(foldCount - folds.count) more folds") }
        if foldCount == 0 { changes.append("nothing to fold: no operation has only constant operands") }
        recorder.record(CompilationPassReport(name: "constant folding", unit: "nodes", before: liveCount, after: liveCount, changes: changes))
    }
}
