// The tape view of an explanation: the program recorded on a dynamic tape, one node per primitive
// op in recording order, and reverse mode as the engine runs it.

extension Script {
    /// The program recorded on a fresh ``GradientTape`` scope: its inputs first (the leaves),
    /// then every op in recording order. Forward steps follow the tape; backward steps are the
    /// engine's loop from the output down, each node passing its gradient to its operands with
    /// the op catalogue's rule (the same numbers, bit for bit). Nodes the loop never reaches
    /// have no gradient.
    func tapeView(at feeds: [String: Double], output: String, notes: [GradientNote]) -> Explanation.View {
        GradientTape.record { scope in
            let tape = scope.tape
            var leafOf: [String: TapeValue] = [:]
            for name in inputs { leafOf[name] = TapeValue(data: feeds[name]!, index: tape.storage.append(.input, -1, -1, 0, feeds[name]!), tape: tape) }
            let results = evaluate(input: { leafOf[$0]! }, constant: { TapeValue(data: $0, index: -1, tape: tape) },
                                   distinctNodes: true, loop: nil)
            let named = inputs.map { leafOf[$0]! } + results
            var nameOf: [Int: String] = [:]
            for (name, value) in zip(valueNames, named) where value.index >= 0 && nameOf[Int(value.index)] == nil {
                nameOf[Int(value.index)] = name
            }
            let root = Int(named[valueNames.firstIndex(of: output)!].index)
            return Self.tapeView(tape, nameOf: nameOf, root: root, output: output, notes: notes)
        }
    }

