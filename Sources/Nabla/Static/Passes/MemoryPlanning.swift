// Pass: memory planning. Instruction selection gives every instruction a register of its own;
// most values are dead long before the program ends. A linear scan in instruction order frees a
// register after the last instruction that reads it and gives it to the next instruction that
// needs one (the most recently freed first, which is likely still in cache). Inputs, constants
// and outputs keep their registers for the whole run. An instruction may write the register of
// an operand it reads for the last time: a run reads both operands before it writes.

extension Graph {
    /// Renumbers the instructions' registers so that dead values' registers are reused, and
    /// returns the new register count. `label` names the value of an instruction register
    /// before planning, for the log.
    func planMemory<R: CompilationRecorder>(_ instructions: inout [Program.Instruction], outputRegisters: inout [Int32],
                                            registerCount: Int, firstInstructionRegister: Int32,
                                            label: (Int32) -> String, recorder: inout R) -> Int {
        let first = Int(firstInstructionRegister)
        let n = instructions.count
        // The last instruction reading each instruction's value; outputs are read at the end.
        var lastUse = [Int32](repeating: -1, count: n)
        for k in 0..<n {
            let instruction = instructions[k]
            let x = Int(instruction.x) - first
            if x >= 0 { lastUse[x] = Int32(k) }
            if instruction.op.arity == 2 {
                let y = Int(instruction.y) - first
                if y >= 0 { lastUse[y] = Int32(k) }
            }
        }
        for r in outputRegisters where Int(r) >= first { lastUse[Int(r) - first] = .max }

        var physical = [Int32](repeating: -1, count: n)   // each instruction's value's register
        var free: [Int32] = []
        var next = firstInstructionRegister
        var holder: [Int32] = []                           // per register: the value it holds (log)
        var changes: [String] = []
        for k in 0..<n {
            var instruction = instructions[k]
            let x = Int(instruction.x) - first, y = Int(instruction.y) - first
            if x >= 0 { instruction.x = physical[x] }
            if y >= 0 { instruction.y = physical[y] }
            if x >= 0 && lastUse[x] == Int32(k) { free.append(physical[x]) }
            if y >= 0 && y != x && lastUse[y] == Int32(k) { free.append(physical[y]) }
            let target: Int32
            if let reused = free.popLast() {
                target = reused
                if R.isRecording {
                    let previous = holder[Int(reused) - first]
                    changes.append("register r\(reused) reused for \(label(Int32(first + k))) (\(label(Int32(first) + previous)) no longer needed)")
                    holder[Int(reused) - first] = Int32(k)
                }
            } else {
                target = next
                next += 1
                if R.isRecording { holder.append(Int32(k)) }
            }
            physical[k] = target
            instruction.target = target
            instructions[k] = instruction
            if lastUse[k] < 0 { free.append(target) }   // never read (not reached: every value is needed)
        }
        for j in outputRegisters.indices where Int(outputRegisters[j]) >= first {
            outputRegisters[j] = physical[Int(outputRegisters[j]) - first]
        }
        if R.isRecording {
            recorder.record(CompilationPassReport(name: "memory planning", unit: "registers", before: registerCount,
                                                  after: Int(next), changes: changes))
        }
        return Int(next)
    }
}
