// Writing a compiled program out as a function of Swift or C: one statement per instruction, in
// the program's order, so that the function computes what `Program.run` computes, bit for bit.

/// Writes one ``Program`` as a function of a ``SourceLanguage``.
///
/// Each register becomes a local variable, named after the node it holds where it has a name,
/// declared where it is first written (a `let` in Swift where it is written once); constants the
/// program never overwrites are written inline as literals. The operations are the program's
/// instructions in order, each as ``Primitive/sourceExpression(_:_:constant:in:)`` writes it.
struct SourceEmitter {
    var program: Program
    var language: SourceLanguage
    /// The function's name (made an identifier of the language).
    var functionName: String
    /// What the function returns: a label and the index of a program output, for each result.
    var results: [(label: String, output: Int)]
    /// The first `valueCount` outputs are the forward values: the instructions after the last one
    /// writing them are headed `reverse pass`. `nil`: no heading.
    var valueCount: Int?
    /// Comments heading the instructions of a statement: by the name of the register holding the
    /// statement's value, the statement's text.
    var statementTexts: [String: String] = [:]
    /// Names for registers that have none, where they hold a result (`dg_da`).
    var resultRegisterNames: [Int32: String] = [:]
    /// Lines of the documentation comment above the function.
    var documentation: [String] = []

    /// The helpers the function calls.
    var helpers: Set<SourceHelper> {
        var set = Set<SourceHelper>()
        var programs = [program]
        while let next = programs.popLast() {
            set.formUnion(next.instructions.compactMap(\.op.sourceHelper))
            programs += next.loops.map(\.body)
        }
        for helper in set { set.formUnion(helper.dependencies) }
        return set
    }

    /// Whether the function allocates memory (C, for the sequences its loops pass on).
    var allocates: Bool { LoopContext(program: program, language: language, taken: []).allocates }

    /// The result labels, made distinct identifiers.
    var resultLabels: [String] {
        var taken: Set<String> = []
        return results.map { SourceEmitter.unique(language.identifier($0.label), in: &taken) }
    }

    /// The parameters' names, the inputs' names made identifiers of the language.
    var parameterNames: [String] {
        Variables(program: program, language: language, reserved: reservedNames, resultRegisterNames: [:]).parameters
    }

    /// Names no variable may take: the function's, its result type's and the helpers'.
    var reservedNames: [String] {
        [language.identifier(functionName), resultTypeName] + SourceHelper.allCases.map { $0.name(language) }
    }

    /// The C struct the function returns (empty for Swift, whose function returns a tuple).
    var resultTypeName: String { "\(language.identifier(functionName))_result" }

