// Compilation: from a graph and requested outputs to a ``Program``, as a sequence of named
// passes, each a loop over the node or instruction arrays in order (never a recursion):
//
// 1. dead-code elimination (DeadCodeElimination.swift): keep only what the outputs need;
// 2. constant folding (ConstantFolding.swift): done as the graph is built; reported here;
// 3. algebraic simplification (AlgebraicSimplification.swift): exact identities such as x·1;
// 4. common subexpressions (CommonSubexpressions.swift): an op already computed on the same
//    registers reuses that register;
// 5. fusion (Fusion.swift): reports the pairs a superinstruction could run;
// 6. memory planning (MemoryPlanning.swift): a register is reused once its value is dead.
//
// Passes 3 and 4 run in one loop, the instruction selection below, because each needs the
// other's result for the node before (−(−x) looks at the instruction x's register holds; an
// op merges with an earlier one on the same registers after those were simplified). Every pass
// is generic over a `CompilationRecorder`: `compile(_:)` records nothing and pays nothing for
// the log.

extension Graph {
    /// Compiles the nodes needed for `outputs` into a runnable program. Its inputs are the
    /// graph's inputs that the outputs depend on.
    ///
    /// Passes, in order: dead-code elimination (keep only what the outputs need), algebraic
    /// simplification (x·1, x/1, x^1, x − 0, x + (−0), −(−x) reuse x's register: exact in IEEE
    /// arithmetic; x + 0, x − x and 0·x are not, and are kept), common-subexpression
    /// elimination (an op already computed on the same registers reuses that register), and
    /// memory planning (a register is reused once the value it holds is no longer needed).
    /// Operations on constants were folded as the graph was built. The program gives the same
    /// bits as running every node of the graph in order. ``compileWithLog(_:)`` runs the same
    /// passes and says what each did.
    public func compile(_ outputs: [Symbol]) -> Program {
        var recorder = SilentRecorder()
        return compile(outputs, recorder: &recorder)
    }

    /// Compiles as ``compile(_:)`` does, with memory planning only where `reusingRegisters`:
    /// without it, every instruction writes a register of its own, which makes the program
    /// easier to read (``Program/source(in:functionName:resultNames:valueCount:)`` writes each
    /// register as a variable named after its node). The results are the same bits either way.
    public func compile(_ outputs: [Symbol], reusingRegisters: Bool) -> Program {
        var recorder = SilentRecorder()
        return compile(outputs, recorder: &recorder, planningMemory: reusingRegisters)
    }

    /// Compiles as ``compile(_:)`` does (the same program) and returns, beside the program, what
    /// each pass did: ``CompilationLog``, with node counts before and after each pass and its
    /// changes in the tutorial's notation (`removed d2 (not needed by the outputs)`, `x·1 → x`,
    /// `register r4 reused for t9 (t2 no longer needed)`), and the forward values the gradient
    /// nodes read (kept for backward).
    public func compileWithLog(_ outputs: [Symbol]) -> (program: Program, log: CompilationLog) {
        var recorder = LogRecorder()
        let program = compile(outputs, recorder: &recorder)
        return (program, recorder.log)
    }

    func compile<R: CompilationRecorder>(_ outputs: [Symbol], recorder: inout R, planningMemory: Bool = true) -> Program {
        require(outputs.allSatisfy { $0.graph === self }, "Nabla: compile() was given symbols from another graph")
        if R.isRecording { reportGradients(recorder: &recorder) }
        let outputIDs = outputs.map(\.id)
        let (live, liveCount) = eliminateDeadCode(for: outputIDs, recorder: &recorder)
        reportConstantFolding(liveCount: liveCount, recorder: &recorder)
        // The program's inputs: the graph's inputs that the outputs depend on, in declaration order.
        let usedInputs = inputNames.filter { live[Int(inputNodes[$0]!)] }
        var sequenceSlots: Int32 = 0
        var program = compileRegion(outputs: outputIDs, leaves: usedInputs.map { inputNodes[$0]! }, leafNames: usedInputs,
                                    live: live, nodes: 0..<ops.count, sequenceSlots: &sequenceSlots, recorder: &recorder,
                                    planningMemory: planningMemory)
        program.declaredInputs = Set(inputNames)
        program.outputNames = outputs.enumerated().map { k, s in names[s.id] ?? "output\(k)" }
        program.sequenceSlotCount = Int(sequenceSlots)
        return program
    }

