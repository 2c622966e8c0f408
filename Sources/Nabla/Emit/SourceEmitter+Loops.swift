// Loops of a compiled program written out as `for` loops: each loop's body once, with variables of
// its own, run as `CompiledLoop.run` runs it, step for step, so that the emitted function still
// computes what `Program.run` computes, bit for bit.

/// The loops of one emitted function: their numbers (in the order they are written, nested loops
/// after the loop around them), the sequences they pass to each other as arrays, and whether a
/// while loop can reach its limit.
///
/// A loop is written where its first `loopValue` instruction is, as `CompiledLoop.run` runs it:
///
/// - its carries as variables, initialised from the variables outside;
/// - where it is a branch of a `cond`, an `if` on its guard (not taken: the results are the
///   initial values);
/// - a `for` over the step t (from `count − 1` down to 0 when reversed), whose body declares
///   `step = Double(t)` and each per-step input's element `sequence[t]`, then the body program's
///   instructions (nested loops written the same way), stores the per-step outputs, and then
///   updates the carries all at once (through temporaries where one carry reads another);
/// - a while loop runs at most `count + 1` times, stops where its condition is not > 0, and at
///   step `count` with the condition still > 0 marks the run failed: the function then returns
///   NaN for every result (where `Program.run` throws ``ProgramError/iterationLimit(limit:)``);
/// - after the loop, its results are the carries' values.
///
/// The sequences (`count` numbers each) are arrays for the whole function, zero-filled (a
/// sequence of a loop that did not run reads as zeros, as the run's sequence storage does):
/// Swift `[Double]`, C one `calloc` freed before returning. A sequence no loop reads is not
/// stored.
struct LoopContext {
    let language: SourceLanguage
    /// The names of the function's variables so far.
    var taken: Set<String>
    /// The number of the loops written so far.
    private var written = 0
    /// Each stored sequence (by its slot): its variable, its length, and the loop writing it.
    private var sequences: [Int32: (name: String, count: Int, writer: Int)] = [:]
    /// The variable marking a while loop that reached its limit (nil: the function has none).
    private(set) var failure: String?

    init(program: Program, language: SourceLanguage, taken: Set<String>) {
        self.language = language
        self.taken = taken
        // The loops in the order they are written (nested loops after the loop around them).
        var all: [CompiledLoop] = []
        func visit(_ program: Program) {
            for instruction in program.instructions where instruction.op == .loopValue && instruction.constant == 1 {
                all.append(program.loops[Int(instruction.x)])
                visit(program.loops[Int(instruction.x)].body)
            }
        }
        visit(program)
        var counts: [Int32: Int] = [:], writers: [Int32: (loop: Int, output: Int)] = [:]
        for (index, loop) in all.enumerated() {
            for slot in loop.sequenceInputSlots { counts[slot] = max(counts[slot] ?? 0, loop.count) }
            for (j, slot) in loop.sequenceOutputSlots.enumerated() {
                counts[slot] = max(counts[slot] ?? 0, loop.count)
                writers[slot] = (index + 1, j)
            }
        }
        // The sequences stored: those a loop reads an element of, where storing them all would
        // leave some unread (a derivative's loop need not read every trajectory it is given).
        var read = Set(counts.keys)
        while true {
            var next = Set<Int32>()
            for loop in all {
                let reads = loop.usage(stored: read).reads
                for (j, slot) in loop.sequenceInputSlots.enumerated() where reads.contains(Int32(1 + loop.carryCount + j)) {
                    next.insert(slot)
                }
            }
            if next == read { break }
            read = next
        }
        let hasWhile = all.contains { $0.conditionOutput >= 0 }
        for slot in read.sorted() {
            let writer = writers[slot] ?? (0, Int(slot))
            let name = SourceEmitter.unique(language.identifier("l\(writer.loop)_sequence\(writer.output)"), in: &self.taken)
            sequences[slot] = (name, counts[slot] ?? 0, writer.loop)
        }
        if hasWhile { failure = "nabla_failed" }
    }