    /// The function: for C, the result struct and the function; for Swift, the function returning
    /// a tuple (or a `Double` for one result).
    func function() -> String {
        let swift = language == .swift
        let name = language.identifier(functionName)
        let labels = resultLabels
        var taken = Set(reservedNames)
        var variables = Variables(program: program, language: language, taken: &taken, prefix: "",
                                  resultRegisterNames: resultRegisterNames)
        var loops = LoopContext(program: program, language: language, taken: taken)
        var lines: [String] = []
        if !swift {
            lines.append("struct \(resultTypeName) {")
            lines += labels.map { "    double \($0);" }
            lines += ["};", ""]
        }
        lines += documentation.map { (swift ? "/// " : "/* ") + $0 + (swift ? "" : " */") }
        let parameters = program.inputNames.indices.map { variables.parameters[$0] }
        if swift {
            let returnType = labels.count == 1 ? "Double" : "(" + labels.map { "\($0): Double" }.joined(separator: ", ") + ")"
            lines.append("func \(name)(\(parameters.map { "\($0): Double" }.joined(separator: ", "))) -> \(returnType) {")
        } else {
            let list = parameters.isEmpty ? "void" : parameters.map { "double \($0)" }.joined(separator: ", ")
            lines.append("struct \(resultTypeName) \(name)(\(list)) {")
        }
        lines += variables.preamble()
        lines += loops.prelude(resultType: resultTypeName, labels: labels)

        let instructions = program.instructions
        let lastForward: Int? = valueCount.map { count in
            let valueRegisters = Set(program.outputRegisters.prefix(count))
            return instructions.lastIndex { valueRegisters.contains($0.target) } ?? -1
        }
        var group: [String] = []
        for (k, instruction) in instructions.enumerated() {
            if instruction.op == .loopValue {
                // The first instruction of a loop runs it; the others name its results.
                if instruction.constant == 1 {
                    group += loops.lines(program.loops[Int(instruction.x)], outer: &variables, indent: "    ")
                }
            } else {
                let x = variables.read(instruction.x), y = variables.read(instruction.y)
                let expression = instruction.op.sourceExpression(x, y, constant: instruction.constant, in: language)
                group.append("    " + variables.write(instruction.target, expression))
            }
            // A statement's instructions end with the one writing its named register.
            if let registerName = program.registerNames[instruction.target] ?? program.instructionNames[Int32(k)],
               let text = statementTexts[registerName] {
                lines.append("    // " + text.replacingNewlines)
                lines += group
                group = []
            }
            if let lastForward, k == lastForward, k < instructions.count - 1 {
                lines += group
                group = []
                lines += ["", "    // reverse pass"]
            }
        }
        lines += group
        let values = results.map { loops.result(variables.read(program.outputRegisters[$0.output])) }
        // With loops, a value may only have been an initial value of a carry that nothing reads.
        if !program.loops.isEmpty { lines += variables.unusedValues(indent: "    ") }
        if swift {
            lines.append(labels.count == 1 ? "    return \(values[0])"
                                           : "    return (" + zip(labels, values).map { "\($0): \($1)" }.joined(separator: ", ") + ")")
        } else {
            lines.append("    struct \(resultTypeName) result;")
            lines += zip(labels, values).map { "    result.\($0) = \($1);" }
            lines += loops.epilogue
            lines.append("    return result;")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// `base`, or `base_2`, `base_3`, … : the first not in `taken`, which it is added to.
    static func unique(_ base: String, in taken: inout Set<String>) -> String {
        var name = base
        var k = 2
        while taken.contains(name) {
            name = "\(base)_\(k)"
            k += 1
        }
        taken.insert(name)
        return name
    }
}

extension SourceEmitter {
    /// The registers as variables: their names, which are written by instructions and how often,
    /// and which have been declared so far.
    struct Variables {
        let program: Program
        let language: SourceLanguage
        /// The identifier of each register (inputs: the parameters).
        var names: [String]
        /// The number of instructions writing each register.
        var writes: [Int]
        /// The value of each constant register.
        var constants: [Int32: Double]
        var declared: [Bool]
        /// Registers read as an expression of the code around (a loop body's parameters: the
        /// variables outside the loop they are copied from, which the loop does not change).
        var aliases: [Int32: String] = [:]
        /// Whether each register has been read (as an operand, result or loop value) so far.
        var used: [Bool]

        init(program: Program, language: SourceLanguage, reserved: [String], resultRegisterNames: [Int32: String]) {
            var taken = Set(reserved)
            self.init(program: program, language: language, taken: &taken, prefix: "", resultRegisterNames: resultRegisterNames)
        }

        /// The variables of `program`, named `prefix` and the register's name, distinct from the
        /// names in `taken` (to which they are added).
        init(program: Program, language: SourceLanguage, taken: inout Set<String>, prefix: String,
             resultRegisterNames: [Int32: String]) {
            self.program = program
            self.language = language
            var names = [String](repeating: "", count: program.registerCount)
            var writes = [Int](repeating: 0, count: program.registerCount)
            for instruction in program.instructions { writes[Int(instruction.target)] += 1 }
            // Inputs first, so that they keep their own names.
            for (k, input) in program.inputNames.enumerated() {
                names[k] = SourceEmitter.unique(language.identifier(prefix + input), in: &taken)
            }
            // A register computed by a named node is named after it (the first one, where registers
            // are reused).
            var nodeNames: [Int32: String] = [:]
            for (k, instruction) in program.instructions.enumerated() where nodeNames[instruction.target] == nil {
                if let name = program.instructionNames[Int32(k)] { nodeNames[instruction.target] = name }
            }
            for register in program.inputNames.count..<program.registerCount {
                let r = Int32(register)
                let base = program.registerNames[r] ?? nodeNames[r] ?? resultRegisterNames[r]
                    ?? (register < Int(program.firstInstructionRegister) ? "k\(register)" : "t\(register)")
                names[register] = SourceEmitter.unique(language.identifier(prefix + base), in: &taken)
            }
            self.names = names
            self.writes = writes
            self.constants = Dictionary(program.constantRegisters.map { ($0.register, $0.value) }, uniquingKeysWith: { $1 })
            self.declared = [Bool](repeating: false, count: program.registerCount)
            self.used = [Bool](repeating: false, count: program.registerCount)
            for k in program.inputNames.indices { declared[k] = true }
            for register in constants.keys { declared[Int(register)] = writes[Int(register)] > 0 }
        }

        /// The parameters' names.
        var parameters: [String] { Array(names.prefix(program.inputNames.count)) }

        /// Declarations before the first instruction: Swift's parameters that instructions
        /// overwrite, copied into variables, and constants that instructions overwrite.
        func preamble() -> [String] {
            var lines: [String] = []
            for k in program.inputNames.indices where writes[k] > 0 && language == .swift {
                lines.append("    var \(names[k]) = \(names[k])")
            }
            for (register, value) in constants.sorted(by: { $0.key < $1.key }) where writes[Int(register)] > 0 {
                let literal = SourceLiteral.double(value, in: language)
                lines.append(language == .swift ? "    var \(names[Int(register)]) = \(literal)" : "    double \(names[Int(register)]) = \(literal);")
            }
            return lines
        }

        /// The register as an operand: its variable, or the literal of a constant never
        /// overwritten.
        mutating func read(_ register: Int32) -> String {
            let r = Int(register)
            used[r] = true
            if let alias = aliases[register] { return alias }
            if writes[r] == 0, let value = constants[register] { return SourceLiteral.double(value, in: language) }
            return names[r]
        }

        /// Statements using each value computed but never read (`_ = x`, `(void)x;`), so that
        /// compilers do not warn.
        func unusedValues(indent: String) -> [String] {
            (Int(program.firstInstructionRegister)..<program.registerCount)
                .filter { declared[$0] && !used[$0] && aliases[Int32($0)] == nil }
                .map { indent + (language == .swift ? "_ = \(names[$0])" : "(void)\(names[$0]);") }
        }

        /// The statement writing `expression` into the register: its declaration the first time.
        mutating func write(_ register: Int32, _ expression: String) -> String {
            let r = Int(register)
            let name = names[r]
            if declared[r] { return language == .swift ? "\(name) = \(expression)" : "\(name) = \(expression);" }
            declared[r] = true
            if language == .swift { return "\(writes[r] == 1 ? "let" : "var") \(name) = \(expression)" }
            return "double \(name) = \(expression);"
        }
    }
}

extension String {
    /// The text on one line, for a comment: line breaks written `; `.
    var replacingNewlines: String {
        split(whereSeparator: \.isNewline).joined(separator: "; ")
    }
}
