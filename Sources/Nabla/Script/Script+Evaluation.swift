/// How to run a script: the static graph (compiled), the dynamic one, or forward mode. The static
/// and dynamic modes give the same numbers bit for bit; forward mode the same up to rounding.
public enum ScriptMode: String, CaseIterable, Sendable {
    /// The static graph: the derivatives as graph nodes, compiled and run (reverse mode).
    case `static`
    /// The dynamic graph: recorded while computing, then swept backwards (reverse mode).
    case dynamic
    /// Forward mode on the dynamic graph: one Jacobian-vector product (a forward sweep of the
    /// recorded graph) per name differentiated with respect to, and the Hessian
    /// forward-over-reverse (one forward sweep through the recorded gradient per column), as
    /// JAX's `jacfwd` and `hessian`.
    case forward
}

/// A script's output, every statement's value, and derivatives of the output.
public struct ScriptEvaluation: Sendable {
    /// The output's name.
    public var output: String
    /// The output's value.
    public var value: Double
    /// Every named value (``Script/valueNames``): the inputs, then the statements and the loops'
    /// carries after them (`x'`), in program order.
    public var values: [(name: String, value: Double)]
    /// d(output)/d(x) for the inputs (or the names asked for).
    public var gradient: [(name: String, value: Double)]
    /// d(output)/d(s) for every named value after the inputs up to the output (shown by `nabla
    /// grad`), when no `wrt` names were given; empty when they were (only what was asked for is computed).
    public var statementGradients: [(name: String, value: Double)]
    /// ∂²(output)/∂x∂y for the names of ``gradient``, when asked for (order 2).
    public var hessian: [(name: String, row: [(name: String, value: Double)])]?
    /// Things worth saying that are not errors: an input value given for a name the program
    /// does not use, statements the output never uses (``Script/warnings(output:)``).
    public var warnings: [String]
}

extension Script {
    /// Evaluates the script at the given input values, with the gradient of `output` (default:
    /// the last statement) with respect to `wrt` (default: every input, and then every
    /// statement up to the output too) and, with `order: 2`, the Hessian with respect to the
    /// same names.
    ///
    /// Every value must be finite, and so must every derivative computed; only those asked for
    /// are computed. A derivative that is not finite is an error saying which (`dy/dx is inf at
    /// x = 0`), in which statement, and by which rule of the op catalogue (`d/dx sqrt(x) =
    /// 1/(2sqrt(x)) is inf`).
    public func evaluate(at feeds: [String: Double], output: String? = nil, wrt: [String]? = nil,
                         order: Int = 1, mode: ScriptMode = .static) throws(ScriptError) -> ScriptEvaluation {
        let outputName = output ?? self.output
        let known = Set(valueNames)
        guard known.contains(outputName) else { throw unknownName(outputName) }
        for name in wrt ?? [] where !known.contains(name) {
            throw ScriptError("cannot differentiate with respect to '\(quoted: name)': it is not a name in the program")
        }
        guard order == 1 || order == 2 else { throw ScriptError("order must be 1 or 2, not \(order)") }
        for input in inputs where feeds[input] == nil {
            throw ScriptError("missing a value for the input '\(quoted: input)'")
        }
        let warnings = feeds.keys.sorted().filter { !known.contains($0) }
            .map { "'\(quoted: $0)' is given a value but the program does not use it" } + self.warnings(output: outputName)
        let inputSet = Set(inputs)
        for name in feeds.keys.sorted() where known.contains(name) && !inputSet.contains(name) {
            throw ScriptError("'\(quoted: name)' is computed by the program; only inputs (\(ScriptError.list(inputs))) take values")
        }
        if let problem = firstNonFiniteValue(at: feeds) { throw problem }

        let wrtNames = wrt ?? inputs
        let (statementNames, shownNames) = differentiated(output: outputName, wrt: wrt)
        let everyName = valueNames
        var computed: Computed
        switch mode {
        case .static:
            do {
                computed = try computeStatic(feeds, outputName, everyName, shownNames, wrtNames, order)
            } catch {
                // A requested derivative is not finite: the dynamic mode gives the same numbers,
                // and shows which one.
                computed = computeDynamic(feeds, outputName, everyName, shownNames, wrtNames, order)
                if computed.isFinite { throw ScriptError("a derivative is not finite: \(error)") }
            }
        case .dynamic:
            computed = computeDynamic(feeds, outputName, everyName, shownNames, wrtNames, order)
        case .forward:
            computed = computeForward(feeds, outputName, everyName, shownNames, wrtNames, order)
        }
        // The values are finite (checked above); a derivative that is not is explained.
        for (name, value) in zip(shownNames, computed.gradients) where !value.isFinite {
            throw nonFiniteDerivative(of: outputName, wrt: name, value: value, at: feeds)
        }
        for (row, cells) in zip(wrtNames, computed.hessian ?? []) {
            for (column, value) in zip(wrtNames, cells) where !value.isFinite {
                throw nonFiniteSecondDerivative(of: outputName, wrt: row, column, value: value, at: feeds)
            }
        }
        let gradientOf = Dictionary(uniqueKeysWithValues: zip(shownNames, computed.gradients))
        let valueOf = Dictionary(uniqueKeysWithValues: zip(everyName, computed.values))
        return ScriptEvaluation(
            output: outputName, value: valueOf[outputName]!,
            values: everyName.map { ($0, valueOf[$0]!) },
            gradient: wrtNames.map { ($0, gradientOf[$0]!) },
            statementGradients: statementNames.map { ($0, gradientOf[$0]!) },
            hessian: computed.hessian.map { rows in zip(wrtNames, rows).map { ($0, Array(zip(wrtNames, $1)).map { ($0, $1) }) } },
            warnings: warnings)
    }

