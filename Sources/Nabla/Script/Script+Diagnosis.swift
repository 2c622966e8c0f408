// Why a derivative is not finite, said in the notation: which derivative, at which input values,
// in which statement, and by which rule of the op catalogue.
//
//     line 1, column 1: dy/dx is inf at x = 0: d/dx sqrt(x) = 1/(2sqrt(x)) is inf, in 'y = sqrt(x)'

extension Script {
    /// The error for d`output`/d`name` = `value`, which is not finite although every value is.
    ///
    /// The graph the script builds is run again on numbers, from the output back to `name`
    /// through the operations that depend on `name`, multiplying the local derivatives as the
    /// chain rule does. The first thing on that way that is not finite is the reason: a local
    /// derivative (the rule, written as a formula from the op's own pullback, with its operands'
    /// values), or a product or sum of finite numbers that overflows.
    func nonFiniteDerivative(of output: String, wrt name: String, value: Double, at feeds: [String: Double]) -> ScriptError {
        let headline = "d\(quoted: output)/d\(quoted: name) is \(NumberFormat.shortest(value)) at \(inputList(feeds))"
        // Through a loop, the graph is not one node per statement: the derivative is named, not traced.
        guard loops.isEmpty else { return ScriptError(headline + " (the derivative passes through a loop; differentiate fewer steps to see where it stops being finite)") }
        let graph = Graph()
        let nodes = buildStatic(in: graph).map { Int($0.id) }
        let everyName = valueNames
        let nodeOf = Dictionary(uniqueKeysWithValues: zip(everyName, nodes))
        guard let root = nodeOf[output], let target = nodeOf[name], target <= root else { return ScriptError(headline) }
        let (ops, lhs, rhs, constants) = (graph.ops, graph.lhs.map(Int.init), graph.rhs.map(Int.init), graph.constants)
        func operands(_ j: Int) -> [Int] { ops[j].arity == 2 ? [lhs[j], rhs[j]] : ops[j].arity == 1 ? [lhs[j]] : [] }

        // Values, and which nodes depend on the target (only they lead back to it).
        var values = [Double](repeating: 0, count: root + 1)
        var dependsOnTarget = [Bool](repeating: false, count: root + 1)
        for j in 0...root {
            switch ops[j] {
            case .input: values[j] = feeds[graph.names[Int32(j)] ?? ""] ?? .nan
            case .constant: values[j] = constants[j]
            default:
                let x = values[lhs[j]]
                values[j] = ops[j].evaluate(x, ops[j].arity == 2 ? values[rhs[j]] : x, constants[j])
            }
            dependsOnTarget[j] = j == target || operands(j).contains { dependsOnTarget[$0] }
        }

        // The chain rule, from the output down.
        var adjoint = [Double?](repeating: nil, count: root + 1)
        adjoint[root] = 1
        for j in stride(from: root, through: 0, by: -1) where dependsOnTarget[j] && ops[j].arity > 0 {
            guard let seed = adjoint[j] else { continue }
            let x = values[lhs[j]], y = ops[j].arity == 2 ? values[rhs[j]] : x
            let (dx, dy) = ops[j].pullback(x, y, output: values[j], constant: constants[j], seed: 1.0)
            for (position, (k, local)) in zip(operands(j), [dx, dy]).enumerated() {
                guard let local, dependsOnTarget[k] else { continue }
                var place: Place { statementPlace(ofNode: j, statementNodes: Array(nodes[inputs.count...]), ops: ops) }
                if !local.isFinite {
                    let rule = ruleText(graph, node: j, operand: position, local: local, values: values, statementNodes: Array(nodes[inputs.count...]))
                    return place.error("\(headline): \(rule)")
                }
                let contribution = seed * local
                guard contribution.isFinite else {
                    return place.error("\(headline): the chain rule's product \(NumberFormat.shortest(seed)) · \(NumberFormat.shortest(local)) overflows (the largest double is about 1.8e308)")
                }
                let sum = (adjoint[k] ?? 0) + contribution
                guard sum.isFinite else {
                    return place.error("\(headline): the chain rule's sum over paths \(NumberFormat.shortest(adjoint[k] ?? 0)) + \(NumberFormat.shortest(contribution)) overflows (the largest double is about 1.8e308)")
                }
                adjoint[k] = sum
            }
        }
        return ScriptError(headline)
    }

    /// The error for a second derivative ∂²`output`/∂`a`∂`b` = `value` that is not finite
    /// although the first derivatives are: a derivative of a derivative rule is not.
    func nonFiniteSecondDerivative(of output: String, wrt a: String, _ b: String, value: Double, at feeds: [String: Double]) -> ScriptError {
        let name = a == b ? "d²\(quoted: output)/d\(quoted: a)²" : "d²\(quoted: output)/d\(quoted: a)d\(quoted: b)"
        return ScriptError("\(name) is \(NumberFormat.shortest(value)) at \(inputList(feeds)): the derivative of a derivative rule is not finite there (the gradient is)")
    }

