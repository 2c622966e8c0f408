// Compilation: from a graph and requested outputs to a ``Program``. Each pass is a loop over
// the node arrays in order.

extension Graph {
    /// Compiles the nodes needed for `outputs` into a runnable program.
    ///
    /// Passes, in order: liveness (keep only what the outputs need), common-subexpression
    /// elimination (identical op and operands become one register), and register assignment
    /// (inputs first, then constants, then one register per remaining node).
    public func compile(_ outputs: [Symbol]) -> Program {
        precondition(outputs.allSatisfy { $0.graph === self }, "Nabla: compile() was given symbols from another graph")
        let live = liveNodes(for: outputs.map(\.id))

        var registerOf = [Int32](repeating: -1, count: ops.count)
        var labels = [String]()
        for name in inputNames {
            registerOf[Int(inputNodes[name]!)] = Int32(labels.count)
            labels.append(name)
        }
        var constantRegisters: [(register: Int32, value: Double)] = []
        for i in live.indices where live[i] && ops[i] == .constant {
            registerOf[i] = Int32(labels.count)
            constantRegisters.append((Int32(labels.count), constants[i]))
            labels.append(NumberFormat.shortest(constants[i]))
        }

        struct Key: Hashable { var op: Primitive; var x: Int32; var y: Int32; var c: UInt64 }
        var seen: [Key: Int32] = [:]
        var instructions: [Program.Instruction] = []
        for i in live.indices where live[i] && ops[i].arity > 0 {
            let op = ops[i]
            let x = registerOf[Int(lhs[i])]
            let y = op.arity == 2 ? registerOf[Int(rhs[i])] : x
            let key = Key(op: op, x: x, y: y, c: constants[i].bitPattern)
            if let existing = seen[key] {
                registerOf[i] = existing
                continue
            }
            let target = Int32(labels.count)
            seen[key] = target
            registerOf[i] = target
            labels.append(names[Int32(i)] ?? describe(op, labels[Int(x)], labels[Int(y)], constants[i]))
            instructions.append(.init(op: op, x: x, y: y, target: target, constant: constants[i]))
        }
        let outputNames = outputs.enumerated().map { k, s in names[s.id] ?? "output\(k)" }
        return Program(inputNames: inputNames, outputNames: outputNames, instructions: instructions,
                       registerCount: labels.count, constantRegisters: constantRegisters,
                       outputRegisters: outputs.map { registerOf[Int($0.id)] }, registerLabels: labels)
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

    /// A short label for an unnamed node, such as `tanh(t3)`.
    private func describe(_ op: Primitive, _ x: String, _ y: String, _ c: Double) -> String {
        let operands = op.arity == 2 ? "\(x), \(y)" : x
        let constant = [.addConstant, .multiplyConstant, .powerConstant, .heaviside].contains(op)
            ? ", \(NumberFormat.shortest(c))" : ""
        let text = "\(op.name)(\(operands)\(constant))"
        return text.count <= 40 ? text : "\(op.name)(…)"
    }
}