    /// The named values whose gradient is shown besides `wrt`, and every name differentiated with
    /// respect to, without repeats. Without `wrt`, the gradient with respect to every named value
    /// up to the output is shown too; with it, only what was asked for is computed, and only that
    /// has to be finite (d(a^b)/da is -4 at a = -2, b = 2, though d(a^b)/db is not a number).
    func differentiated(output: String, wrt: [String]?) -> (statements: [String], shown: [String]) {
        let outputIndex = valueNames.firstIndex(of: output) ?? 0
        let statementNames = wrt != nil || outputIndex < inputs.count ? [] : Array(valueNames[inputs.count...outputIndex])
        var seen: Set<String> = []
        return (statementNames, ((wrt ?? inputs) + statementNames).filter { seen.insert($0).inserted })
    }

    /// The statements before the output that its value never depends on, in program order:
    /// work that reaches nothing, often a typo (`u = x^2; y = 3x` where `y = 3u` was meant).
    /// Statements after the output (chosen with `output`) are not counted: they were left out
    /// on purpose. Empty when the output is an input.
    ///
    /// A loop's carries after it are named values too (`x'`); each is taken to depend on
    /// everything the loop's body reads from before the loop, and a loop's body is not looked
    /// into further.
    public func unusedStatements(output: String? = nil) -> [String] {
        let outputName = output ?? self.output
        guard let last = valueNames.firstIndex(of: outputName), last >= inputs.count else { return [] }
        // What each named value reads: the named values current where it is computed.
        var current = Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ($1, $0) })
        var reads: [[Int]] = inputs.map { _ in [] }
        for item in body {
            switch item {
            case .statement(let k):
                reads.append(statements[k].steps.compactMap { if case .name(let n) = $0 { current[n] } else { nil } })
                current[statements[k].name] = reads.count - 1
            case .loop(let l):
                let read = Set(statements[loops[l].statements].flatMap { s in
                    s.steps.compactMap { if case .name(let n) = $0 { current[n] } else { nil } }
                })
                for name in loops[l].carries {
                    reads.append(Array(read))
                    current[name] = reads.count - 1
                }
            }
        }
        var needed = [Bool](repeating: false, count: valueNames.count)
        needed[last] = true
        for k in stride(from: last, through: 0, by: -1) where needed[k] {
            for j in reads[k] { needed[j] = true }
        }
        return (inputs.count..<last).filter { !needed[$0] }.map { valueNames[$0] }
    }

    /// Warnings about the program itself, as compilers give them: statements the output never
    /// uses (`'u' is never used by the output 'y'`).
    public func warnings(output: String? = nil) -> [String] {
        let unused = unusedStatements(output: output)
        guard !unused.isEmpty else { return [] }
        let outputName = output ?? self.output
        if unused.count == 1 { return ["'\(quoted: unused[0])' is never used by the output '\(quoted: outputName)'"] }
        return ["\(ScriptError.list(unused.map { "'\($0)'" })) are never used by the output '\(quoted: outputName)'"]
    }

    /// The position of `name` among the named values, ``valueNames`` (the order of
    /// ``buildStatic(in:)``'s nodes); an error listing the names if the program has no `name`.
    public func index(ofName name: String) throws(ScriptError) -> Int {
        if let k = valueNames.firstIndex(of: name) { return k }
        throw unknownName(name)
    }

    /// The values in `feeds` for the script's inputs (dropping names the program does not use).
    public func inputValues(in feeds: [String: Double]) -> [String: Double] {
        let inputSet = Set(inputs)
        return feeds.filter { inputSet.contains($0.key) }
    }

    private func unknownName(_ name: String) -> ScriptError {
        ScriptError("'\(quoted: name)' is not a name in the program (its names are \(ScriptError.list(valueNames)))")
    }

    private struct Computed {
        /// Every name's value (inputs, then statements).
        var values: [Double]
        /// The gradient with respect to the names shown.
        var gradients: [Double]
        var hessian: [[Double]]?

        var isFinite: Bool { (gradients + (hessian ?? []).flatMap { $0 }).allSatisfy(\.isFinite) }
    }

    /// Compiles the values, the gradient with respect to `shown` and (order 2) the Hessian with
    /// respect to `wrt`, and nothing else; throws if one of them is not finite.
    private func computeStatic(_ feeds: [String: Double], _ output: String, _ names: [String], _ shown: [String], _ wrt: [String],
                               _ order: Int) throws(ProgramError) -> Computed {
        let (graph, requested) = staticRequest(output, names, shown, wrt, order)
        let outputs = try graph.compile(requested).run(inputValues(in: feeds))
        let (n, m) = (names.count, shown.count)
        return Computed(values: Array(outputs[0..<n]), gradients: Array(outputs[n..<n + m]),
                        hessian: order != 2 ? nil : wrt.isEmpty ? [] : stride(from: n + m, to: outputs.count, by: wrt.count).map { Array(outputs[$0..<$0 + wrt.count]) })
    }

    /// The static graph of the script and the nodes `nabla grad` computes: every name's value,
    /// the gradient of `output` with respect to `shown`, and (order 2) the Hessian with respect to
    /// `wrt`, in that order (shared by evaluation and ``compiled(output:wrt:order:)``).
    func staticRequest(_ output: String, _ names: [String], _ shown: [String], _ wrt: [String],
                       _ order: Int) -> (graph: Graph, requested: [Symbol]) {
        let graph = Graph()
        let nodes = buildStatic(in: graph)
        let byName = Dictionary(uniqueKeysWithValues: zip(names, nodes))
        let y = byName[output]!
        let wrtNodes = wrt.map { byName[$0]! }
        var requested = nodes + graph.gradients(of: y, wrt: shown.map { byName[$0]! })
        if order == 2 { requested += graph.hessian(of: y, wrt: wrtNodes).flatMap { $0 } }
        return (graph, requested)
    }

    /// The script recorded on `Value` leaves fed from `feeds`: every node, inputs first, and the
    /// nodes by name (shared by the dynamic reverse and forward modes).
    private func recorded(_ feeds: [String: Double], _ names: [String]) -> (nodes: [Value], byName: [String: Value]) {
        let leaves = inputs.map { Value(feeds[$0]!, requiresGrad: true, name: $0) }
        let leafOf = Dictionary(uniqueKeysWithValues: zip(inputs, leaves))
        let results = evaluate(input: { leafOf[$0]! }, constant: { Value($0) }, distinctNodes: true, loop: nil)
        let nodes = leaves + results
        return (nodes, Dictionary(uniqueKeysWithValues: zip(names, nodes)))
    }

    private func computeDynamic(_ feeds: [String: Double], _ output: String, _ names: [String], _ shown: [String], _ wrt: [String],
                                _ order: Int) -> Computed {
        let (nodes, byName) = recorded(feeds, names)
        let y = byName[output]!
        let wrtValues = wrt.map { byName[$0]! }
        var hessian: [[Double]]?
        if order == 2 {
            hessian = y.differentiableGradients(wrt: wrtValues).map { $0.gradients(wrt: wrtValues) }
        }
        return Computed(values: nodes.map(\.data), gradients: y.gradients(wrt: shown.map { byName[$0]! }), hessian: hessian)
    }

    /// Forward mode: the script recorded once, then one forward sweep per name in `shown` (a
    /// Jacobian-vector product seeded at that name) and, for order 2, one forward sweep per name
    /// in `wrt` through the recorded gradient (forward-over-reverse).
    private func computeForward(_ feeds: [String: Double], _ output: String, _ names: [String], _ shown: [String], _ wrt: [String],
                                _ order: Int) -> Computed {
        let (nodes, byName) = recorded(feeds, names)
        let y = byName[output]!
        let gradients = shown.map { Value.directionalDerivatives(of: [y], wrt: [byName[$0]!], along: [1])[0] }
        var hessian: [[Double]]?
        if order == 2 {
            let wrtValues = wrt.map { byName[$0]! }
            let gradient = y.differentiableGradients(wrt: wrtValues)
            let columns = wrtValues.map { Value.directionalDerivatives(of: gradient, wrt: [$0], along: [1]) }
            hessian = wrt.indices.map { i in wrt.indices.map { j in columns[j][i] } }
        }
        return Computed(values: nodes.map(\.data), gradients: gradients, hessian: hessian)
    }

    /// The script as nodes of `graph`: the inputs (named), then one named node per named value
    /// (``valueNames``). Each loop is one call of `Graph.loop(count:carrying:_:)`, whose body
    /// closure builds the loop's statements from the carries it is given.
    public func buildStatic(in graph: Graph) -> [Symbol] {
        let inputNodes = inputs.map(graph.input)
        let results = evaluate(input: { graph.input($0) }, constant: { graph.constant($0) }, distinctNodes: true) { loop, initial, body in
            graph.loop(count: loops[loop].count, carrying: initial) { _, carries in body(carries) ?? carries }
        }
        for (name, node) in zip(valueNames[inputs.count...], results) { node.named(name) }
        return inputNodes + results
    }

    /// Runs the script on numbers and reports the first operation whose result is not finite,
    /// naming its statement (and, in a loop, the step).
    func firstNonFiniteValue(at feeds: [String: Double]) -> ScriptError? {
        let inputSet = Set(inputs)
        for (name, value) in feeds.sorted(by: { $0.key < $1.key }) where !value.isFinite && inputSet.contains(name) {
            return ScriptError("the input '\(quoted: name)' is \(NumberFormat.shortest(value))")
        }
        var environment = [Double?](repeating: nil, count: slotCount)
        for (slot, name) in inputs.enumerated() { environment[slot] = feeds[name] ?? .nan }
        var problem: ScriptError?
        var steps = [Int](repeating: 0, count: loops.count)   // the step each loop is at
        var stack: [Double] = []
        _ = run(body, &environment, statement: { k, environment in
            stack.removeAll(keepingCapacity: true)
            for i in codeRanges[k] {
                let (x, y, result): (Double, Double, Double)
                let instruction = code[i]
                switch instruction {
                case .number(let x): stack.append(x); continue
                case .read(let slot): stack.append(environment[slot] ?? .nan); continue
                case .negate: stack.append(-stack.removeLast()); continue
                case .binary(let op):
                    (y, x) = (stack.removeLast(), stack.removeLast())
                    result = Operand<Formula>.apply(op, .number(x), .number(y)).number
                case .function(let f):
                    y = f.arity == 2 ? stack.removeLast() : 0
                    x = stack.removeLast()
                    result = (f.arity == 2 ? Operand<Formula>.apply(f, .number(x), .number(y)) : Operand<Formula>.apply(f, .number(x))).number
                }
                if !result.isFinite && x.isFinite && y.isFinite {
                    let n = NumberFormat.shortest
                    let operation = switch instruction {
                    case .binary(let op): "\(n(x)) \(op.rawValue) \(n(y))"
                    case .function(let f): "\(f.rawValue)(\(f.arity == 2 ? "\(n(x)), \(n(y))" : n(x)))"
                    default: ""
                    }
                    let reason = result.isNaN ? "is undefined (nan)" : "overflows to \(NumberFormat.shortest(result))"
                    let statement = statements[k]
                    let place = statement.loop.map { " (step \(steps[$0]) of the loop on line \(loops[$0].line))" } ?? ""
                    problem = ScriptError("\(operation) \(reason) in '\(quoted: statement.text, limit: 60)'\(place)", line: statement.line,
                                          column: statement.column, length: statement.text.count, sourceLine: nil)
                    return false
                }
                stack.append(result)
            }
            environment[targets[k]] = stack.last ?? .nan
            return true
        }, step: { loop, step in
            steps[loop] = step
        })
        return problem
    }
}

extension Operand {
    var number: Double {
        if case .number(let x) = self { return x }
        return .nan
    }
}
