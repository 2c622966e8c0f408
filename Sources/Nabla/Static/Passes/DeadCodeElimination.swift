// Pass: dead-code elimination. A node is live when an output depends on it; every other node is
// left out of the program. One loop down from the highest node: nodes only read earlier nodes.

extension Graph {
    /// Which nodes the outputs depend on: one loop down from the highest output, to `lowest`.
    /// `leaves` (a loop body's placeholders and parameters) are not followed to their operands.
    func liveNodes(for outputs: [Int32], lowest: Int = 0, leaves: Set<Int32> = []) -> [Bool] {
        var live = [Bool](repeating: false, count: ops.count)
        for o in outputs { live[Int(o)] = true }
        guard let highest = outputs.max() else { return live }
        for i in stride(from: Int(highest), through: lowest, by: -1) where live[i] {
            if !leaves.isEmpty && leaves.contains(Int32(i)) { continue }
            forEachDependency(of: i) { live[Int($0)] = true }
        }
        return live
    }

    /// Calls `body` with every node that node `i` reads. This is the one place that says what a
    /// node depends on: a node kind that reads more than its operands (values recorded in side
    /// tables) adds them here, and liveness follows. A loop's result or sequence reads the
    /// loop's initial values, parameters, per-step inputs and guard (its body is compiled on its
    /// own).
    @inline(__always)
    func forEachDependency(of i: Int, _ body: (Int32) -> Void) {
        let op = ops[i]
        let arity = op.arity
        if arity >= 1 { body(lhs[i]) }
        if arity == 2 { body(rhs[i]) }
        if arity == 0 && op == .loopValue, let role = loopRoles[Int32(i)] {
            switch role {
            case .result(let l, _), .sequence(let l, _):
                for id in loops[l].initial + loops[l].captures + loops[l].sequenceInputs { body(id) }
                if loops[l].guardNode >= 0 { body(loops[l].guardNode) }
            default: break
            }
        }
    }

    /// Dead-code elimination with its report: the live nodes, and (when recording) one line per
    /// node removed.
    func eliminateDeadCode<R: CompilationRecorder>(for outputs: [Int32], recorder: inout R) -> (live: [Bool], count: Int) {
        let live = liveNodes(for: outputs)
        var count = 0
        for isLive in live where isLive { count += 1 }
        if R.isRecording {
            var changes: [String] = []
            for i in live.indices where !live[i] {
                let id = Int32(i)
                let what = ops[i].arity == 0 ? logLabel(id) : logDefinition(id)
                changes.append("removed \(what) (not needed by the outputs)")
            }
            recorder.record(CompilationPassReport(name: "dead-code elimination", unit: "nodes", before: ops.count, after: count,
                                                  changes: changes))
        }
        return (live, count)
    }
}
