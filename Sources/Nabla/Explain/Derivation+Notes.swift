// "Why is this gradient zero?": the notes of a derivation, read off its totals and local partials.

extension Derivation {
    /// The notes (see ``notes``) for this derivation's totals, and for the named nodes the
    /// output does not use (`unused`: each with whether it is an input, and its value if it is a
    /// constant).
    func gradientNotes(unused: [(name: String, isInput: Bool, constant: Double?)]) -> [GradientNote] {
        let n = NumberFormat.shortest
        var partialOf: [String: [String: LocalPartial]] = [:]
        for p in partials { partialOf[p.of, default: [:]][p.wrt] = p }
        var values: [String: Double] = [:]
        for input in inputs { values[input.name] = input.value }
        for s in statements { values[s.name] = s.value }

        var notes: [GradientNote] = []
        // From the output back, as the totals are listed: a zero's cause comes before its effects.
        for total in totals where total.node != output {
            let name = total.node
            let d = "d\(output)/d\(name)"
            let shares = total.terms.map { term in (term, partialOf[term.via]?[name]) }
            if total.terms.isEmpty {
                notes.append(.init(node: name, reasons: [.noPath], text: "\(d) = 0: no path leads from \(name) to \(output)"))
            } else if total.value == 0 {
                notes.append(zeroNote(name, d: d, total: total, shares: shares, values: values))
            } else {
                let ties = shares.flatMap { $0.1?.ties ?? [] }
                if !ties.isEmpty {
                    notes.append(.init(node: name, reasons: [.tie], text: "\(d) = \(n(total.value)): " + unique(ties.map(\.text)).joined(separator: "; ")))
                }
            }
        }
        for node in unused {
            let d = "d\(output)/d\(node.name)"
            if let c = node.constant {
                notes.append(.init(node: node.name, reasons: [.constant],
                                   text: "\(node.name) = \(n(c)) is a constant: it depends on no input and is written as its number where it is used, so it has no gradient of its own"))
            } else if node.isInput {
                notes.append(.init(node: node.name, reasons: [.noPath], text: "\(d) = 0: \(output) does not depend on \(node.name) (no path leads from \(node.name) to \(output))"))
            } else {
                notes.append(.init(node: node.name, reasons: [.noPath], text: "\(d) = 0: \(output) does not use \(node.name) (no path leads from \(node.name) to \(output))"))
            }
        }
        return notes
    }

    /// The note on a zero total: each path's reason, or the paths cancelling.
    private func zeroNote(_ name: String, d: String, total: TotalDerivative, shares: [(TotalDerivative.Term, LocalPartial?)],
                          values: [String: Double]) -> GradientNote {
        let n = NumberFormat.shortest
        if shares.contains(where: { $0.0.upstream * $0.0.local != 0 }) {
            let sum = total.terms.map { "\(Self.factor(n($0.upstream)))·\(Self.factor(n($0.local)))" }.joined(separator: " + ")
            return .init(node: name, reasons: [.cancelled], text: "\(d) = 0: the paths' shares cancel: \(sum) = 0")
        }
        var reasons: [GradientNote.Reason] = []
        var pieces: [String] = []
        for (term, partial) in shares {
            // The local partial, when it is 0: its formula, the values it reads, and the ops' reasons.
            var local: String?
            if term.local == 0 {
                let formula = partial?.formula ?? .constant(0)
                var piece = "∂\(term.via)/∂\(name) = \(formula)"
                if formula.constantValue == nil {
                    let bound = formula.variables.compactMap { v in values[v].map { "\(v) = \(n($0))" } }
                    piece += " is 0" + (bound.isEmpty ? "" : " at " + bound.joined(separator: ", "))
                }
                let causes = partial?.causes ?? []
                let said = unique(causes.map(\.text).filter { !$0.isEmpty })
                if !said.isEmpty { piece += ": " + said.joined(separator: "; ") }
                local = piece
            }
            if term.upstream == 0 {
                reasons.append(.zeroUpstream)
                var piece = shares.count == 1 ? "its only path to \(output) goes through \(term.via), and d\(output)/d\(term.via) = 0"
                                              : "through \(term.via), d\(output)/d\(term.via) = 0"
                if let local { piece += "; besides, \(local)" }
                pieces.append(piece)
            } else if let local {
                pieces.append(shares.count == 1 ? local : "through \(term.via), \(local)")
            }
            if term.local == 0 {
                let causes = partial?.causes ?? []
                reasons += causes.isEmpty ? [.zeroPartial] : causes.map(\.reason)
            }
        }
        let text = shares.count == 1 ? "\(d) = 0: \(pieces[0])" : "\(d) = 0: every path to \(output) gives 0: " + pieces.joined(separator: "; ")
        // Each reason once, the named ones before a partial that is merely 0 here.
        var seen: [GradientNote.Reason] = []
        for reason in reasons where !seen.contains(reason) && reason != .zeroPartial { seen.append(reason) }
        if reasons.contains(.zeroPartial) { seen.append(.zeroPartial) }
        return .init(node: name, reasons: seen, text: text)
    }

    private func unique(_ texts: [String]) -> [String] {
        var result: [String] = []
        for text in texts where !result.contains(text) { result.append(text) }
        return result
    }
}

extension Formula {
    /// The names the formula reads, in the order they are first met writing it out (an explicit
    /// stack: no recursion).
    var variables: [String] {
        var result: [String] = []
        var seen: Set<String> = []
        var stack: [Formula] = [self]
        while let f = stack.popLast() {
            switch f.kind {
            case .constant: break
            case .variable(let name):
                if seen.insert(name).inserted { result.append(name) }
            case .apply(_, let x, let y, _):
                if let y { stack.append(y) }
                stack.append(x)
            }
        }
        return result
    }
}
