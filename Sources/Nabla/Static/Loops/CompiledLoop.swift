// Compiled loops: a loop of a static graph becomes a program of its own (its body), run `count`
// times over a register file of its own by the `loopValue` instruction of the program around it.

/// A loop of a compiled ``Program``: its body as a program whose inputs are the step's index, the
/// carries, the per-step inputs' elements and the parameters, in that order, and whose outputs
/// are the next carries, then the per-step outputs collected into sequences.
@usableFromInline
struct CompiledLoop: Sendable {
    let count: Int
    let reversed: Bool
    let carryCount: Int
    let body: Program
    /// Registers of the program around the loop: the carries' initial values, the parameters.
    let initialRegisters: [Int32]
    let captureRegisters: [Int32]
    /// Sequence slots of the run: the per-step inputs read, the per-step outputs written.
    let sequenceInputSlots: [Int32]
    let sequenceOutputSlots: [Int32]
    /// The slot of each of the loop's sequences (-1 where the program does not need it).
    let slotOfSequence: [Int32]
    /// Where each carry's final value goes in the program around the loop (-1: nowhere).
    var resultRegisters: [Int32] = []
    /// A while loop's condition: the index of its body output (-1: a loop of `count` steps).
    let conditionOutput: Int
    /// The register deciding whether the loop runs (-1: always), and on which sign.
    let guardRegister: Int32
    let runsWhenGuardPositive: Bool

    /// Runs instructions without loops over the registers `b` (the loop's body, once).
    @inline(__always)
    static func runStraightLine(_ program: UnsafeBufferPointer<Program.Instruction>, _ b: UnsafeMutablePointer<Double>) {
        for instruction in program {
            b[Int(instruction.target)] = instruction.op.evaluate(b[Int(instruction.x)], b[Int(instruction.y)], instruction.constant)
        }
    }

    /// Runs every step, reading the initial values and parameters from `r` and writing the
    /// results into it.
    @usableFromInline
    func run(_ r: UnsafeMutablePointer<Double>, _ store: SequenceStore) {
        let nc = carryCount, ne = sequenceInputSlots.count
        let parameters = 1 + nc + ne
        if guardRegister >= 0 && (r[Int(guardRegister)] > 0) != runsWhenGuardPositive {
            for k in 0..<nc where resultRegisters[k] >= 0 { r[Int(resultRegisters[k])] = r[Int(initialRegisters[k])] }
            return
        }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: body.registerCount + nc) { buffer in
            let b = buffer.baseAddress!
            for (register, value) in body.constantRegisters { b[Int(register)] = value }
            for (p, register) in captureRegisters.enumerated() { b[parameters + p] = r[Int(register)] }
            for k in 0..<nc { b[1 + k] = r[Int(initialRegisters[k])] }
            let inputs = sequenceInputSlots.map { store.buffer($0, count: count) }
            let outputs = sequenceOutputSlots.map { store.allocate($0, count: count) }
            let next = b + body.registerCount
            let nested = !body.loops.isEmpty
            body.outputRegisters.withUnsafeBufferPointer { results in
                body.instructions.withUnsafeBufferPointer { program in
                    var t = reversed ? count - 1 : 0
                    let delta = reversed ? -1 : 1
                    let condition = conditionOutput >= 0 ? Int(results[conditionOutput]) : -1
                    for _ in 0..<(condition >= 0 ? count + 1 : count) {
                        b[0] = Double(t)
                        for j in 0..<ne { b[1 + nc + j] = inputs[j][t] }
                        if nested {
                            body.runInstructions(program, b, store)
                        } else {
                            Self.runStraightLine(program, b)
                        }
                        if condition >= 0 && !(b[condition] > 0) { break }
                        if condition >= 0 && t == count {
                            store.failure = .iterationLimit(limit: count)
                            break
                        }
                        for j in outputs.indices { outputs[j][t] = b[Int(results[nc + j])] }
                        for k in 0..<nc { next[k] = b[Int(results[k])] }
                        for k in 0..<nc { b[1 + k] = next[k] }
                        t += delta
                    }
                }
            }
            for k in 0..<nc where resultRegisters[k] >= 0 { r[Int(resultRegisters[k])] = b[1 + k] }
        }
    }
}

