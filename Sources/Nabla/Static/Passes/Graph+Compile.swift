// Compilation: from a graph and requested outputs to a ``Program``. Each pass is a loop over
// the node arrays in order.

extension Graph {
    /// Compiles the nodes needed for `outputs` into a runnable program. Its inputs are the
    /// graph's inputs that the outputs depend on.
    ///
    /// Passes, in order: liveness (keep only what the outputs need), register assignment (inputs
    /// first, then constants, then one register per instruction), identities (x·1, x^1, −(−x)
    /// reuse x's register: exact in IEEE arithmetic), and common-subexpression elimination (an op
    /// already computed on the same registers reuses that register).
    public func compile(_ outputs: [Symbol]) -> Program {
        require(outputs.allSatisfy { $0.graph === self }, "Nabla: compile() was given symbols from another graph")
        let outputIDs = outputs.map(\.id)
        let live = liveNodes(for: outputIDs)
        // The program's inputs: the graph's inputs that the outputs depend on, in declaration order.
        let usedInputs = inputNames.filter { live[Int(inputNodes[$0]!)] }
        var sequenceSlots: Int32 = 0
        var program = compileRegion(outputs: outputIDs, leaves: usedInputs.map { inputNodes[$0]! }, leafNames: usedInputs,
                                    live: live, nodes: 0..<ops.count, sequenceSlots: &sequenceSlots)
        program.declaredInputs = Set(inputNames)
        program.outputNames = outputs.enumerated().map { k, s in names[s.id] ?? "output\(k)" }
        program.sequenceSlotCount = Int(sequenceSlots)
        return program
    }

    /// Compiles the live nodes of `nodes` computing `outputs` from `leaves` (the program's inputs,
    /// in order). A loop's result becomes one `loopValue` instruction per live result (the first
    /// one runs the loop, whose body is compiled as a program of its own); a loop's sequence gets
    /// a slot in the run's sequence storage.
    func compileRegion(outputs: [Int32], leaves: [Int32], leafNames: [String], live: [Bool], nodes: Range<Int>,
                       outerConstants: [Int32] = [], sequenceSlots: inout Int32) -> Program {
        var registerOf = [Int32](repeating: -1, count: ops.count)
        var registerNames: [Int32: String] = [:]
        var registerCount: Int32 = 0
        for (leaf, name) in zip(leaves, leafNames) {
            registerOf[Int(leaf)] = registerCount
            registerNames[registerCount] = name
            registerCount += 1
        }
        var constantRegisters: [(register: Int32, value: Double)] = []
        var liveCount = 0
        for i in nodes where live[i] {
            liveCount += 1
            guard ops[i] == .constant else { continue }
            registerOf[i] = registerCount
            constantRegisters.append((registerCount, constants[i]))
            registerCount += 1
        }
        // Constants a loop's body reads from before the body.
        for id in outerConstants where registerOf[Int(id)] < 0 {
            registerOf[Int(id)] = registerCount
            constantRegisters.append((registerCount, constants[Int(id)]))
            registerCount += 1
        }

        let firstInstructionRegister = registerCount
        var table = CommonSubexpressions(registerCount: Int(registerCount) + liveCount)
        var instructions: [Program.Instruction] = []
        instructions.reserveCapacity(liveCount)
        var compiledLoops: [CompiledLoop] = []
        var compiledLoopOf: [Int: Int] = [:]
        var sequenceSlotOf: [Int32: Int32] = [:]
        for i in nodes where live[i] && (ops[i].arity > 0 || ops[i] == .loopValue) && registerOf[i] < 0 {
            let op = ops[i]
            if op == .loopValue {
                guard let role = loopRoles[Int32(i)] else { continue }
                let (loop, ordinal): (Int, Int32)
                switch role {
                case .result(let l, let k): (loop, ordinal) = (l, Int32(k))
                case .sequence(let l, let k): (loop, ordinal) = (l, -1 - Int32(k))
                default: continue
                }
                var first = false
                if compiledLoopOf[loop] == nil {
                    first = true
                    compiledLoopOf[loop] = compiledLoops.count
                    compiledLoops.append(compileLoop(loop, live: live, registerOf: registerOf,
                                                     sequenceSlotOf: &sequenceSlotOf, sequenceSlots: &sequenceSlots))
                }
                if ordinal < 0 { sequenceSlotOf[Int32(i)] = compiledLoops[compiledLoopOf[loop]!].slotOfSequence[Int(-1 - ordinal)] }
                registerOf[i] = registerCount
                table.skip()
                instructions.append(Program.Instruction(op: .loopValue, x: Int32(compiledLoopOf[loop]!), y: ordinal,
                                                        target: registerCount, constant: first ? 1 : 0))
                registerCount += 1
                continue
            }
            let x = registerOf[Int(lhs[i])]
            if let same = identityOperand(op, x, constants[i], instructions: instructions, firstInstructionRegister) {
                registerOf[i] = same
                continue
            }
            var instruction = Program.Instruction(op: op, x: x, y: op.arity == 2 ? registerOf[Int(rhs[i])] : x,
                                                  target: registerCount, constant: constants[i])
            if op.isCommutative && instruction.y < instruction.x { swap(&instruction.x, &instruction.y) }
            if let existing = table.findOrInsert(instruction, at: instructions.count, in: instructions) {
                registerOf[i] = instructions[existing].target
                continue
            }
            registerOf[i] = registerCount
            instructions.append(instruction)
            registerCount += 1
        }
        // Compiled loops write their results into the registers of the result nodes.
        for (loop, index) in compiledLoopOf {
            compiledLoops[index].resultRegisters = loops[loop].results.map { registerOf[Int($0)] }
        }
        // Named nodes name their registers (the earliest node's name where nodes share one).
        for (node, name) in names.sorted(by: { $0.key < $1.key })
        where nodes.contains(Int(node)) && live[Int(node)] && registerOf[Int(node)] >= firstInstructionRegister {
            if registerNames[registerOf[Int(node)]] == nil { registerNames[registerOf[Int(node)]] = name }
        }
        return Program(inputNames: leafNames, declaredInputs: Set(leafNames), outputNames: outputs.indices.map { "output\($0)" },
                       instructions: instructions, registerCount: Int(registerCount), constantRegisters: constantRegisters,
                       firstInstructionRegister: firstInstructionRegister,
                       outputRegisters: outputs.map { registerOf[Int($0)] }, registerNames: registerNames,
                       loops: compiledLoops)
    }

