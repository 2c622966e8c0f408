/// Reverse mode worked out by hand, as the tutorial does it: the forward values, each edge's
/// local partial derivative (as a formula and a number), and the total derivatives from the
/// output back to the inputs, with the sum over paths where a node feeds several others.
///
/// The statements are the graph's named nodes (and its output); unnamed nodes in between are
/// folded into the statement that uses them, so `e = 7c + d^2` is one statement with local
/// partials ∂e/∂c = 7 and ∂e/∂d = 2d. Every formula is the op catalogue's own derivative rule,
/// evaluated in ``Formula``.
///
/// Nodes need no names. An unnamed node that several others use (`let b = 5 - 3 * a` in Swift,
/// then `2 * b` and `5 * b`) is where the chain rule sums over paths, so it becomes a statement
/// of its own, named `v₁`, `v₂`, … in forward order; an unnamed output is `y`. Name nodes with
/// ``Symbol/named(_:)`` to see your own names.
///
/// No formula is written with more than ``formulaOperationLimit`` operations: where a statement
/// would be longer (a sum of 50,000 terms, `sin` nested 30,000 deep), parts of it become
/// statements of their own, named `t₁`, `t₂`, … (names the notation cannot write, so they never
/// clash with the program's), as one would by hand. So the derivation's text grows linearly
/// with the graph, never quadratically, and is built without recursion.
public struct Derivation: Sendable {
    /// One named node and how it is computed from other named nodes.
    public struct Statement: Sendable {
        /// The statement's name: the program's, or one the derivation gave (`y`, `v₁`, `t₁`).
        public var name: String
        /// How the statement is computed, in terms of inputs, other statements and constants.
        public var expression: Formula
        /// The statement's value at the given inputs.
        public var value: Double
        /// Whether the derivation named this part of a long statement (`t₁`, …); the program
        /// did not.
        public var isIntermediate: Bool
        /// Whether the derivation named this unnamed node because several others use it (`v₁`, …).
        public var isShared: Bool = false
    }

    /// The most operations a formula of a derivation is written with (see the type's summary).
    public static let formulaOperationLimit = 16
    /// ∂`of`/∂`wrt` for one edge between statements.
    public struct LocalPartial: Sendable {
        /// The statement differentiated.
        public var of: String
        /// The statement or input it is differentiated with respect to, one of its operands.
        public var wrt: String
        /// The partial derivative from the op catalogue's rules, written in terms of the
        /// statement's operands and its own name (∂h/∂b = 1 - h^2 for h = tanh(b)).
        public var formula: Formula
        /// The partial derivative's value at the given inputs.
        public var value: Double
        /// Why the partial is zero, op by op inside the statement (empty when it is not zero).
        var causes: [ZeroCause] = []
        /// The ties in `max` and `min` on the way, which halve the partial.
        var ties: [ZeroCause] = []
    }
    /// d(output)/d(`node`) = Σ d(output)/d(via) · ∂via/∂node over the statements `via` that use `node`.
    public struct TotalDerivative: Sendable {
        /// The share of one path: d(output)/d(via) · ∂via/∂node.
        public struct Term: Sendable {
            /// A statement that uses the node.
            public var via: String
            /// d(output)/d(via).
            public var upstream: Double
            /// ∂via/∂node, from ``Derivation/partials``.
            public var local: Double
        }
        /// The statement or input differentiated with respect to.
        public var node: String
        /// One term per statement that uses the node, in forward order; none for the output.
        public var terms: [Term]
        /// d(output)/d(node): the sum of the terms' products, or 1 for the output itself.
        public var value: Double
    }

    /// The output's name: the program's, or `y` (`y₁`, … when `y` is taken) for an unnamed one.
    public var output: String
    /// The inputs the output depends on, with their values.
    public var inputs: [(name: String, value: Double)]
    /// Statements in forward (topological) order.
    public var statements: [Statement]
    /// Local partials, statement by statement from the output back.
    public var partials: [LocalPartial]
    /// Total derivatives from the output back to the inputs.
    public var totals: [TotalDerivative]
    /// Why gradients are zero or missing, value by value (``GradientNote``): inputs and
    /// statements in forward order, then named nodes the output does not use. Ties in `max` and
    /// `min`, which halve a gradient, are noted too.
    public var notes: [GradientNote] = []