    /// `x = 0, y = 2`: the input values, the first few of them.
    private func inputList(_ feeds: [String: Double]) -> String {
        ScriptError.list(inputs.map { "\($0) = \(NumberFormat.shortest(feeds[$0] ?? .nan))" })
    }

    /// Where the statement computing `node` is, for an error.
    private struct Place {
        var statement: Statement?
        func error(_ message: String) -> ScriptError {
            guard let statement else { return ScriptError(message) }
            return ScriptError("\(message), in '\(quoted: statement.text, limit: 60)'", line: statement.line, column: statement.column,
                               length: statement.text.count, sourceLine: nil)
        }
    }

    /// The statement whose expression made `node`: the first whose own node is at or after it
    /// (a statement's operations are made just before its node). Statements that are a bare
    /// number own nothing (their node is a shared constant).
    private func statementPlace(ofNode node: Int, statementNodes: [Int], ops: [Primitive]) -> Place {
        for (k, own) in statementNodes.enumerated() where ops[own] != .constant && own >= node {
            return Place(statement: statements[k])
        }
        return Place(statement: nil)
    }

    /// `d/dx sqrt(x) = 1/(2sqrt(x)) is inf`, or for an operand that has no name in the program,
    /// `d/du sqrt(u) = 1/(2sqrt(u)) is inf where u = x - 1 = 0`: the op's derivative rule,
    /// written by running its pullback on formulas.
    private func ruleText(_ graph: Graph, node j: Int, operand position: Int, local: Double, values: [Double],
                          statementNodes: [Int]) -> String {
        let op = graph.ops[j]
        let operandNodes = op.arity == 2 ? [Int(graph.lhs[j]), Int(graph.rhs[j])] : [Int(graph.lhs[j])]
        let taken = Set(inputs + statements.map(\.name))
        var spareNames = ["u", "v", "w", "p", "q", "r", "s", "t"].filter { !taken.contains($0) }.makeIterator()
        var wheres: [String] = []
        var variables: [Formula] = []
        for (i, k) in operandNodes.enumerated() {
            if graph.ops[k] == .constant {
                variables.append(.constant(graph.constants[k]))
                continue
            }
            // An operand with a name of its own, unless both operands are the same node (x·x).
            if let name = graph.names[Int32(k)], operandNodes.count == 1 || operandNodes[0] != operandNodes[1] || i == 0 {
                variables.append(.variable(name))
                if graph.ops[k] != .input { wheres.append("\(name) = \(NumberFormat.shortest(values[k]))") }
                continue
            }
            let spare = spareNames.next() ?? "u\(i + 1)"
            variables.append(.variable(spare))
            let formula = subformula(graph, node: k, statementNodes: statementNodes)
            wheres.append("\(spare) = \(quoted: formula.description, limit: 60) = \(NumberFormat.shortest(values[k]))")
        }
        let x = variables[0], y = variables.count > 1 ? variables[1] : variables[0]
        let applied = Formula.apply(op, x, y, constant: graph.constants[j])
        let (dx, dy) = op.pullback(x, y, output: applied, constant: graph.constants[j], seed: Formula.constant(1))
        let rule = (position == 0 ? dx : dy) ?? .constant(0)
        let variable = variables[position].description
        var text = "d/d\(quoted: variable) \(quoted: applied.description, limit: 60) = \(quoted: rule.description, limit: 60) is \(NumberFormat.shortest(local))"
        if !wheres.isEmpty { text += " where " + wheres.joined(separator: ", ") }
        return text
    }

    /// The formula of `node` in terms of named values and constants: the part of its statement
    /// that computes it. Built in node order (a topological order), without recursion.
    private func subformula(_ graph: Graph, node: Int, statementNodes: [Int]) -> Formula {
        // The statement's operations lie after the previous statement's node.
        let start = (statementNodes.last { $0 < node && graph.ops[$0] != .constant } ?? -1) + 1
        var formulas: [Int: Formula] = [:]
        func formula(_ k: Int) -> Formula {
            if let f = formulas[k] { return f }
            if graph.ops[k] == .constant { return .constant(graph.constants[k]) }
            return .variable(graph.names[Int32(k)] ?? "?")
        }
        for k in start...node where graph.ops[k] != .constant && graph.ops[k] != .input && (k == node || graph.names[Int32(k)] == nil) {
            let op = graph.ops[k]
            let x = formula(Int(graph.lhs[k]))
            formulas[k] = Formula.apply(op, x, op.arity == 2 ? formula(Int(graph.rhs[k])) : x, constant: graph.constants[k])
        }
        return formula(node)
    }
}
