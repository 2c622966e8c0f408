// A compiled program written out for people: its registers and instructions in the tutorial's
// notation, and with input values, what every instruction computes.

extension Program {
    /// The program as text: the registers holding the inputs and the constants, every
    /// instruction in order in the tutorial's notation over registers (`r7 = tanh(r6)   # h`,
    /// with the name of the node it computes, or of the output it gives), the outputs' registers,
    /// and the register count.
    ///
    /// - Parameters:
    ///   - outputLabels: names for the outputs, in order (default ``outputNames``).
    ///   - feeds: input values; when given, each instruction's comment shows the value it
    ///     computes (`# b = -1`), from one run watched instruction by instruction.
    public func listing(outputLabels: [String]? = nil, at feeds: [String: Double]? = nil) throws(ProgramError) -> String {
        let labels = outputLabels ?? outputNames
        var values: [Double]?
        if let feeds {
            var inputs: [Double] = []
            for name in inputNames {
                guard let value = feeds[name] else { throw .missingInput(name) }
                inputs.append(value)
            }
            values = trace(inputs)
        }
        // Which output each instruction gives: the last instruction writing an output's register.
        var outputOf: [Int: String] = [:]
        var lastWriter = [Int](repeating: -1, count: registerCount)
        for (k, instruction) in instructions.enumerated() { lastWriter[Int(instruction.target)] = k }
        for (label, register) in zip(labels, outputRegisters) where lastWriter[Int(register)] >= 0 && register >= firstInstructionRegister {
            if outputOf[lastWriter[Int(register)]] == nil { outputOf[lastWriter[Int(register)]] = label }
        }

        var lines: [String] = []
        let shown = { (v: Double) in NumberFormat.shortest(v) }
        var inputTexts: [String] = []
        for (register, name) in inputNames.enumerated() {
            inputTexts.append("r\(register) = \(name)" + (feeds.map { " = \(shown($0[name] ?? .nan))" } ?? ""))
        }
        lines.append("inputs: " + (inputTexts.isEmpty ? "none" : inputTexts.joined(separator: ", ")))
        if !constantRegisters.isEmpty {
            lines.append("constants: " + constantRegisters.map { "r\($0.register) = \(shown($0.value))" }.joined(separator: ", "))
        }
        lines.append("instructions (\(instructions.count)):")
        var texts: [String] = []
        for instruction in instructions {
            if instruction.op == .loopValue {
                let what = instruction.y >= 0 ? "carry \(instruction.y) after" : "the sequence \(-1 - instruction.y) of"
                texts.append("  r\(instruction.target) = \(what) loop \(instruction.x)" + (instruction.constant == 1 ? " (runs it)" : ""))
                continue
            }
            let x = Formula.variable("r\(instruction.x)"), y = Formula.variable("r\(instruction.y)")
            let formula = Formula(.apply(instruction.op, x, instruction.op.arity == 2 ? y : nil, constant: instruction.constant))
            texts.append("  r\(instruction.target) = \(formula)")
        }
        let width = texts.map(\.count).max() ?? 0
        for (k, text) in texts.enumerated() {
            let name = instructionNames[Int32(k)] ?? outputOf[k]
            var comment = name ?? ""
            if let values { comment += (name == nil ? "" : " = ") + shown(values[k]) }
            lines.append(comment.isEmpty ? text : text.padding(toLength: width, withPad: " ", startingAt: 0) + "   # " + comment)
        }
        lines.append("outputs: " + zip(labels, outputRegisters).map { "\($0) = r\($1)" }.joined(separator: ", "))
        let leaves = Int(firstInstructionRegister)
        lines.append("registers: \(registerCount) (\(leaves) for inputs and constants, \(registerCount - leaves) for \(instructions.count) instruction\(instructions.count == 1 ? "" : "s"))")
        for (index, loop) in loops.enumerated() { lines += loop.listing(index: index).map { "  " + $0 } }
        return lines.joined(separator: "\n")
    }

    /// Runs the instructions once on `inputs` (in ``inputNames`` order) and returns the value
    /// each instruction computed.
    func trace(_ inputs: [Double]) -> [Double] {
        var registers = [Double](repeating: 0, count: registerCount)
        for i in inputs.indices { registers[i] = inputs[i] }
        for (register, value) in constantRegisters { registers[Int(register)] = value }
        var results: [Double] = []
        results.reserveCapacity(instructions.count)
        let store = SequenceStore(slots: sequenceSlotCount)
        registers.withUnsafeMutableBufferPointer { buffer in
            let r = buffer.baseAddress!
            for instruction in instructions {
                if instruction.op == .loopValue {
                    if instruction.constant == 1 { loops[Int(instruction.x)].run(r, store) }
                    results.append(instruction.y >= 0 ? r[Int(instruction.target)] : .nan)
                    continue
                }
                let result = instruction.op.evaluate(r[Int(instruction.x)], r[Int(instruction.y)], instruction.constant)
                r[Int(instruction.target)] = result
                results.append(result)
            }
        }
        return results
    }
}

extension CompiledLoop {
    /// The loop for people: its steps, what it reads and writes, and its body's program (its
    /// inputs: the step's index, the carries, the per-step elements, the parameters).
    func listing(index: Int) -> [String] {
        let registers = { (list: [Int32]) in list.map { "r\($0)" }.joined(separator: ", ") }
        var head = "loop \(index): \(conditionOutput >= 0 ? "while its condition is > 0, at most \(count)" : "\(count)") step\(count == 1 ? "" : "s")"
        if reversed { head += ", from the last to the first" }
        if guardRegister >= 0 { head += ", only where r\(guardRegister) \(runsWhenGuardPositive ? ">" : "≤") 0" }
        var lines = [head + ":"]
        lines.append("  carries from \(carryCount == 0 ? "none" : registers(initialRegisters))"
                     + (captureRegisters.isEmpty ? "" : "; parameters \(registers(captureRegisters))"))
        if !sequenceOutputSlots.isEmpty {
            // The trajectory and the costly values a backward loop reads: kept for backward.
            lines.append("  stores \(sequenceOutputSlots.count) value\(sequenceOutputSlots.count == 1 ? "" : "s") per step "
                         + "(\(sequenceOutputSlots.count * count) in all), read by the loops after it")
        }
        if !sequenceInputSlots.isEmpty {
            lines.append("  reads \(sequenceInputSlots.count) stored value\(sequenceInputSlots.count == 1 ? "" : "s") per step")
        }
        let body = (try? self.body.listing()) ?? ""
        lines += body.split(separator: "\n").map { "  " + $0 }
        return lines
    }
}
