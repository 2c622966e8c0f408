/// A compiled static graph: the nodes needed for the requested outputs, in order, as a flat list
/// of instructions over a register file. Compile once with ``Graph/compile(_:)``, run many times.
///
/// Compiling removes nodes the outputs do not need, merges identical nodes (common
/// subexpressions), and preloads constants. Running checks its feeds and throws a
/// ``ProgramError`` naming a missing or unknown input, or the node where a non-finite number
/// first appeared.
public struct Program: Sendable {
    /// One step: `registers[target] = op(registers[x], registers[y], constant)`.
    @usableFromInline
    struct Instruction: Sendable {
        @usableFromInline var op: Primitive
        @usableFromInline var x: Int32
        @usableFromInline var y: Int32
        @usableFromInline var target: Int32
        @usableFromInline var constant: Double
    }

    /// The inputs, in the order the positional ``run(_:into:)`` takes them: the graph's inputs
    /// that the outputs depend on, in declaration order.
    public let inputNames: [String]
    /// Every input of the graph: feeding one the outputs do not need is allowed.
    var declaredInputs: Set<String>
    /// A label for each output: its node's name, or `output0`, `output1`, … .
    public internal(set) var outputNames: [String]
    @usableFromInline let instructions: [Instruction]
    /// Register count; registers 0..<inputCount hold the inputs, then the constants.
    @usableFromInline let registerCount: Int
    @usableFromInline let constantRegisters: [(register: Int32, value: Double)]
    @usableFromInline let outputRegisters: [Int32]
    /// The first register an instruction may write: registers below it hold the inputs and the
    /// constants for the whole run. Memory planning lets later instructions reuse a register
    /// whose value is dead, so a register names a value only together with the instruction that
    /// wrote it last.
    let firstInstructionRegister: Int32
    /// Names of the registers holding inputs, for error messages.
    let registerNames: [Int32: String]
    /// The loops the `loopValue` instructions run (their index is the instruction's x).
    @usableFromInline let loops: [CompiledLoop]
    /// How many sequences (a loop's per-step values) a run stores, for this program and the
    /// loops inside it.
    @usableFromInline var sequenceSlotCount = 0
    /// Names of the named nodes, by the index of the instruction computing them (labels are per
    /// instruction: a register may hold several values in turn).
    let instructionNames: [Int32: String]

    /// The number of instructions a run executes.
    public var instructionCount: Int { instructions.count }

    init(inputNames: [String], declaredInputs: Set<String>, outputNames: [String], instructions: [Instruction], registerCount: Int,
         constantRegisters: [(register: Int32, value: Double)], firstInstructionRegister: Int32,
         outputRegisters: [Int32], registerNames: [Int32: String], instructionNames: [Int32: String] = [:], loops: [CompiledLoop] = []) {
        self.inputNames = inputNames
        self.declaredInputs = declaredInputs
        self.outputNames = outputNames
        self.instructions = instructions
        self.registerCount = registerCount
        self.constantRegisters = constantRegisters
        self.outputRegisters = outputRegisters
        self.firstInstructionRegister = firstInstructionRegister
        self.registerNames = registerNames
        self.loops = loops
        self.instructionNames = instructionNames
    }
}

// MARK: Running

extension Program {
    /// Runs the program with inputs given by name and returns the outputs in the order they were
    /// requested. Every input in ``inputNames`` must be given; a name the graph does not have
    /// is an error (an input of the graph that these outputs do not need is accepted).
    public func run(_ feeds: [String: Double]) throws(ProgramError) -> [Double] {
        for name in feeds.keys where !declaredInputs.contains(name) {
            throw .unknownInput(name, known: declaredInputs.sorted())
        }
        var inputs = [Double]()
        inputs.reserveCapacity(inputNames.count)
        for name in inputNames {
            guard let value = feeds[name] else { throw .missingInput(name) }
            inputs.append(value)
        }
        var outputs = [Double]()
        try run(inputs, into: &outputs)
        return outputs
    }

    /// Runs the program with inputs in ``inputNames`` order, writing the outputs into `outputs`
    /// (resized if needed). With `outputs` reused between calls, a run allocates nothing on the
    /// heap for programs of up to a few thousand registers.
    @inlinable
    public func run(_ inputs: [Double], into outputs: inout [Double]) throws(ProgramError) {
        guard inputs.count == inputNames.count else {
            throw .wrongInputCount(expected: inputNames, got: inputs.count)
        }
        if outputs.count != outputRegisters.count {
            outputs = [Double](repeating: 0, count: outputRegisters.count)
        }
        let finite = withUnsafeTemporaryAllocation(of: Double.self, capacity: registerCount) { registers in
            loops.isEmpty ? execute(inputs, registers: registers, outputs: &outputs)
                : executeWithLoops(inputs, registers: registers, outputs: &outputs)
        }
        if !finite { throw diagnoseNonFinite(inputs) }
    }

    /// Executes every instruction; returns whether all outputs are finite.
    @inlinable
    func execute(_ inputs: [Double], registers: UnsafeMutableBufferPointer<Double>, outputs: inout [Double]) -> Bool {
        let r = registers.baseAddress!
        for i in inputs.indices { r[i] = inputs[i] }
        for (register, value) in constantRegisters { r[Int(register)] = value }
        instructions.withUnsafeBufferPointer { program in
            for instruction in program {
                r[Int(instruction.target)] = instruction.op.evaluate(
                    r[Int(instruction.x)], r[Int(instruction.y)], instruction.constant)
            }
        }
        var finite = true
        for (k, register) in outputRegisters.enumerated() {
            let value = r[Int(register)]
            outputs[k] = value
            finite = finite && value.isFinite
        }
        return finite
    }

