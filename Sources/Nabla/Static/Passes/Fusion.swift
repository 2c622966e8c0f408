// Pass: fusion, as a report. A superinstruction would run two dependent instructions (the second
// reading the first's value, which nothing else reads) in one dispatch, with the same operations
// in the same order, so with the same bits. Nabla's scalar programs do not fuse: the pass lists
// the pairs it could fuse and says why it does not.
//
// Measured (release, one core): the cheapest superinstruction, a second unary op without a
// constant kept in the instruction's padding (so instructions stay 24 bytes), needs a test on
// every instruction of the run loop. With it, the tutorial's run (W1, one fusable pair of 19
// instructions) went from 35 to 42–46 ns, and W2's chain (two of eight instructions per step
// fusable) ran only about 5% faster. Pairs whose second op reads a constant or a second operand
// would need 40-byte instructions, more memory traffic on exactly the large programs that would
// gain. So each instruction runs on its own.

extension Graph {
    /// Reports the pairs of consecutive instructions a superinstruction could run, by kind.
    /// `label` names an instruction's value by its index.
    func reportFusion<R: CompilationRecorder>(_ instructions: [Program.Instruction], _ outputRegisters: [Int32],
                                              _ firstInstructionRegister: Int32, label: (Int) -> String, recorder: inout R) {
        guard R.isRecording else { return }
        let first = Int(firstInstructionRegister)
        var readers = [Int](repeating: 0, count: instructions.count)
        for instruction in instructions {
            if Int(instruction.x) >= first { readers[Int(instruction.x) - first] += 1 }
            if instruction.op.arity == 2, instruction.y != instruction.x, Int(instruction.y) >= first { readers[Int(instruction.y) - first] += 1 }
        }
        for r in outputRegisters where Int(r) >= first { readers[Int(r) - first] += 2 }
        var pairs: [String: (count: Int, example: String)] = [:]
        var order: [String] = []
        var k = 0
        while k + 1 < instructions.count {
            let a = instructions[k], b = instructions[k + 1]
            let target = a.target
            if readers[k] == 1 && (b.x == target || (b.op.arity == 2 && b.y == target)) {
                let kind = "\(a.op.name) then \(b.op.name)"
                if pairs[kind] == nil { order.append(kind); pairs[kind] = (0, "\(label(k)) → \(label(k + 1))") }
                pairs[kind]!.count += 1
                k += 2
            } else {
                k += 1
            }
        }
        var changes = order.map { "could fuse \($0): \(pairs[$0]!.count) pair\(pairs[$0]!.count == 1 ? "" : "s") (first: \(pairs[$0]!.example))" }
        changes.append(order.isEmpty ? "nothing to fuse: no instruction's value is read only by the next one"
                       : "not fused: tried, a superinstruction test on every instruction made the tutorial's run slower (35 → 42 ns); each instruction runs on its own (same bits either way)")
        recorder.record(CompilationPassReport(name: "fusion", unit: "instructions", before: instructions.count,
                                              after: instructions.count, changes: changes))
    }
}
