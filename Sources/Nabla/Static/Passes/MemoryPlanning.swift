// Pass: memory planning. Instruction selection gives every instruction a register of its own;
// most values are dead long before the program ends. A linear scan in instruction order frees a
// register after the last instruction that reads it and gives it to the next instruction that
// needs one (the most recently freed first, which is likely still in cache). Inputs, constants
// and outputs keep their registers for the whole run. An instruction may write the register of
// an operand it reads for the last time: a run reads both operands before it writes.
//
// Simplification can leave an instruction whose value nothing reads any more (−(−x) → x leaves
// the inner −x unread): it is dropped.

extension Graph {
    /// Renumbers the instructions' registers so that dead values' registers are reused, drops
    /// instructions nothing reads, and returns the new register count. `lastUse` gives, for each
    /// instruction, the last instruction reading its value (−1: none), as instruction selection
    /// found it. `names` (by instruction index) follow their instructions. `label` names the
    /// value of an instruction register before planning, for the log.
    func planMemory<R: CompilationRecorder>(_ instructions: inout [Program.Instruction], lastUse: inout [Int32],
                                            outputRegisters: inout [Int32], names: inout [Int32: String], registerCount: Int,
                                            firstInstructionRegister: Int32, label: (Int32) -> String, recorder: inout R) -> Int {
        let first = Int(firstInstructionRegister)
        let n = instructions.count
        // Outputs are read at the end.
        for r in outputRegisters where Int(r) >= first { lastUse[Int(r) - first] = .max }
        var dropped = 0
        var free: [Int32] = []
        var next = firstInstructionRegister
        var holder: [Int32] = []                           // per register: the value it holds (log)
        var changes: [String] = []
        for k in 0..<n {
            var instruction = instructions[k]
            // An operand's register is in its instruction's target, already renumbered.
            let x = Int(instruction.x) - first, y = Int(instruction.y) - first
            if x >= 0 { instruction.x = instructions[x].target }
            if y >= 0 { instruction.y = instructions[y].target }
            if x >= 0 && lastUse[x] == Int32(k) { free.append(instruction.x) }
            if y >= 0 && y != x && lastUse[y] == Int32(k) { free.append(instruction.y) }
            guard lastUse[k] >= 0 else {
                dropped += 1
                if R.isRecording { changes.append("dropped \(label(Int32(first + k))) (nothing reads it after simplification)") }
                continue
            }
            if let reused = free.popLast() {
                instruction.target = reused
                if R.isRecording {
                    let previous = holder[Int(reused) - first]
                    changes.append("register r\(reused) reused for \(label(Int32(first + k))) (\(label(Int32(first) + previous)) no longer needed)")
                    holder[Int(reused) - first] = Int32(k)
                }
            } else {
                instruction.target = next
                next += 1
                if R.isRecording { holder.append(Int32(k)) }
            }
            instructions[k] = instruction
        }
        for j in outputRegisters.indices where Int(outputRegisters[j]) >= first {
            outputRegisters[j] = instructions[Int(outputRegisters[j]) - first].target
        }
        if dropped > 0 {
            var newIndex = [Int32](repeating: -1, count: n)
            var w = 0
            for k in 0..<n where lastUse[k] >= 0 {
                instructions[w] = instructions[k]
                newIndex[k] = Int32(w)
                w += 1
            }
            instructions.removeLast(n - w)
            names = Dictionary(uniqueKeysWithValues: names.compactMap { k, name in newIndex[Int(k)] >= 0 ? (newIndex[Int(k)], name) : nil })
        }
        if R.isRecording {
            recorder.record(CompilationPassReport(name: "memory planning", unit: "registers", before: registerCount,
                                                  after: Int(next), changes: changes))
        }
        return Int(next)
    }
}
