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
        let live = liveNodes(for: outputs.map(\.id))

        var registerOf = [Int32](repeating: -1, count: ops.count)
        var registerNames: [Int32: String] = [:]
        var registerCount: Int32 = 0
        // The program's inputs: the graph's inputs that the outputs depend on, in declaration order.
        let usedInputs = inputNames.filter { live[Int(inputNodes[$0]!)] }
        for name in usedInputs {
            registerOf[Int(inputNodes[name]!)] = registerCount
            registerNames[registerCount] = name
            registerCount += 1
        }
        var constantRegisters: [(register: Int32, value: Double)] = []
        var liveCount = 0
        for i in live.indices where live[i] {
            liveCount += 1
            guard ops[i] == .constant else { continue }
            registerOf[i] = registerCount
            constantRegisters.append((registerCount, constants[i]))
            registerCount += 1
        }

        let firstInstructionRegister = registerCount
        var table = CommonSubexpressions(registerCount: Int(registerCount) + liveCount)
        var instructions: [Program.Instruction] = []
        instructions.reserveCapacity(liveCount)
        for i in live.indices where live[i] && ops[i].arity > 0 {
            let op = ops[i]
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
        // Named nodes name their registers (the earliest node's name where nodes share one).
        for (node, name) in names.sorted(by: { $0.key < $1.key })
        where live[Int(node)] && registerOf[Int(node)] >= firstInstructionRegister {
            if registerNames[registerOf[Int(node)]] == nil { registerNames[registerOf[Int(node)]] = name }
        }
        let outputNames = outputs.enumerated().map { k, s in names[s.id] ?? "output\(k)" }
        return Program(inputNames: usedInputs, declaredInputs: Set(inputNames), outputNames: outputNames, instructions: instructions,
                       registerCount: Int(registerCount), constantRegisters: constantRegisters,
                       firstInstructionRegister: firstInstructionRegister,
                       outputRegisters: outputs.map { registerOf[Int($0.id)] }, registerNames: registerNames)
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

    /// Which nodes the outputs depend on: one loop down from the highest output.
    func liveNodes(for outputs: [Int32]) -> [Bool] {
        var live = [Bool](repeating: false, count: ops.count)
        for o in outputs { live[Int(o)] = true }
        for i in stride(from: ops.count - 1, through: 0, by: -1) where live[i] {
            let arity = ops[i].arity
            if arity >= 1 { live[Int(lhs[i])] = true }
            if arity == 2 { live[Int(rhs[i])] = true }
        }
        return live
    }
}