    /// The register an op on register `x` would merely copy, if it is an identity: x·1, x^1,
    /// −(−x), or a custom function's output node (its value is its forward's). Each gives x
    /// exactly.
    private func identityOperand(_ op: Primitive, _ x: Int32, _ c: Double, instructions: [Program.Instruction],
                                 _ firstInstructionRegister: Int32) -> Int32? {
        switch op {
        case .multiplyConstant where c == 1, .powerConstant where c == 1, .custom: return x
        case .negate where x >= firstInstructionRegister:
            let operand = instructions[Int(x - firstInstructionRegister)]
            return operand.op == .negate ? operand.x : nil
        default: return nil
        }
    }

    /// Which nodes the outputs depend on: one loop down from the highest output, to `lowest`.
    /// `leaves` are not followed to their operands; a loop's output depends on the loop's
    /// initial values, parameters and per-step inputs (its body is compiled on its own).
    func liveNodes(for outputs: [Int32], lowest: Int = 0, leaves: Set<Int32> = []) -> [Bool] {
        var live = [Bool](repeating: false, count: ops.count)
        for o in outputs { live[Int(o)] = true }
        guard let highest = outputs.max() else { return live }
        for i in stride(from: Int(highest), through: lowest, by: -1) where live[i] {
            let arity = ops[i].arity
            if !leaves.isEmpty && leaves.contains(Int32(i)) { continue }
            if arity >= 1 { live[Int(lhs[i])] = true }
            if arity == 2 { live[Int(rhs[i])] = true }
            if arity == 0 && ops[i] == .loopValue, let role = loopRoles[Int32(i)] {
                switch role {
                case .result(let l, _), .sequence(let l, _):
                    for id in loops[l].initial + loops[l].captures + loops[l].sequenceInputs { live[Int(id)] = true }
                    if loops[l].guardNode >= 0 { live[Int(loops[l].guardNode)] = true }
                default: break
                }
            }
        }
        return live
    }
}
