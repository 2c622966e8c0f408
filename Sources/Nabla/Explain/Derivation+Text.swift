// The derivation as text for people, in the tutorial's layout.

extension Formula {
    /// Renders `5 - 3a` rather than `-3a + 5` for a constant plus a negative multiple.
    var statementText: String {
        if case .apply(.addConstant, let sum, _, let c) = kind, case .apply(.multiplyConstant, let x, _, let k) = sum.kind, k < 0 {
            return "\(NumberFormat.shortest(c)) - \(Formula.apply(.multiplyConstant, x, x, constant: -k))"
        }
        return description
    }
}

extension Derivation: CustomStringConvertible {
    /// The derivation as ``text(indent:)`` writes it with its default indent.
    public var description: String { text() }

    /// The three parts of the derivation as lines of text, then the ``notes``: why some
    /// gradients are zero, and the ties that halve a gradient.
    public func text(indent: String = "  ") -> String {
        var lines: [String] = []
        let n = NumberFormat.shortest
        lines.append("Forward pass (values in topological order):")
        for input in inputs { lines.append("\(indent)\(input.name) = \(n(input.value))") }
        for s in statements {
            let expression = s.expression.statementText
            lines.append("\(indent)\(s.name) = \(expression)" + (expression == n(s.value) ? "" : " = \(n(s.value))"))
        }
        let shared = statements.filter(\.isShared).map(\.name)
        if !shared.isEmpty {
            lines.append("\(indent)(\(Self.range(shared)): unnamed, used more than once; name nodes with .named(_:) to see your names)")
        }
        let intermediates = statements.filter(\.isIntermediate).map(\.name)
        if !intermediates.isEmpty {
            lines.append("\(indent)(\(Self.range(intermediates)): parts of long statements, named so that no formula has more than \(Derivation.formulaOperationLimit) operations)")
        }
        lines.append("")
        lines.append("Local partial derivatives (from the op declarations):")
        for p in partials {
            let formula = p.formula.description
            lines.append("\(indent)∂\(p.of)/∂\(p.wrt) = \(formula)" + (formula == n(p.value) ? "" : " = \(n(p.value))"))
        }
        lines.append("")
        lines.append("Total derivatives, from \(output) back to the inputs (chain rule):")
        for t in totals { lines.append(indent + line(for: t)) }
        let zeros = notes.filter { !$0.isTie }, ties = notes.filter(\.isTie)
        if !zeros.isEmpty {
            lines.append("")
            lines.append("Why some gradients are zero:")
            lines += zeros.map { indent + $0.text }
        }
        if !ties.isEmpty {
            lines.append("")
            lines.append("Ties (max and min give each operand half the gradient):")
            lines += ties.map { indent + $0.text }
        }
        return lines.joined(separator: "\n")
    }

    /// One total derivative as the tutorial writes it: `dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b =
    /// 42·2 + 12·5 = 144`, or `dg/dg = 1 (the seed)` for the output.
    func line(for t: TotalDerivative) -> String {
        let n = NumberFormat.shortest
        let d = "d\(output)/d\(t.node)"
        if t.terms.isEmpty { return "\(d) = \(n(t.value))" + (t.node == output ? " (the seed)" : "") }
        let symbolic = t.terms.map { "d\(output)/d\($0.via)·∂\($0.via)/∂\(t.node)" }.joined(separator: " + ")
        let numeric = t.terms.map { "\(Self.factor(n($0.upstream)))·\(Self.factor(n($0.local)))" }.joined(separator: " + ")
        return "\(d) = \(symbolic) = \(numeric)" + (t.terms.count == 1 && numeric == n(t.value) ? "" : " = \(n(t.value))")
    }

    /// `t₁`, `t₁ and t₂`, or `t₁ … t₉`.
    private static func range(_ names: [String]) -> String {
        names.count == 1 ? names[0] : names.count == 2 ? "\(names[0]) and \(names[1])" : "\(names[0]) … \(names[names.count - 1])"
    }

    /// A negative factor in a product is parenthesised: `144·(-3)`.
    static func factor(_ text: String) -> String { text.hasPrefix("-") ? "(\(text))" : text }
}
