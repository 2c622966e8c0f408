// A program in the notation written out as source code (`nabla emit`).

extension Script {
    /// The script's output, its gradient and (with `order: 2`) its Hessian as a source file of
    /// `language`, straight-line code computing the same numbers as
    /// ``evaluate(at:output:wrt:order:mode:)`` in the static mode, bit for bit: the static graph's
    /// compiled ``Program``, written out by ``Program/source(in:functionName:resultNames:valueCount:)``
    /// one instruction per statement, each statement of the script heading its instructions as a
    /// comment, the reverse pass headed `// reverse pass`.
    ///
    /// The function takes the inputs in the script's order and returns the output `y`, then
    /// dy/dx for each `x` of `wrt` (default: the inputs), labelled `dy_dx`, then the Hessian row
    /// by row, labelled `d2y_dx_dz`. With `main`, it returns every named value first, and the
    /// file is a complete program: its arguments are `name=value` pairs (`a=2 o=1`, or
    /// `a=2,o=1`), and it prints the line `nabla grad --json` prints for the same program and
    /// values, byte for byte; an error (a missing, unknown or malformed value, or a value or
    /// derivative that is not finite) is printed as `error: …` on standard error, with exit
    /// status 64 for malformed arguments and 1 otherwise.
    ///
    /// - Parameters:
    ///   - language: Swift or C (see ``SourceLanguage``).
    ///   - output: The name differentiated (default: the last statement).
    ///   - wrt: The names to differentiate with respect to (default: the inputs).
    ///   - order: 1 for the gradient, 2 to add the Hessian.
    ///   - functionName: The function's name (default: the output's, with `_gradient`).
    ///   - main: Whether to add a `main` that prints what `nabla grad --json` prints.
    /// - Throws: ``ScriptError`` for an output or `wrt` name the script does not have, or an
    ///   order other than 1 or 2.
    public func source(in language: SourceLanguage, output: String? = nil, wrt: [String]? = nil, order: Int = 1,
                       functionName: String? = nil, main: Bool = false) throws(ScriptError) -> String {
        try sourceFile(in: language, output: output, wrt: wrt, order: order, functionName: functionName, main: main).file.text
    }

    /// The file ``source(in:output:wrt:order:functionName:main:)`` writes, and the program it
    /// writes out.
    func sourceFile(in language: SourceLanguage, output: String? = nil, wrt: [String]? = nil, order: Int = 1,
                    functionName: String? = nil, main: Bool = false) throws(ScriptError) -> (file: SourceFile, program: Program) {
        let outputName = output ?? self.output
        let names = valueNames
        guard names.contains(outputName) else {
            throw ScriptError("'\(quoted: outputName)' is not a name in the program (its names are \(ScriptError.list(names)))")
        }
        for name in wrt ?? [] where !names.contains(name) {
            throw ScriptError("cannot differentiate with respect to '\(quoted: name)': it is not a name in the program")
        }
        guard order == 1 || order == 2 else { throw ScriptError("order must be 1 or 2, not \(order)") }
        let wrtNames = wrt ?? inputs

        // The nodes `evaluate` compiles in the static mode: each output's number depends only on
        // its node, so the function's numbers are those `nabla grad` prints.
        let graph = Graph()
        let nodes = buildStatic(in: graph)
        let byName = Dictionary(zip(names, nodes), uniquingKeysWith: { first, _ in first })
        let y = byName[outputName]!
        let wrtNodes = wrtNames.map { byName[$0]! }
        let gradient = graph.gradients(of: y, wrt: wrtNodes)
        let hessian = order == 2 ? graph.hessian(of: y, wrt: wrtNodes) : nil
        let values = main ? nodes : [y]
        let program = graph.compile(values + gradient + (hessian ?? []).flatMap { $0 }, reusingRegisters: false)

        let dy = "d\(outputName)"
        var labels = main ? names : [outputName]
        var descriptions = main ? names.map { "the value of '\($0)'" } : ["the value of '\(outputName)'"]
        labels += wrtNames.map { "\(dy)_d\($0)" }
        descriptions += wrtNames.map { "\(dy)/d\($0)" }
        for row in wrtNames where order == 2 {
            labels += wrtNames.map { "d2\(outputName)_d\(row)_d\($0)" }
            descriptions += wrtNames.map { "the second derivative d2\(outputName)/d\(row)d\($0)" }
        }
        var function = language.identifier(functionName ?? "\(outputName)_gradient")
        // The names `main` uses for its own variables.
        if main && ["r", "given", "computed", "line", "argument", "pair", "parts", "name", "text", "value", "i", "comma", "eq",
                    "problem"].contains(function) {
            function += "_"
        }
        let wrtList = wrtNames.joined(separator: ", ")
        let derivatives = "its gradient with respect to \(wrtList.isEmpty ? "nothing" : wrtList)" + (order == 2 ? " and its Hessian" : "")
        let documentation = [main ? "Every value of the program, and \(outputName)'s \(derivatives.dropFirst(4)), at the inputs given."
                                  : "\(outputName) and \(derivatives), at the inputs given."]
        let statementTexts = Dictionary(statements.map { ($0.name, $0.text) }, uniquingKeysWith: { first, _ in first })
        var resultRegisterNames: [Int32: String] = [:]
        for (register, label) in zip(program.outputRegisters, labels)
        where program.registerNames[register] == nil && !program.writesNamedNode(register) && resultRegisterNames[register] == nil {
            resultRegisterNames[register] = label
        }
        let emitter = SourceEmitter(program: program, language: language, functionName: function,
                                    results: labels.enumerated().map { ($1, $0) }, valueCount: values.count,
                                    statementTexts: statementTexts, resultRegisterNames: resultRegisterNames,
                                    documentation: documentation)
        var file = SourceFile(language: language, heading: [emittedFileNotice(for: program), "The program:"] + statements.map { "  " + $0.text.replacingNewlines },
                              functions: [emitter])
        if main {
            let n = names.count, m = wrtNames.count
            file.main = SourceMain(
                function: language.identifier(function), resultLabels: emitter.resultLabels, inputs: inputs,
                computed: Array(valueNames[inputs.count...]),
                output: (outputName, names.firstIndex(of: outputName)!),
                values: names.enumerated().map { ($1, $0) },
                gradient: wrtNames.enumerated().map { ($1, n + $0) },
                hessian: order == 2 ? wrtNames.enumerated().map { i, row in (row, wrtNames.enumerated().map { ($1, n + m + i * m + $0) }) } : nil,
                descriptions: descriptions)
        }
        return (file, program)
    }
}