    /// Whether the function allocates memory (C: needs `<stdlib.h>`).
    var allocates: Bool { language == .c && !sequences.isEmpty }

    /// The declarations at the top of the function: the sequences, the failure mark.
    func prelude(resultType: String, labels: [String]) -> [String] {
        var lines: [String] = []
        let stored = sequences.sorted { $0.key < $1.key }.map(\.value)
        if language == .swift {
            for sequence in stored {
                lines.append("    var \(sequence.name) = [Double](repeating: 0, count: \(max(sequence.count, 1)))")
            }
            if let failure { lines.append("    var \(failure) = false") }
        } else {
            if !stored.isEmpty {
                let total = stored.reduce(0) { $0 + max($1.count, 1) }
                lines.append("    double *nabla_sequences = (double *)calloc(\(total), sizeof(double));")
                lines.append("    if (!nabla_sequences) {")
                lines.append("        struct \(resultType) result;")
                lines += labels.map { "        result.\($0) = NAN;" }
                lines.append("        return result;")
                lines.append("    }")
                var offset = 0
                for sequence in stored {
                    lines.append("    double *\(sequence.name) = nabla_sequences + \(offset);")
                    offset += max(sequence.count, 1)
                }
            }
            if let failure { lines.append("    int \(failure) = 0;") }
        }
        return lines
    }

    /// A result of the function: NaN where a while loop reached its limit.
    func result(_ value: String) -> String {
        guard let failure else { return value }
        return language == .swift ? "\(failure) ? Double.nan : \(value)" : "\(failure) ? NAN : \(value)"
    }

    /// The statements before the C function returns: the sequences freed.
    var epilogue: [String] { allocates ? ["    free(nabla_sequences);"] : [] }