    /// d(output)/d(name), for any statement or input.
    public func total(_ name: String) -> Double? { totals.first { $0.node == name }?.value }
}

extension Graph {
    /// The derivation of `output` at the given input values.
    public func derivation(of output: Symbol, at feeds: [String: Double]) throws(ProgramError) -> Derivation {
        let root = Int(output.id)
        let live = liveNodes(for: [output.id])
        for name in feeds.keys where inputNodes[name] == nil { throw .unknownInput(name, known: inputNames) }
        if !loops.isEmpty, live.indices.contains(where: { live[$0] && ops[$0] == .loopValue }) {
            throw .unsupported("a derivation shows every operation once, and this output depends on a loop; "
                               + "compile the graph, or write the steps out")
        }

        // Forward values of every node the output needs.
        var values = [Double](repeating: 0, count: root + 1)
        for i in 0...root where live[i] {
            switch ops[i] {
            case .input:
                guard let v = feeds[names[Int32(i)]!] else { throw .missingInput(names[Int32(i)]!) }
                values[i] = v
            case .constant: values[i] = constants[i]
            default:
                let op = ops[i]
                values[i] = op.evaluate(values[Int(lhs[i])], values[Int(op.arity == 2 ? rhs[i] : lhs[i])], constants[i])
            }
        }

        // Statements: named nodes, the output, and unnamed nodes that several others use. Their
        // operands are found by a walk that stops at other statements and inputs.
        var taken = Set(names.values)
        let outputName = names[output.id] ?? Self.outputName(avoiding: taken)
        taken.insert(outputName)
        let shared = sharedNames(upTo: root, live: live, taken: &taken)
        let intermediates = intermediateNames(upTo: root, live: live, taken: taken,
                                              isNamed: { $0 == root || self.names[Int32($0)] != nil || shared[$0] != nil })
        func label(_ i: Int) -> String? { i == root ? outputName : names[Int32(i)] ?? shared[i] ?? intermediates[i] }
        // A named constant is written as its number where it is used (only a constant output is
        // a statement of its own).
        let isBoundary = { (i: Int) in self.ops[i] == .input || i == root || (label(i) != nil && self.ops[i] != .constant) }

        var derivation = Derivation(output: outputName, inputs: [], statements: [], partials: [], totals: [])
        var localPartials: [Int: [(wrt: Int, formula: Formula, value: Double, causes: [ZeroCause], ties: [ZeroCause])]] = [:]
        for i in 0...root where live[i] && isBoundary(i) {
            if ops[i] == .input {
                derivation.inputs.append((label(i)!, values[i]))
                continue
            }
            if ops[i] == .constant {
                derivation.statements.append(.init(name: label(i)!, expression: .constant(values[i]), value: values[i], isIntermediate: false))
                continue
            }
            let body = statementBody(i, isBoundary: isBoundary)
            var formulas: [Int: Formula] = [:]
            func formula(_ j: Int) -> Formula {
                if let f = formulas[j] { return f }
                return ops[j] == .constant ? .constant(constants[j]) : .variable(label(j)!)
            }
            for j in body {
                let op = ops[j]
                formulas[j] = Formula.apply(op, formula(Int(lhs[j])), formula(Int(op.arity == 2 ? rhs[j] : lhs[j])), constant: constants[j])
            }
            derivation.statements.append(.init(name: label(i)!, expression: formulas[i]!, value: values[i],
                                               isIntermediate: intermediates[i] != nil, isShared: shared[i] != nil))

            // Reverse sweep inside the statement, once with formulas and once with numbers. Where
            // an op passes on a zero, why is kept (``ZeroCause``), and so are ties in max and min.
            var symbolic: [Int: Formula] = [i: .constant(1)]
            var numeric: [Int: Double] = [i: 1]
            var causes: [Int: [ZeroCause]] = [:]
            var ties: [Int: [ZeroCause]] = [:]
            var operands: [Int] = []
            for j in body.reversed() {
                guard let seed = symbolic[j] else { continue }
                let op = ops[j]
                let a = Int(lhs[j]), b = Int(op.arity == 2 ? rhs[j] : lhs[j])
                let reached = op.arity == 2 ? [a, b] : [a]
                if seed.constantValue == 0 {
                    // Nothing flows on: the operands get zeros, and the reasons with them.
                    for k in reached where ops[k] != .constant {
                        if symbolic[k] == nil { (symbolic[k], numeric[k]) = (.constant(0), 0) }
                        causes[k, default: []].append(contentsOf: causes[j] ?? [])
                        ties[k, default: []].append(contentsOf: ties[j] ?? [])
                        if isBoundary(k), !operands.contains(k) { operands.append(k) }
                    }
                    continue
                }
                // The statement's own value is written by its name: ∂h/∂b = 1 - h^2, not 1 - tanh(…)^2.
                let output = j == i ? Formula.variable(label(i)!) : formula(j)
                let (fa, fb) = op.pullback(formula(a), formula(b), output: output, constant: constants[j], seed: seed)
                let (na, nb) = op.pullback(values[a], values[b], output: values[j], constant: constants[j], seed: numeric[j]!)
                let tie = (op == .maximum || op == .minimum) && values[a] == values[b]
                for (position, k, f, n) in [(0, a, fa, na), (1, b, fb, nb)].prefix(op.arity) where ops[k] != .constant {
                    // An op whose rule gives nothing (sign, step, floor, a select's condition)
                    // passes a zero: the path is there, its local partial is 0.
                    let f = f ?? .constant(0), n = n ?? 0
                    if n == 0 {
                        if numeric[j]! != 0 {
                            causes[k, default: []].append(ZeroCause.zero(op, position: position, whole: formulas[j]!, x: formula(a), y: formula(b),
                                                                         xValue: values[a], yValue: values[b], constant: constants[j]))
                        } else {
                            causes[k, default: []].append(contentsOf: causes[j] ?? [])
                        }
                    }
                    if tie { ties[k, default: []].append(ZeroCause.tie(op, whole: formulas[j]!, value: values[a])) }
                    ties[k, default: []].append(contentsOf: ties[j] ?? [])
                    symbolic[k] = symbolic[k].map { $0 + f } ?? f
                    numeric[k] = (numeric[k] ?? 0) + n
                    if isBoundary(k), !operands.contains(k) { operands.append(k) }
                }
            }
            localPartials[i] = operands.sorted().map { k in
                (k, symbolic[k]!, numeric[k]!, numeric[k]! == 0 ? Self.unique(causes[k] ?? []) : [], Self.unique(ties[k] ?? []))
            }
        }

        // Total derivatives: from the output down, each statement passes its total on through
        // its local partials.
        var totals: [Int: Double] = [root: 1]
        var terms: [Int: [(via: Int, term: Derivation.TotalDerivative.Term)]] = [:]
        var inputTotals: [Derivation.TotalDerivative] = []
        for i in stride(from: root, through: 0, by: -1) where live[i] && isBoundary(i) {
            let total = totals[i] ?? 0
            // Terms in forward order of the statements they pass through, as the tutorial writes them.
            let sum = Derivation.TotalDerivative(node: label(i)!, terms: (terms[i] ?? []).sorted { $0.via < $1.via }.map(\.term), value: total)
            if ops[i] == .input { inputTotals.insert(sum, at: 0) } else { derivation.totals.append(sum) }
            for partial in localPartials[i] ?? [] {
                derivation.partials.append(.init(of: label(i)!, wrt: label(partial.wrt)!, formula: partial.formula, value: partial.value,
                                                 causes: partial.causes, ties: partial.ties))
                totals[partial.wrt] = (totals[partial.wrt] ?? 0) + total * partial.value
                terms[partial.wrt, default: []].append((i, .init(via: label(i)!, upstream: total, local: partial.value)))
            }
        }
        derivation.totals += inputTotals

        // Named nodes the output does not use, and named constants, for the notes.
        var unused: [(name: String, isInput: Bool, constant: Double?)] = []
        for (id, name) in names.sorted(by: { $0.key < $1.key }) where Int(id) != root && id < firstGradientNode {
            let i = Int(id)
            if ops[i] == .constant {
                unused.append((name, false, constants[i]))
            } else if i >= live.count || !live[i] {
                unused.append((name, ops[i] == .input, nil))
            }
        }
        derivation.notes = derivation.gradientNotes(unused: unused)
        return derivation
    }