    /// Compiles the live nodes of `nodes` computing `outputs` from `leaves` (the program's inputs,
    /// in order): instruction selection (algebraic simplification and common subexpressions),
    /// then memory planning. A loop's result becomes one `loopValue` instruction per live result
    /// (the first one runs the loop, whose body is compiled as a program of its own, without a
    /// log); a loop's sequence gets a slot in the run's sequence storage. A program with loops
    /// keeps one register per instruction (memory planning does not see what a loop reads).
    func compileRegion<R: CompilationRecorder>(outputs: [Int32], leaves leafIDs: [Int32], leafNames: [String], live: [Bool],
                                               nodes: Range<Int>, outerConstants: [Int32] = [], sequenceSlots: inout Int32,
                                               recorder: inout R, planningMemory: Bool = true) -> Program {
        var registerOf = [Int32](repeating: -1, count: ops.count)
        var registerNames: [Int32: String] = [:]
        var registerCount: Int32 = 0
        for (leaf, name) in zip(leafIDs, leafNames) {
            registerOf[Int(leaf)] = registerCount
            registerNames[registerCount] = name
            registerCount += 1
        }
        var constantRegisters: [(register: Int32, value: Double)] = []
        var leafCount = leafIDs.count
        var liveCount = 0
        for i in nodes where live[i] {
            liveCount += 1
            guard ops[i] == .constant else { continue }
            registerOf[i] = registerCount
            constantRegisters.append((registerCount, constants[i]))
            registerCount += 1
            leafCount += 1
        }
        // Constants a loop's body reads from before the body.
        for id in outerConstants where registerOf[Int(id)] < 0 {
            registerOf[Int(id)] = registerCount
            constantRegisters.append((registerCount, constants[Int(id)]))
            registerCount += 1
        }

        // Instruction selection: algebraic simplification and common subexpressions.
        let firstInstructionRegister = registerCount
        var table = CommonSubexpressions(registerCount: Int(registerCount) + liveCount)
        var instructions: [Program.Instruction] = []
        instructions.reserveCapacity(liveCount)
        var simplified: [String] = [], merged: [String] = []
        var nodeOfInstruction: [Int32] = []     // only when recording
        let leaves = R.isRecording ? leafIDs + constantRegisters.map { constantNodes[$0.value.bitPattern]! } : []
        func nodeOfRegister(_ r: Int32) -> Int32 {
            r < firstInstructionRegister ? leaves[Int(r)] : nodeOfInstruction[Int(r - firstInstructionRegister)]
        }
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
                if R.isRecording { nodeOfInstruction.append(Int32(i)) }
                registerCount += 1
                continue
            }
            let x = registerOf[Int(lhs[i])]
            let opaque = op.isOpaque
            if !opaque, let same = identityOperand(i, x, instructions: instructions, firstInstructionRegister) {
                registerOf[i] = same
                if R.isRecording { simplified.append("\(identityRule(i)): \(logDefinition(Int32(i))) is removed, \(logLabel(Int32(i))) is \(logLabel(nodeOfRegister(same)))") }
                continue
            }
            var instruction = Program.Instruction(op: op, x: x, y: op.arity == 2 ? registerOf[Int(rhs[i])] : x,
                                                  target: registerCount, constant: constants[i])
            if R.isRecording, let reason = refusedSimplification(i, x: instruction.x, y: instruction.y) {
                simplified.append("kept \(logDefinition(Int32(i))): \(reason)")
            }
            if op.isCommutative && instruction.y < instruction.x { swap(&instruction.x, &instruction.y) }
            if !opaque, let existing = table.findOrInsert(instruction, at: instructions.count, in: instructions) {
                registerOf[i] = instructions[existing].target
                if R.isRecording {
                    merged.append("merged \(logDefinition(Int32(i))) into \(logLabel(nodeOfInstruction[existing])) (same op, same operands)")
                }
                continue
            }
            registerOf[i] = registerCount
            instructions.append(instruction)
            if R.isRecording { nodeOfInstruction.append(Int32(i)) }
            registerCount += 1
        }
        // Compiled loops write their results into the registers of the result nodes.
        for (loop, index) in compiledLoopOf {
            compiledLoops[index].resultRegisters = loops[loop].results.map { registerOf[Int($0)] }
        }
        if R.isRecording {
            let operations = liveCount - leafCount
            let removed = simplified.filter { !$0.hasPrefix("kept") }.count
            recorder.record(CompilationPassReport(name: "algebraic simplification", unit: "operations", before: operations,
                                                  after: operations - removed, changes: simplified))
            recorder.record(CompilationPassReport(name: "common subexpressions", unit: "operations", before: operations - removed,
                                                  after: instructions.count, changes: merged))
            recorder.keep(keptForBackward(instructions, nodeOfInstruction, nodeOfRegister: nodeOfRegister))
            reportFusion(instructions, outputs.map { registerOf[Int($0)] }, firstInstructionRegister,
                         label: { self.logLabel(nodeOfInstruction[$0]) }, recorder: &recorder)
        }
        // Named nodes name their instructions (the earliest node's name where nodes share one).
        var instructionNames: [Int32: String] = [:]
        for (node, name) in names.sorted(by: { $0.key < $1.key })
        where nodes.contains(Int(node)) && live[Int(node)] && registerOf[Int(node)] >= firstInstructionRegister {
            let k = registerOf[Int(node)] - firstInstructionRegister
            if instructionNames[k] == nil { instructionNames[k] = name }
        }
        var outputRegisters = outputs.map { registerOf[Int($0)] }
        var plannedCount = Int(registerCount)
        if compiledLoops.isEmpty && planningMemory {
            // Memory planning works in the storage of `registerOf`, which is not read any more (for
            // graphs of millions of nodes, touching fresh memory costs more than the work).
            var scratch = consume registerOf
            plannedCount = planMemory(&instructions, scratch: &scratch, outputRegisters: &outputRegisters, names: &instructionNames,
                                      registerCount: Int(registerCount),
                                      firstInstructionRegister: firstInstructionRegister,
                                      label: { self.logLabel(nodeOfRegister($0)) }, recorder: &recorder)
        } else if R.isRecording && planningMemory {
            recorder.record(CompilationPassReport(name: "memory planning", unit: "registers", before: Int(registerCount),
                                                  after: Int(registerCount),
                                                  changes: ["not run: the program has loops, which read registers the planner does not see"]))
        }
        return Program(inputNames: leafNames, declaredInputs: Set(leafNames), outputNames: outputs.indices.map { "output\($0)" },
                       instructions: instructions, registerCount: plannedCount, constantRegisters: constantRegisters,
                       firstInstructionRegister: firstInstructionRegister,
                       outputRegisters: outputRegisters, registerNames: registerNames, instructionNames: instructionNames,
                       loops: compiledLoops)
    }

    /// The nodes in the registers below `firstInstructionRegister` (inputs, then constants),
    /// for the log.
    func leafNodes(_ usedInputs: [String], _ constantRegisters: [(register: Int32, value: Double)]) -> [Int32] {
        usedInputs.map { inputNodes[$0]! } + constantRegisters.map { constantNodes[$0.value.bitPattern]! }
    }

    /// Reports the nodes symbolic reverse mode appended (``gradients(of:wrt:)``), if any.
    func reportGradients<R: CompilationRecorder>(recorder: inout R) {
        guard firstGradientNode < Int32(ops.count) else { return }
        let first = Int(firstGradientNode)
        let changes = (first..<ops.count).filter { ops[$0].arity > 0 }.map { "appended \(logDefinition(Int32($0)))" }
        recorder.record(CompilationPassReport(name: "gradients", unit: "nodes", before: first, after: ops.count, changes: changes))
    }

    /// The forward values (nodes made before the first gradient node) that gradient
    /// instructions read: what a run keeps for the backward part. Constants are not counted.
    /// `nodeOfRegister` gives the node each register holds after instruction selection.
    func keptForBackward(_ instructions: [Program.Instruction], _ nodeOfInstruction: [Int32],
                         nodeOfRegister: (Int32) -> Int32) -> [String] {
        guard firstGradientNode < Int32(ops.count) else { return [] }
        var kept: Set<Int32> = []
        for (k, instruction) in instructions.enumerated() where nodeOfInstruction[k] >= firstGradientNode {
            for register in [instruction.x, instruction.y].prefix(instruction.op.arity) {
                let node = nodeOfRegister(register)
                if node < firstGradientNode && ops[Int(node)] != .constant { kept.insert(node) }
            }
        }
        return kept.sorted().map(logLabel)
    }
}