/// The sequences of one run of a program with loops: a buffer per slot, allocated on first use
/// and freed with the store.
@usableFromInline
final class SequenceStore {
    private var buffers: [UnsafeMutablePointer<Double>?]
    private var capacities: [Int]

    @usableFromInline init(slots: Int) {
        buffers = Array(repeating: nil, count: slots)
        capacities = Array(repeating: 0, count: slots)
    }

    deinit { for buffer in buffers { buffer?.deallocate() } }

    /// The buffer of `slot`, with room for `count` values.
    func allocate(_ slot: Int32, count: Int) -> UnsafeMutablePointer<Double> {
        let s = Int(slot)
        if let buffer = buffers[s], capacities[s] >= count { return buffer }
        buffers[s]?.deallocate()
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
        buffers[s] = buffer
        capacities[s] = count
        return buffer
    }

    /// The buffer of `slot`, written by an earlier loop of the run, or zeros where that loop did
    /// not run (a branch not taken).
    func buffer(_ slot: Int32, count: Int) -> UnsafeMutablePointer<Double> {
        if let buffer = buffers[Int(slot)], capacities[Int(slot)] >= count { return buffer }
        let buffer = allocate(slot, count: count)
        buffer.initialize(repeating: 0, count: count)
        return buffer
    }

    /// The first error of the run (a while loop that reached its limit).
    var failure: ProgramError?
}

extension Program {
    /// Executes a program with loops; returns whether all outputs are finite.
    @usableFromInline
    func executeWithLoops(_ inputs: [Double], registers: UnsafeMutableBufferPointer<Double>, outputs: inout [Double]) -> Bool {
        let r = registers.baseAddress!
        for i in inputs.indices { r[i] = inputs[i] }
        for (register, value) in constantRegisters { r[Int(register)] = value }
        let store = SequenceStore(slots: sequenceSlotCount)
        instructions.withUnsafeBufferPointer { runInstructions($0, r, store) }
        if store.failure != nil { return false }
        var finite = true
        for (k, register) in outputRegisters.enumerated() {
            let value = r[Int(register)]
            outputs[k] = value
            finite = finite && value.isFinite
        }
        return finite
    }

    /// Runs `program` (this program's instructions) over the registers `r`; a `loopValue`
    /// instruction marked first of its loop runs the loop.
    func runInstructions(_ program: UnsafeBufferPointer<Instruction>, _ r: UnsafeMutablePointer<Double>, _ store: SequenceStore) {
        for instruction in program {
            if instruction.op == .loopValue {
                if instruction.constant == 1 { loops[Int(instruction.x)].run(r, store) }
                continue
            }
            r[Int(instruction.target)] = instruction.op.evaluate(r[Int(instruction.x)], r[Int(instruction.y)], instruction.constant)
        }
    }

    /// The first instruction or loop whose result is not finite although its operands are.
    func diagnoseNonFiniteWithLoops(_ inputs: [Double]) -> ProgramError {
        for (i, value) in inputs.enumerated() where !value.isFinite {
            return .nonFinite(node: inputNames[i], value: value, operation: "input")
        }
        var registers = [Double](repeating: 0, count: registerCount)
        for i in inputs.indices { registers[i] = inputs[i] }
        for (register, value) in constantRegisters { registers[Int(register)] = value }
        let store = SequenceStore(slots: sequenceSlotCount)
        var writer = [Int32](repeating: -1, count: registerCount)
        var operandWriters: [(x: Int32, y: Int32)] = []
        return registers.withUnsafeMutableBufferPointer { buffer -> ProgramError in
            let r = buffer.baseAddress!
            for (k, instruction) in instructions.enumerated() {
                if instruction.op == .loopValue {
                    operandWriters.append((-1, -1))
                    writer[Int(instruction.target)] = Int32(k)
                    if instruction.constant == 1 { loops[Int(instruction.x)].run(r, store) }
                    if let failure = store.failure { return failure }
                    let loop = loops[Int(instruction.x)]
                    if instruction.y >= 0, !r[Int(instruction.target)].isFinite {
                        return .nonFinite(node: instructionNames[Int32(k)] ?? "a loop's result", value: r[Int(instruction.target)],
                                          operation: "a loop of \(loop.count) steps")
                    }
                    continue
                }
                operandWriters.append((writer[Int(instruction.x)], writer[Int(instruction.y)]))
                let x = r[Int(instruction.x)], y = r[Int(instruction.y)]
                let result = instruction.op.evaluate(x, y, instruction.constant)
                r[Int(instruction.target)] = result
                writer[Int(instruction.target)] = Int32(k)
                if !result.isFinite {
                    let operands = [(instruction.x, operandWriters[k].x), (instruction.y, operandWriters[k].y)].prefix(instruction.op.arity)
                        .map { "\(label(register: $0.0, writer: $0.1, operandWriters)) = \(NumberFormat.shortest(r[Int($0.0)]))" }
                    let operation = operands.isEmpty ? instruction.op.name : "\(instruction.op.name)(\(operands.joined(separator: ", ")))"
                    return .nonFinite(node: label(instruction: k, operandWriters), value: result, operation: operation)
                }
            }
            return .nonFinite(node: outputNames.first ?? "output", value: .nan, operation: "unknown")
        }
    }
}

