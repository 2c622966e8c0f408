// Pass: memory planning. Instruction selection gives every instruction a register of its own;
// most values are dead long before the program ends. A linear scan gives a register whose value
// is dead to the next value that needs one, so the program needs as many registers as values
// are alive at once. It runs backwards, in one pass: going down from the last instruction, a
// value is met first at its last use, where it takes a free register (the most recently freed
// first, likely still in cache), and its register is free again below its definition. Inputs,
// constants and outputs keep their registers for the whole run. An instruction may write the
// register of an operand it reads for the last time: a run reads both operands before it writes.
//
// Simplification can leave an instruction whose value nothing reads any more (−(−x) → x leaves
// the inner −x unread): the scan meets it without a register, and drops it and what only it read.

extension Graph {
    /// Renumbers the instructions' registers so that dead values' registers are reused, drops
    /// instructions nothing reads, and returns the new register count. `scratch` is storage of
    /// at least one element per instruction (its contents are overwritten). `names` (by
    /// instruction index) follow their instructions. `label` names the value of an instruction
    /// register before planning, for the log.
    func planMemory<R: CompilationRecorder>(_ instructions: inout [Program.Instruction], scratch register: inout [Int32],
                                            outputRegisters: inout [Int32], names: inout [Int32: String], registerCount: Int,
                                            firstInstructionRegister: Int32, label: (Int32) -> String, recorder: inout R) -> Int {
        let first = Int(firstInstructionRegister)
        let n = instructions.count
        if register.count < n { register = [Int32](repeating: -1, count: n) }
        var dropped = 0
        var next = firstInstructionRegister
        var holder: [Int32] = []                           // per register: the value that freed it (log)
        var changes: [String] = []
        // The free registers, a stack: each value frees its register once, so n entries suffice.
        // (Unsafe buffers: this runs once per instruction of graphs with millions of nodes.)
        let free = UnsafeMutablePointer<Int32>.allocate(capacity: n + 1)
        defer { free.deallocate() }
        var top = 0
        instructions.withUnsafeMutableBufferPointer { instructions in
            register.withUnsafeMutableBufferPointer { register in
                // register[k]: the register of instruction k's value, −1 until its last use is met.
                for k in 0..<n { register[k] = -1 }
                for r in outputRegisters where Int(r) >= first && register[Int(r) - first] < 0 {
                    register[Int(r) - first] = next
                    next += 1
                    if R.isRecording { holder.append(-1) }
                }
                func take(_ value: Int) -> Int32 {
                    if top > 0 {
                        top -= 1
                        let reused = free[top]
                        if R.isRecording {
                            // Forwards: `value` holds the register, then the one that freed it.
                            let later = holder[Int(reused) - first]
                            changes.append("register r\(reused) reused for \(label(Int32(first) + later)) (\(label(Int32(first + value))) no longer needed)")
                        }
                        return reused
                    }
                    next += 1
                    if R.isRecording { holder.append(-1) }
                    return next - 1
                }
                for k in stride(from: n - 1, through: 0, by: -1) {
                    let target = register[k]
                    guard target >= 0 else {
                        dropped += 1
                        if R.isRecording { changes.append("dropped \(label(Int32(first + k))) (nothing reads it after simplification)") }
                        continue
                    }
                    var instruction = instructions[k]
                    // Below its definition, the value's register is free.
                    free[top] = target
                    top += 1
                    if R.isRecording { holder[Int(target) - first] = Int32(k) }
                    let x = Int(instruction.x) - first, y = Int(instruction.y) - first
                    if x >= 0 {
                        if register[x] < 0 { register[x] = take(x) }
                        instruction.x = register[x]
                    }
                    if y >= 0 {
                        if register[y] < 0 { register[y] = take(y) }
                        instruction.y = register[y]
                    }
                    instruction.target = target
                    instructions[k] = instruction
                }
            }
        }
        if R.isRecording { changes.reverse() }
        for j in outputRegisters.indices where Int(outputRegisters[j]) >= first {
            outputRegisters[j] = register[Int(outputRegisters[j]) - first]
        }
        if dropped > 0 {
            var newIndex = [Int32](repeating: -1, count: n)
            var w = 0
            for k in 0..<n where register[k] >= 0 {
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