    /// Runs again, this time watching every instruction, to name the first one whose result was
    /// not finite although its operands were.
    @usableFromInline
    func diagnoseNonFinite(_ inputs: [Double]) -> ProgramError {
        if !loops.isEmpty { return diagnoseNonFiniteWithLoops(inputs) }
        var registers = [Double](repeating: 0, count: registerCount)
        for i in inputs.indices { registers[i] = inputs[i] }
        for (register, value) in constantRegisters { registers[Int(register)] = value }
        for (i, value) in inputs.enumerated() where !value.isFinite {
            return .nonFinite(node: inputNames[i], value: value, operation: "input")
        }
        // The instruction that last wrote each register: with registers reused, that is what
        // the register holds now. Each instruction's operands' writers are kept, so that a label
        // two levels down still names the value that instruction read.
        var writer = [Int32](repeating: -1, count: registerCount)
        var operandWriters: [(x: Int32, y: Int32)] = []
        operandWriters.reserveCapacity(instructions.count)
        for (k, instruction) in instructions.enumerated() {
            operandWriters.append((writer[Int(instruction.x)], writer[Int(instruction.y)]))
            let x = registers[Int(instruction.x)], y = registers[Int(instruction.y)]
            let result = instruction.op.evaluate(x, y, instruction.constant)
            if !result.isFinite {
                let operands = [(instruction.x, operandWriters[k].x), (instruction.y, operandWriters[k].y)].prefix(instruction.op.arity)
                    .map { "\(label(register: $0.0, writer: $0.1, operandWriters)) = \(NumberFormat.shortest(registers[Int($0.0)]))" }
                let operation = operands.isEmpty ? instruction.op.name : "\(instruction.op.name)(\(operands.joined(separator: ", ")))"
                return .nonFinite(node: label(instruction: k, operandWriters), value: result, operation: operation)
            }
            registers[Int(instruction.target)] = result
            writer[Int(instruction.target)] = Int32(k)
        }
        return .nonFinite(node: outputNames.first ?? "output", value: .nan, operation: "unknown")
    }
}

extension Program {
    /// What a register holds, for people, given the instruction that wrote the value (−1 for an
    /// input or a constant): its name, its constant, or that instruction's label (`tanh(x)`,
    /// `mul(b, …)`), one level deep below `depth` 0. `operandWriters` gives, for each
    /// instruction run so far, the instructions that wrote its operands.
    func label(register: Int32, writer: Int32, _ operandWriters: [(x: Int32, y: Int32)], depth: Int = 0) -> String {
        if let name = registerNames[register] { return name }
        if register < firstInstructionRegister || writer < 0 {
            let value = constantRegisters.first { $0.register == register }?.value ?? .nan
            return NumberFormat.shortest(value)
        }
        if let name = instructionNames[writer] { return name }
        if depth > 0 { return "…" }
        return label(instruction: Int(writer), operandWriters, depth: depth)
    }

    /// What instruction `k` computes, for people: its node's name, or its op applied to its
    /// operands' labels.
    func label(instruction k: Int, _ operandWriters: [(x: Int32, y: Int32)], depth: Int = 0) -> String {
        if depth == 0, let name = instructionNames[Int32(k)] { return name }
        let instruction = instructions[k]
        let writers = operandWriters[k]
        var operands = [(instruction.x, writers.x), (instruction.y, writers.y)].prefix(instruction.op.arity)
            .map { label(register: $0.0, writer: $0.1, operandWriters, depth: depth + 1) }
        if [.addConstant, .multiplyConstant, .powerConstant, .heaviside].contains(instruction.op) {
            operands.append(NumberFormat.shortest(instruction.constant))
        }
        return "\(instruction.op.name)(\(operands.joined(separator: ", ")))"
    }
}

/// What can go wrong when a compiled ``Program`` runs.
public enum ProgramError: Error, Equatable, CustomStringConvertible {
    /// An input the program needs was not given.
    case missingInput(String)
    /// A feed names an input the program does not have.
    case unknownInput(String, known: [String])
    /// A positional run got the wrong number of inputs.
    case wrongInputCount(expected: [String], got: Int)
    /// A node produced ±∞ or NaN; `operation` shows the op and its operands.
    case nonFinite(node: String, value: Double, operation: String)
    /// A ``Graph/whileLoop(carrying:maxIterations:condition:body:)`` ran `limit` steps and its
    /// condition still held.
    case iterationLimit(limit: Int)
    /// What was asked cannot be done for this graph (the message says what and why).
    case unsupported(String)

    /// The message for people, naming the input or the node at fault.
    public var description: String {
        switch self {
        case .missingInput(let name):
            "missing input '\(name)'"
        case .unknownInput(let name, let known):
            "unknown input '\(name)' (the program's inputs are \(known.map { "'\($0)'" }.joined(separator: ", ")))"
        case .wrongInputCount(let expected, let got):
            "expected \(expected.count) inputs (\(expected.joined(separator: ", "))), got \(got)"
        case .nonFinite(let node, let value, let operation):
            "\(node) is \(NumberFormat.shortest(value)): \(operation) is not finite"
        case .unsupported(let message):
            message
        case .iterationLimit(let limit):
            "a while loop ran \(limit) steps (its maxIterations) and its condition still held"
        }
    }
}