    /// The statements of `loop`, run where the program around it (whose variables are `outer`)
    /// runs it, indented by `indent`.
    mutating func lines(_ loop: CompiledLoop, outer: inout SourceEmitter.Variables, indent: String) -> [String] {
        let swift = language == .swift
        let end = swift ? "" : ";"
        written += 1
        let number = written
        let body = loop.body
        let (needed, reads) = loop.usage(stored: Set(sequences.keys))
        let nc = loop.carryCount, ne = loop.sequenceInputSlots.count
        var inner = SourceEmitter.Variables(program: body, language: language, taken: &taken, prefix: "l\(number)_",
                                            resultRegisterNames: [:])
        for (p, register) in loop.captureRegisters.enumerated() where reads.contains(Int32(1 + nc + ne + p)) {
            inner.aliases[Int32(1 + nc + ne + p)] = outer.read(register)
        }
        let results = body.outputRegisters
        let isWhile = loop.conditionOutput >= 0
        require(!isWhile || !loop.reversed, "Nabla: source(in:) met a while loop run backwards")
        let n = loop.count

        // The heading.
        var heading = "loop \(number): "
        if loop.guardRegister >= 0 {
            heading += "a branch of cond, run where the predicate is \(loop.runsWhenGuardPositive ? "> 0" : "not > 0")"
        } else if isWhile {
            heading += "a while loop, at most \(n) steps"
        } else {
            heading += "\(n) step\(n == 1 ? "" : "s")"
        }
        let sources = loop.sequenceInputSlots.compactMap { sequences[$0]?.writer }.filter { $0 > 0 }
        // A loop of one step (a branch of cond, and its derivatives) is a block, not a `for`.
        let single = n == 1 && !isWhile
        if loop.reversed && !single {
            heading += sources.first.map { ", t from \(n - 1) down to 0 (the reverse pass of loop \($0))" } ?? ", t from \(n - 1) down to 0"
        } else if let source = sources.first {
            heading += ", reading the sequences of loop \(source)"
        }
        var lines = [indent + "// " + heading]

        // The carries: those the body reads or the program around uses.
        let carryNames = (0..<nc).map { inner.names[1 + $0] }
        let updated = (0..<nc).map { needed[$0] && results[$0] != Int32(1 + $0) }
        for k in 0..<nc where needed[k] {
            let initial = outer.read(loop.initialRegisters[k])
            lines.append(indent + (swift ? "\(updated[k] ? "var" : "let") \(carryNames[k]) = \(initial)" : "double \(carryNames[k]) = \(initial);"))
        }
        lines += inner.preamble().map { indent + $0.dropFirst(4) }

        var inside = indent
        if loop.guardRegister >= 0 {
            let predicate = outer.read(loop.guardRegister)
            let test = loop.runsWhenGuardPositive ? "\(predicate) > 0" : "!(\(predicate) > 0)"
            lines.append(indent + (swift ? "if \(test) {" : "if (\(test)) {"))
            inside += "    "
        }
        // The step's statements, built first: whether they use t decides how Swift writes it.
        let stepIndent = single && loop.guardRegister >= 0 ? inside : inside + "    "
        let t = SourceEmitter.unique(language.identifier("l\(number)_t"), in: &taken)
        var usesT = isWhile
        var step: [String] = []
        if reads.contains(0) {
            usesT = true
            step.append(stepIndent + (swift ? "let \(inner.names[0]) = Double(\(t))" : "double \(inner.names[0]) = (double)\(t);"))
        }
        for (j, slot) in loop.sequenceInputSlots.enumerated() where reads.contains(Int32(1 + nc + j)) {
            usesT = true
            let element = inner.names[1 + nc + j]
            let source = "\(sequences[slot]!.name)[\(t)]"
            // A while loop's last pass (t = count) only tests the condition before it fails.
            let value = isWhile ? "\(t) < \(n) ? \(source) : \(swift ? "0" : "0.0")" : source
            step.append(stepIndent + (swift ? "let \(element) = \(value)" : "double \(element) = \(value);"))
        }
        step += instructionLines(body, &inner, indent: stepIndent)
        if isWhile {
            let condition = inner.read(results[loop.conditionOutput])
            step.append(stepIndent + (swift ? "if !(\(condition) > 0) { break }" : "if (!(\(condition) > 0)) break;"))
            step.append(stepIndent + (swift ? "if \(t) == \(n) { \(failure!) = true; break }" : "if (\(t) == \(n)) { \(failure!) = 1; break; }"))
        }
        // The per-step outputs, read before the carries change.
        for (j, slot) in loop.sequenceOutputSlots.enumerated() {
            guard let sequence = sequences[slot] else { continue }
            usesT = true
            step.append(stepIndent + "\(sequence.name)[\(t)] = \(inner.read(results[nc + j]))" + end)
        }
        // The carries, all at once.
        var next: [(Int, String)] = []
        for k in 0..<nc where updated[k] { next.append((k, inner.read(results[k]))) }
        // Where a carry's next value is another carry, the old values are kept in temporaries.
        if next.contains(where: { k, _ in results[k] >= 1 && results[k] <= Int32(nc) }) {
            for index in next.indices {
                let temporary = SourceEmitter.unique(language.identifier("l\(number)_next\(next[index].0)"), in: &taken)
                step.append(stepIndent + (swift ? "let \(temporary) = \(next[index].1)" : "double \(temporary) = \(next[index].1);"))
                next[index].1 = temporary
            }
        }
        for (k, value) in next { step.append(stepIndent + "\(carryNames[k]) = \(value)" + end) }
        // Values only a carry that nothing reads needed: used, so that compilers do not warn.
        step += inner.unusedValues(indent: stepIndent)

        if single {
            if loop.guardRegister < 0 { lines.append(indent + (swift ? "do {" : "{")) }
            if usesT { lines.append(stepIndent + (swift ? "let \(t) = 0" : "long \(t) = 0;")) }
            lines += step
            if loop.guardRegister < 0 { lines.append(indent + "}") }
        } else if swift {
            let variable = usesT ? t : "_"
            lines.append(inside + (loop.reversed ? "for \(variable) in stride(from: \(n - 1), through: 0, by: -1) {"
                                                 : isWhile ? "for \(variable) in 0...\(n) {" : "for \(variable) in 0..<\(n) {"))
        } else {
            lines.append(inside + (loop.reversed ? "for (long \(t) = \(n - 1); \(t) >= 0; \(t)--) {"
                                                 : "for (long \(t) = 0; \(t) \(isWhile ? "<=" : "<") \(n); \(t)++) {"))
        }
        if !single {
            lines += step
            lines.append(inside + "}")
        }
        if loop.guardRegister >= 0 { lines.append(indent + "}") }
        // The results: the carries' final values.
        for k in 0..<nc where loop.resultRegisters[k] >= 0 {
            lines.append(indent + outer.write(loop.resultRegisters[k], carryNames[k]))
        }
        return lines
    }