    /// The causes without repeats, in the order first found.
    private static func unique(_ causes: [ZeroCause]) -> [ZeroCause] {
        var result: [ZeroCause] = []
        for cause in causes where !result.contains(cause) { result.append(cause) }
        return result
    }

    /// `y`, or if a node is named so, the first of `y₁`, `y₂`, … that is free.
    private static func outputName(avoiding taken: Set<String>) -> String {
        var name = "y", k = 0
        while taken.contains(name) { k += 1; name = subscripted("y", k) }
        return name
    }

    /// The unnamed nodes (not inputs or constants, not the output) that two or more of the
    /// output's nodes use, named `v₁`, `v₂`, … in forward order, skipping names in `taken`
    /// (and adding theirs to it).
    private func sharedNames(upTo root: Int, live: [Bool], taken: inout Set<String>) -> [Int: String] {
        // How many distinct nodes use each node (counted up to 2; `x·x` is one use).
        var users = [UInt8](repeating: 0, count: root + 1)
        for i in 0...root where live[i] && ops[i].arity > 0 {
            let x = Int(lhs[i])
            users[x] = Swift.min(users[x] + 1, 2)
            if ops[i].arity == 2, rhs[i] != lhs[i] {
                let y = Int(rhs[i])
                users[y] = Swift.min(users[y] + 1, 2)
            }
        }
        var result: [Int: String] = [:]
        var counter = 1
        for i in 0..<root where live[i] && users[i] >= 2 && ops[i] != .input && ops[i] != .constant && names[Int32(i)] == nil {
            var name: String
            repeat {
                name = subscripted("v", counter)
                counter += 1
            } while taken.contains(name)
            taken.insert(name)
            result[i] = name
        }
        return result
    }

