// The compilation log of a tensor graph: what `TensorGraph.compile` did, pass by pass, with the
// shape of every value, in the notation of the scalar log (`t4 = matmul(x, w) [32×10]`).

extension TensorGraph {
    /// Compiles as ``compile(_:)`` does (the same program) and returns, beside the program, what
    /// each pass did, with shapes: the gradient nodes appended (when ``gradients(of:wrt:)`` was
    /// called), dead-code elimination (nodes the outputs do not need), fusion (a matrix product
    /// with the bias sum and activation reading it, and chains of unary elementwise operations on
    /// small or large tensors, each run as one step) and memory planning (after which
    /// step each value's storage is released, or reused in place).
    public func compileWithLog(_ outputs: [TensorSymbol<Scalar>]) throws(TensorShapeError) -> (program: TensorProgram<Scalar>, log: CompilationLog) {
        try compileWithLog(outputs, updating: [])
    }

    /// ``compileWithLog(_:)`` for a program that updates inputs (``compile(_:updating:)``).
    public func compileWithLog(_ outputs: [TensorSymbol<Scalar>], updating updates: [(input: TensorSymbol<Scalar>, value: TensorSymbol<Scalar>)]) throws(TensorShapeError) -> (program: TensorProgram<Scalar>, log: CompilationLog) {
        let program = try compile(outputs, updating: updates)
        let outputs = outputs + updates.map(\.value)
        var log = CompilationLog()
        var live = [Bool](repeating: false, count: nodes.count)
        for o in outputs { live[Int(o.id)] = true }
        for i in stride(from: nodes.count - 1, through: 0, by: -1) where live[i] {
            let arity = nodes[i].operation.arity
            if arity >= 1 { live[Int(nodes[i].x)] = true }
            if arity == 2 { live[Int(nodes[i].y)] = true }
        }
        let liveNodes = live.indices.filter { live[$0] }   // step k computes node liveNodes[k]

        if let first = firstGradientNode {
            let appended = (first..<nodes.count).filter { nodes[$0].operation.arity > 0 }.map { "appended \(logDefinition(Int32($0)))" }
            log.passes.append(CompilationPassReport(name: "gradients", unit: "nodes", before: first, after: nodes.count, changes: appended))
        }
        let removed = live.indices.filter { !live[$0] }.map { "removed \(logDefinition(Int32($0))) (not needed by the outputs)" }
        log.passes.append(CompilationPassReport(name: "dead-code elimination", unit: "nodes", before: nodes.count,
                                                after: liveNodes.count, changes: removed))

        var fusion: [String] = []
        var fusedCount = 0
        var absorbed: Set<Int> = []
        for (k, steps) in program.epilogueFusion.fused {
            let step = program.steps[Int(k)]
            guard let epilogue = step.epilogue else { continue }
            absorbed.formUnion(steps.map(Int.init))
            fusedCount += steps.count
            let label = { (slot: Int32) in self.logLabel(Int32(liveNodes[Int(slot)])) }
            var expression = "\(step.operation.name)(\(label(step.x)), \(label(step.y)))"
            if epilogue.bias >= 0 { expression = epilogue.biasFirst ? "\(label(epilogue.bias)) + \(expression)" : "\(expression) + \(label(epilogue.bias))" }
            if epilogue.activation != .identity { expression = "\(epilogue.activation.name)(\(expression))" }
            let applied: String
            if epilogue.mask >= 0 {
                expression = "masked(\(label(epilogue.mask)), \(expression))"
                applied = "the mask applied"
            } else {
                applied = "the bias and activation applied"
            }
            fusion.append("fused \((steps + [k]).map(label).joined(separator: ", ")) into one step: \(expression), "
                          + "\(applied) by the matrix kernel as it writes each tile \(shapeText(nodes[liveNodes[Int(k)]].shape))")
        }
        for (k, steps) in program.epilogueFusion.accumulated {
            let step = program.steps[Int(k)]
            guard let accumulation = step.accumulation else { continue }
            absorbed.formUnion(steps.map(Int.init))
            fusedCount += steps.count
            let label = { (slot: Int32) in self.logLabel(Int32(liveNodes[Int(slot)])) }
            var product = "\(step.operation.name)(\(label(step.x)), \(label(step.y)))"
            if accumulation.scaled { product = "\(accumulation.scale) · \(product)" }
            fusion.append("fused \((steps + [k]).map(label).joined(separator: ", ")) into one step: "
                          + "\(label(accumulation.target)) \(accumulation.subtracting ? "−" : "+") \(product), each tile of the product added to "
                          + "\(label(accumulation.target))'s storage as the matrix kernel finishes it \(shapeText(nodes[liveNodes[Int(k)]].shape))")
        }
        for (k, from, to) in program.epilogueFusion.rewiredMasks {
            let label = { (slot: Int32) in self.logLabel(Int32(liveNodes[Int(slot)])) }
            fusion.append("\(logDefinition(Int32(liveNodes[Int(k)]))) reads \(label(to)) = relu(\(label(from))) instead of \(label(from)) "
                          + "(relu(z) > 0 exactly where z > 0: the same mask), so \(label(from)) is not kept")
        }
        for (k, step) in program.steps.enumerated() where step.chain >= 0 {
            // The chain ends at step k; its earlier links are the fused steps feeding it.
            var links = [k]
            var source = k
            while true {
                guard let previous = (0..<source).last(where: { program.steps[$0].isFused && !absorbed.contains($0) && self.feeds(liveNodes[$0], liveNodes[source]) }) else { break }
                links.insert(previous, at: 0)
                source = previous
            }
            fusedCount += links.count - 1
            let chain = program.chains[Int(step.chain)].map(\.primitive.name).joined(separator: " → ")
            fusion.append("fused \(links.map { logLabel(Int32(liveNodes[$0])) }.joined(separator: ", ")) into one step: "
                          + "\(chain) on each element \(shapeText(nodes[liveNodes[k]].shape))")
        }
        if fusion.isEmpty {
            fusion.append("nothing to fuse: no matrix product read only by a bias sum, an activation (relu, tanh, gelu) or a sum with a value that dies there, and no chain of unary elementwise operations on tensors of at most \(TensorProgram<Scalar>.fusedElementLimit) elements or of at least \(TensorProgram<Scalar>.fusedByteThreshold >> 20) MiB")
        }
        let stepCount = program.steps.count
        log.passes.append(CompilationPassReport(name: "fusion", unit: "steps", before: stepCount, after: stepCount - fusedCount, changes: fusion))

        var memory: [String] = []
        var released = 0
        let outputSlots = Set(program.outputs)
        for (k, last) in program.lastUse.enumerated() where !outputSlots.contains(Int32(k)) && last >= 0 && !program.steps[k].isFused {
            guard Int(last) < stepCount else { continue }
            released += 1
            memory.append("\(logLabel(Int32(liveNodes[k]))) \(shapeText(nodes[liveNodes[k]].shape)) released after \(logLabel(Int32(liveNodes[Int(last)]))), its last reader")
        }
        log.passes.append(CompilationPassReport(name: "memory planning", unit: "values held to the end", before: stepCount - fusedCount,
                                                after: stepCount - fusedCount - released, changes: memory))
        if let first = firstGradientNode {
            var kept: Set<Int> = []
            for i in liveNodes where i >= first && nodes[i].operation.arity > 0 {
                for operand in [nodes[i].x, nodes[i].y].prefix(nodes[i].operation.arity) where operand >= 0 && Int(operand) < first {
                    if nodes[Int(operand)].constant == nil { kept.insert(Int(operand)) }
                }
            }
            log.keptForBackward = kept.sorted().map { "\(logLabel(Int32($0))) \(shapeText(nodes[$0].shape))" }
        }
        return (program, log)
    }

