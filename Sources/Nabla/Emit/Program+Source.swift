// The public entry for static graphs: a compiled program written out as source code.

extension Program {
    /// The program as a source file of `language`: one function, named `functionName`, taking
    /// the inputs (``inputNames``, in order) as `Double`s and returning the outputs, that
    /// computes exactly what ``run(_:)`` computes, bit for bit, for all inputs: the same
    /// operations, in the same order, with the same C library calls.
    ///
    /// The function is straight-line code, one statement per instruction: with the gradient's
    /// nodes among the outputs, the reverse pass is written out as code, as source-transformation
    /// tools (Tapenade) write it. A loop (`Graph.loop`, a while loop, a
    /// branch of a cond, and the loops of their derivatives) is a `for` loop over its body,
    /// run step for step as the program runs it: the carries as variables, the values one loop
    /// passes to another (a gradient's trajectory) as arrays, nested loops inside, a branch
    /// under an `if`; a while loop that reaches its limit makes the function return NaN for
    /// every output (where ``run(_:)`` throws ``ProgramError/iterationLimit(limit:)``). Variables are named after the nodes they hold where these have
    /// names, constants are written as literals that read back exactly, and the file needs
    /// nothing but the language's standard library (Swift: `import Foundation`; C: `<math.h>`,
    /// linked with `-lm`). A program compiled with registers reused (``Graph/compile(_:)``'s
    /// memory planning) gives the same numbers, with variables reused as its registers are;
    /// compile with `reusingRegisters: false` for one variable per value.
    ///
    /// ```swift
    /// let program = graph.compile([g] + graph.gradients(of: g, wrt: [a, o]), reusingRegisters: false)
    /// let swift = program.source(in: .swift, functionName: "tutorial", resultNames: ["g", "dg_da", "dg_do"], valueCount: 1)
    /// // func tutorial(a: Double, o: Double) -> (g: Double, dg_da: Double, dg_do: Double) { … }
    /// ```
    ///
    /// - Parameters:
    ///   - language: Swift (a function returning a tuple, or a `Double` for one output) or C (a
    ///     function returning a struct named `<functionName>_result`).
    ///   - functionName: The function's name (made an identifier of the language).
    ///   - resultNames: A name for each output, in order (default: ``outputNames``); made
    ///     distinct identifiers of the language (`d²y` becomes `du00b2y`).
    ///   - valueCount: With the first `valueCount` outputs the forward values and the rest
    ///     derivatives, the instructions after the last one that the values need are headed
    ///     `// reverse pass`.
    public func source(in language: SourceLanguage, functionName: String = "program", resultNames: [String]? = nil,
                       valueCount: Int? = nil) -> String {
        SourceFile(language: language, heading: [emittedFileNotice(for: self)],
                   functions: [sourceEmitter(language, functionName: functionName, resultNames: resultNames, valueCount: valueCount)]).text
    }

    /// The emitter of ``source(in:functionName:resultNames:valueCount:)``'s function.
    func sourceEmitter(_ language: SourceLanguage, functionName: String, resultNames: [String]?, valueCount: Int?) -> SourceEmitter {
        let names = resultNames ?? outputNames
        require(!outputNames.isEmpty, "Nabla: source(in:) needs a program with at least one output")
        require(names.count == outputNames.count,
                "Nabla: source(in:) was given \(names.count) result names for \(outputNames.count) outputs")
        var resultRegisterNames: [Int32: String] = [:]
        for (register, name) in zip(outputRegisters, names) where registerNames[register] == nil && !writesNamedNode(register) && resultRegisterNames[register] == nil {
            resultRegisterNames[register] = name
        }
        return SourceEmitter(program: self, language: language, functionName: functionName,
                                    results: names.enumerated().map { ($1, $0) }, valueCount: valueCount,
                                    resultRegisterNames: resultRegisterNames,
                                    documentation: ["The compiled program's outputs \(names.joined(separator: ", ")) (\(instructionCount) instructions)."])
    }
}

extension Program {
    /// Whether an instruction computing a named node writes `register`.
    func writesNamedNode(_ register: Int32) -> Bool {
        instructions.indices.contains { instructions[$0].target == register && instructionNames[Int32($0)] != nil }
    }
}