    /// The unnamed nodes that get a name (`t₁`, `t₂`, … in forward order, skipping names in
    /// `taken`) so that no statement's formula has more than ``Derivation/formulaOperationLimit``
    /// operations. One forward pass: a node's size is its operations written out down to named
    /// nodes; when a node would pass the limit, its largest operands are named until it fits.
    private func intermediateNames(upTo root: Int, live: [Bool], taken: Set<String>, isNamed: (Int) -> Bool) -> [Int: String] {
        let limit = Derivation.formulaOperationLimit
        var size = [Int](repeating: 0, count: root + 1)
        var chosen = [Bool](repeating: false, count: root + 1)
        func weight(_ k: Int) -> Int { chosen[k] || isNamed(k) ? 0 : size[k] }
        for i in 0...root where live[i] && ops[i] != .input && ops[i] != .constant {
            let operands = [Int(lhs[i]), Int(rhs[i])].prefix(ops[i].arity)
            var total = 1 + operands.map(weight).reduce(0, +)
            while total > limit, let largest = operands.max(by: { weight($0) < weight($1) }), weight(largest) > 0 {
                chosen[largest] = true
                total = 1 + operands.map(weight).reduce(0, +)
            }
            size[i] = total
        }
        var result: [Int: String] = [:]
        var counter = 0
        for i in 0...root where chosen[i] {
            var name: String
            repeat {
                counter += 1
                name = subscripted("t", counter)
            } while taken.contains(name)
            result[i] = name
        }
        return result
    }

    /// The unnamed nodes that statement `i` is computed from, and `i` itself, in increasing
    /// order. An explicit stack, not recursion.
    private func statementBody(_ i: Int, isBoundary: (Int) -> Bool) -> [Int] {
        var body: Set<Int> = [i]
        var stack = [i]
        while let j = stack.popLast() {
            for k in [lhs[j], rhs[j]].prefix(ops[j].arity).map(Int.init)
            where ops[k] != .constant && !isBoundary(k) && !body.contains(k) {
                body.insert(k)
                stack.append(k)
            }
        }
        return body.sorted()
    }
}

private let subscriptDigits: [Character] = ["₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"]

/// `t₁₂` for ("t", 12): a name the notation cannot write.
private func subscripted(_ base: String, _ k: Int) -> String {
    base + String(String(k).map { subscriptDigits[Int(String($0))!] })
}