    /// Whether node `a` is the operand of node `b`.
    private func feeds(_ a: Int, _ b: Int) -> Bool { nodes[b].x == Int32(a) }

    /// A node as the log names it: an input's name, `t7` otherwise.
    func logLabel(_ id: Int32) -> String { nodes[Int(id)].name ?? "t\(id)" }

    /// A node's definition with its shape: `t4 = matmul(x, w) [32×10]`, `t2 = constant [10]`.
    func logDefinition(_ id: Int32) -> String {
        let node = nodes[Int(id)]
        let shape = shapeText(node.shape)
        if node.operation.arity == 0 { return node.name.map { "\($0) (input) \(shape)" } ?? "\(logLabel(id)) = constant \(shape)" }
        let operands = [node.x, node.y].prefix(node.operation.arity).map { logLabel($0) }
        var text = "\(logLabel(id)) = \(node.operation.name)(\(operands.joined(separator: ", "))"
        if case .elementwise(let p, let c) = node.operation, [.addConstant, .multiplyConstant, .powerConstant].contains(p) {
            text += ", \(NumberFormat.shortest(c))"
        }
        return text + ") \(shape)"
    }

    /// `[32×10]`; `[]` for a scalar.
    func shapeText(_ shape: Shape) -> String { "[" + shape.dimensions.map(String.init).joined(separator: "×") + "]" }
}