extension Graph {
    /// Compiles loop `index` for a program whose live nodes are `live`: its body as a program,
    /// and the registers and sequence slots it reads and writes.
    func compileLoop(_ index: Int, live: [Bool], registerOf: [Int32], sequenceSlotOf: inout [Int32: Int32],
                     sequenceSlots: inout Int32) -> CompiledLoop {
        let loop = loops[index]
        let liveSequences = loop.sequences.indices.filter { live[Int(loop.sequences[$0])] }
        let bodyOutputs = loop.carryOut + liveSequences.map { loop.perStepOut[$0] } + (loop.condition >= 0 ? [loop.condition] : [])
        let leaves = [loop.step] + loop.carryIn + loop.elements + loop.captures
        let leafNames = ["step"] + loop.carryIn.indices.map { "carry\($0)" } + loop.elements.indices.map { "element\($0)" }
            + loop.captures.map { names[$0] ?? "parameter\($0)" }
        let bodyLive = liveNodes(for: bodyOutputs, lowest: Int(loop.start), leaves: Set(leaves))
        var outerConstants: [Int32] = bodyOutputs.filter { Int($0) < Int(loop.start) && ops[Int($0)] == .constant }
        for i in Int(loop.start)..<Int(loop.end) {
            let op = ops[i]
            var read = bodyLive[i] ? Array([lhs[i], rhs[i]].prefix(op.arity)) : []
            if let inner = loopStartingAt[Int32(i)], i > Int(loop.start) {
                read += loops[inner].initial + (loops[inner].guardNode >= 0 ? [loops[inner].guardNode] : [])
            }
            for operand in read where Int(operand) < Int(loop.start) && ops[Int(operand)] == .constant {
                outerConstants.append(operand)
            }
        }
        var silent = SilentRecorder()
        let body = compileRegion(outputs: bodyOutputs, leaves: leaves, leafNames: leafNames, live: bodyLive,
                                 nodes: Int(loop.start)..<Int(loop.end), outerConstants: outerConstants,
                                 sequenceSlots: &sequenceSlots, recorder: &silent)
        let inputSlots = loop.sequenceInputs.map { node -> Int32 in
            guard let slot = sequenceSlotOf[node] else {
                requirementFailed("Nabla: a loop reads a sequence made outside the program level it runs at")
            }
            return slot
        }
        var slotOfSequence = [Int32](repeating: -1, count: loop.sequences.count)
        for k in liveSequences {
            slotOfSequence[k] = sequenceSlots
            sequenceSlots += 1
        }
        return CompiledLoop(count: loop.count, reversed: loop.reversed, carryCount: loop.carryIn.count, body: body,
                            initialRegisters: loop.initial.map { registerOf[Int($0)] },
                            captureRegisters: loop.captures.map { registerOf[Int($0)] },
                            sequenceInputSlots: inputSlots, sequenceOutputSlots: liveSequences.map { slotOfSequence[$0] },
                            slotOfSequence: slotOfSequence,
                            conditionOutput: loop.condition >= 0 ? bodyOutputs.count - 1 : -1,
                            guardRegister: loop.guardNode >= 0 ? registerOf[Int(loop.guardNode)] : -1,
                            runsWhenGuardPositive: loop.runsWhenGuardPositive)
    }
}