    private static func tapeView(_ tape: Tape, nameOf: [Int: String], root: Int, output: String, notes: [GradientNote]) -> Explanation.View {
        let n = NumberFormat.shortest
        let s = tape.storage
        let count = s.count
        var grads = [Double?](repeating: nil, count: count)
        if root >= 0 {
            let buffer = tape.gradients(from: Int32(root), seed: 1)
            for i in 0...root where buffer[i].bitPattern != Gradient.unreachedBits { grads[i] = buffer[i] }
            tape.context.releaseBuffer(buffer)
        }
        func label(_ i: Int) -> String { nameOf[i] ?? (s.ops[i] == .constant ? n(s.constants[i]) : "t\(i)") }
        func id(_ i: Int) -> String { nameOf[i] ?? "@\(i)" }
        func operand(_ k: Int) -> Formula { s.ops[k] == .constant ? .constant(s.values[k]) : .variable(label(k)) }
        var noteOf: [String: GradientNote] = [:]
        for note in notes where noteOf[note.node] == nil { noteOf[note.node] = note }

        var nodes: [Explanation.Node] = []
        var edges: [Explanation.Edge] = []
        var edgeIndex: [[Int]: Int] = [:]
        for i in 0..<count {
            let op = s.ops[i]
            let kind: Explanation.Node.Kind = i == root ? .output : op == .input ? .input : op == .constant ? .constant
                : nameOf[i] != nil ? .statement : .operation
            var text = label(i)
            var note = nameOf[i].flatMap { noteOf[$0] }
            if op.arity > 0 {
                let formula = Formula(.apply(op, operand(Int(s.lhs[i])), op.arity == 2 ? operand(Int(s.rhs[i])) : nil, constant: s.constants[i]))
                text += " = \(formula)"
                if grads[i] == nil && note == nil {
                    note = GradientNote(node: label(i), reasons: [.noPath],
                                        text: "the backward pass from \(output) never reaches \(label(i)): \(output) does not depend on it")
                }
                // One edge per operand, ∂i/∂k from the op's rule (summed when both operands are k).
                let a = Int(s.lhs[i]), b = Int(op.arity == 2 ? s.rhs[i] : s.lhs[i])
                let output = Formula.variable(label(i))
                let (fa, fb) = op.pullback(operand(a), operand(b), output: output, constant: s.constants[i], seed: .constant(1))
                let (na, nb) = op.pullback(s.values[a], s.values[b], output: s.values[i], constant: s.constants[i], seed: 1)
                var partials: [(k: Int, formula: Formula, value: Double)] = []
                for (k, f, v) in [(a, fa, na), (b, fb, nb)].prefix(op.arity) {
                    let f = f ?? .constant(0), v = v ?? 0
                    if let j = partials.firstIndex(where: { $0.k == k }) {
                        partials[j].formula = partials[j].formula + f
                        partials[j].value += v
                    } else {
                        partials.append((k, f, v))
                    }
                }
                for p in partials {
                    let formula = p.formula.description
                    edgeIndex[[p.k, i]] = edges.count
                    edges.append(.init(from: id(p.k), to: id(i), partial: "∂\(label(i))/∂\(label(p.k)) = \(formula)" + (formula == n(p.value) ? "" : " = \(n(p.value))"),
                                       partialValue: p.value, carriesGradient: true))
                }
            }
            nodes.append(.init(id: id(i), label: label(i), kind: kind, text: text, value: s.values[i], gradient: grads[i], note: note))
        }

        var steps: [Explanation.Step] = nodes.map { node in
            .init(phase: .forward, node: node.id, value: node.value, isFinal: true, text: node.text.hasSuffix(" = \(n(node.value))") || node.kind == .constant ? node.text : "\(node.text) = \(n(node.value))")
        }
        if root >= 0 {
            steps.append(.init(phase: .backward, node: id(root), gradient: 1, isFinal: true, text: "d\(output)/d\(output) = 1 (the seed)"))
            // The engine's loop: each reached node passes its gradient on with its op's rule.
            var contributions: [(from: Int, to: Int, amount: Double)] = []
            for i in stride(from: root, through: 0, by: -1) {
                let op = s.ops[i]
                guard let g = grads[i], op.arity > 0 else { continue }
                let a = Int(s.lhs[i]), b = Int(op.arity == 2 ? s.rhs[i] : s.lhs[i])
                let (ga, gb) = op.pullback(s.values[a], s.values[b], output: s.values[i], constant: s.constants[i], seed: g)
                for (k, amount) in [(a, ga), (b, gb)].prefix(op.arity) { if let amount { contributions.append((i, k, amount)) } }
            }
            var last: [Int: Int] = [:], total: [Int: Int] = [:]
            for (c, contribution) in contributions.enumerated() {
                last[contribution.to] = c
                total[contribution.to, default: 0] += 1
            }
            var running: [Int: Double] = [:], seen: [Int: Int] = [:]
            for (c, contribution) in contributions.enumerated() {
                let (i, k) = (contribution.from, contribution.to)
                running[k] = running[k].map { $0 + contribution.amount } ?? contribution.amount
                seen[k, default: 0] += 1
                let edge = edgeIndex[[k, i]]!
                let local = edges[edge].partialValue ?? 0
                let final = last[k] == c
                var text = "\(edges[edge].partial!) → d\(output)/d\(label(k)) += d\(output)/d\(label(i))·∂\(label(i))/∂\(label(k)) = "
                    + "\(Derivation.factor(n(grads[i] ?? 0)))·\(Derivation.factor(n(local)))"
                text += final ? ", done: \(n(grads[k] ?? running[k]!))" + (total[k]! > 1 ? " (\(total[k]!) contributions)" : "")
                    : ", so far \(n(running[k]!))"
                steps.append(.init(phase: .backward, node: id(k), edge: edge, gradient: final ? grads[k] ?? running[k]! : running[k]!,
                                   isFinal: final, text: text))
            }
        }
        return Explanation.View(
            id: "tape", title: "Dynamic tape",
            summary: root >= 0
                ? "The dynamic graph as it was recorded: the inputs, then one node per primitive operation in recording order. Backward is one loop over the tape from \(output) down: each node passes its gradient to its operands by its op's rule, and gradients add up where a value is used twice."
                : "The dynamic graph as it was recorded. \(output) is a constant: nothing was recorded for it, so there is no backward pass.",
            nodes: nodes, edges: edges, steps: steps)
    }
}