    /// The statements of a loop body's instructions, nested loops included.
    mutating func instructionLines(_ program: Program, _ variables: inout SourceEmitter.Variables, indent: String) -> [String] {
        var lines: [String] = []
        for instruction in program.instructions {
            if instruction.op == .loopValue {
                if instruction.constant == 1 { lines += self.lines(program.loops[Int(instruction.x)], outer: &variables, indent: indent) }
                continue
            }
            let x = variables.read(instruction.x), y = variables.read(instruction.y)
            let expression = instruction.op.sourceExpression(x, y, constant: instruction.constant, in: language)
            lines.append(indent + variables.write(instruction.target, expression))
        }
        return lines
    }
}

extension CompiledLoop {
    /// What the emitted loop uses, where the sequences `stored` are kept: the carries it needs
    /// (those the program around reads, or the body reads to compute what is used), and the
    /// registers of the body it reads (instructions' operands, nested loops' needed initial
    /// values, parameters and guards, and the outputs used: the needed carries' next values,
    /// the stored per-step outputs, a while loop's condition).
    func usage(stored: Set<Int32>) -> (needed: [Bool], reads: Set<Int32>) {
        let nc = carryCount
        var reads = Set<Int32>()
        for instruction in body.instructions {
            if instruction.op == .loopValue {
                guard instruction.constant == 1 else { continue }
                let inner = body.loops[Int(instruction.x)]
                let (innerNeeded, innerReads) = inner.usage(stored: stored)
                for k in 0..<inner.carryCount where innerNeeded[k] { reads.insert(inner.initialRegisters[k]) }
                let parameters = 1 + inner.carryCount + inner.sequenceInputSlots.count
                for (p, register) in inner.captureRegisters.enumerated() where innerReads.contains(Int32(parameters + p)) {
                    reads.insert(register)
                }
                if inner.guardRegister >= 0 { reads.insert(inner.guardRegister) }
                continue
            }
            if instruction.op.arity >= 1 { reads.insert(instruction.x) }
            if instruction.op.arity == 2 { reads.insert(instruction.y) }
        }
        let results = body.outputRegisters
        for (j, slot) in sequenceOutputSlots.enumerated() where stored.contains(slot) { reads.insert(results[nc + j]) }
        if conditionOutput >= 0 { reads.insert(results[conditionOutput]) }
        var needed = (0..<nc).map { resultRegisters[$0] >= 0 }
        while true {
            var changed = false
            for k in 0..<nc where !needed[k] && reads.contains(Int32(1 + k)) {
                needed[k] = true
                changed = true
            }
            for k in 0..<nc where needed[k] && !reads.contains(results[k]) {
                reads.insert(results[k])
                changed = true
            }
            if !changed { break }
        }
        return (needed, reads)
    }
}
