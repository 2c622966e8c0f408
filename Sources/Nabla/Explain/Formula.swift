/// A symbolic expression, for showing derivatives to people: `2d`, `1 - t^2`, `cos(x)`.
///
/// ``Formula`` is the fourth algebra the derivative rules run in (besides `Double`, ``Value``
/// and ``Symbol``), so the formulas the explainer prints are the op catalogue's own rules, never
/// typed in. Building a formula simplifies it a little, so that rules read as they would by hand:
/// constants are folded, `1·x` is `x`, `x^1` is `x`, `−(−x)` is `x`, `c·(k·x)` is `(c·k)·x`.
///
/// Nothing about a formula is recursive at run time: rendering, evaluating, comparing and freeing
/// use explicit stacks, so a formula of any depth (`sin(sin(…(x)…))` a million deep) works with
/// any stack. Subformulas are shared, not copied: building is constant time per operation. The
/// text of a formula is as long as its tree written out, which for a formula with shared parts can
/// be far longer than the formula; ``Derivation`` keeps its formulas short by naming parts.
public struct Formula: Equatable, Sendable {
    /// What a formula is at its top.
    public enum Kind: Sendable {
        /// A number.
        case constant(Double)
        /// A named value, bound when the formula is evaluated.
        case variable(String)
        /// `op` applied to `x` (and `y`, for binary ops) with the node constant.
        case apply(Primitive, Formula, Formula?, constant: Double)
    }

    /// A formula's top node. It is freed iteratively (see `deinit`), and immutable once built:
    /// `kind` is only written by `deinit`, when nothing else can see the node.
    final class Node: @unchecked Sendable {
        var kind: Kind
        init(_ kind: Kind) { self.kind = kind }

        /// Frees the chain of nodes only this one holds with a loop, not with the recursive
        /// release Swift would do (which overflows the stack some 100,000 nodes deep): each child
        /// held by nothing else is emptied before it is released.
        deinit {
            var pending: [Node] = []
            Node.detachChildren(of: &kind, into: &pending)
            while var node = pending.popLast() {
                if isKnownUniquelyReferenced(&node) { Node.detachChildren(of: &node.kind, into: &pending) }
            }
        }

        private static func detachChildren(of kind: inout Kind, into pending: inout [Node]) {
            guard case .apply(_, let x, let y, _) = kind else { return }
            pending.append(x.node)
            if let y { pending.append(y.node) }
            kind = .constant(0)
        }
    }

    let node: Node

    init(_ kind: Kind) { node = Node(kind) }

    /// The formula's top: a constant, a variable, or an op applied to subformulas.
    public var kind: Kind { node.kind }

    /// The number `c`, written as ``NumberFormat/shortest(_:)`` writes it.
    public static func constant(_ c: Double) -> Formula { Formula(.constant(c)) }
    /// The value called `name`, written as the name; ``evaluate(_:)`` looks it up.
    public static func variable(_ name: String) -> Formula { Formula(.variable(name)) }

    /// The formula's value with the variables bound as given (unbound variables are NaN).
    public func evaluate(_ bindings: [String: Double]) -> Double {
        // Iterative post-order walk: formulas from deep graphs must not overflow the stack.
        var stack: [(Formula, Bool)] = [(self, false)]
        var results: [Double] = []
        while let (f, expanded) = stack.popLast() {
            switch f.kind {
            case .constant(let c): results.append(c)
            case .variable(let name): results.append(bindings[name] ?? .nan)
            case .apply(let op, let x, let y, let c):
                if expanded {
                    let yv = y != nil ? results.removeLast() : 0
                    let xv = results.removeLast()
                    results.append(op.evaluate(xv, y != nil ? yv : xv, c))
                } else {
                    stack.append((f, true))
                    if let y { stack.append((y, false)) }
                    stack.append((x, false))
                }
            }
        }
        return results[0]
    }

    var constantValue: Double? {
        if case .constant(let c) = kind { return c }
        return nil
    }

    /// Structural equality (the same ops, constants and variables in the same places), compared
    /// with an explicit stack; shared subformulas are equal without being walked.
    public static func == (a: Formula, b: Formula) -> Bool {
        var pairs = [(a, b)]
        while let (x, y) = pairs.popLast() {
            if x.node === y.node { continue }
            switch (x.kind, y.kind) {
            case (.constant(let c), .constant(let d)):
                guard c == d || (c.isNaN && d.isNaN) else { return false }
            case (.variable(let m), .variable(let n)):
                guard m == n else { return false }
            case (.apply(let op, let x1, let y1, let c), .apply(let op2, let x2, let y2, let d)):
                guard op == op2, c == d || (c.isNaN && d.isNaN), (y1 == nil) == (y2 == nil) else { return false }
                pairs.append((x1, x2))
                if let y1, let y2 { pairs.append((y1, y2)) }
            default:
                return false
            }
        }
        return true
    }
}

extension Formula: GraphScalar {
    /// `op` applied to `x` (and `y`, for binary ops) with the node constant `c`, simplified:
    /// operations on constants are folded, x·x becomes x^2, a sum or product with a constant
    /// becomes the one-constant form (x − k is x + (−k)), 1·x, x^1 and x + 0 become x, 0·x
    /// becomes 0, and a constant factor or a negation applied to a constant multiple or to a
    /// negation is merged with it (c·(k·x) is (c·k)·x, c·(−x) is (−c)·x, −(−x) is x).
    public static func apply(_ op: Primitive, _ x: Formula, _ y: Formula, constant c: Double) -> Formula {
        let binary = op.arity == 2
        if let xc = x.constantValue, !binary || y.constantValue != nil {
            return .constant(op.evaluate(xc, y.constantValue ?? xc, c))
        }
        switch (op, x.kind, y.kind) {
        case (.multiply, _, _) where x == y: return apply(.powerConstant, x, x, constant: 2)
        case (.multiply, .constant(let k), _): return apply(.multiplyConstant, y, y, constant: k)
        case (.multiply, _, .constant(let k)): return apply(.multiplyConstant, x, x, constant: k)
        case (.add, .constant(let k), _): return apply(.addConstant, y, y, constant: k)
        case (.add, _, .constant(let k)): return apply(.addConstant, x, x, constant: k)
        case (.subtract, _, .constant(let k)): return apply(.addConstant, x, x, constant: -k)
        case (.multiplyConstant, _, _) where c == 1, (.powerConstant, _, _) where c == 1, (.addConstant, _, _) where c == 0:
            return x
        case (.multiplyConstant, _, _) where c == 0: return .constant(0)
        case (.multiplyConstant, .apply(.multiplyConstant, let inner, _, let k), _): return apply(.multiplyConstant, inner, inner, constant: c * k)
        case (.multiplyConstant, .apply(.negate, let inner, _, _), _): return apply(.multiplyConstant, inner, inner, constant: -c)
        case (.negate, .apply(.negate, let inner, _, _), _): return inner
        case (.negate, .apply(.multiplyConstant, let inner, _, let k), _): return apply(.multiplyConstant, inner, inner, constant: -k)
        default: return Formula(.apply(op, x, binary ? y : nil, constant: c))
        }
    }

    /// The constant formula `c` (a formula belongs to no graph, so `self` plays no part).
    public func constant(_ c: Double) -> Formula { .constant(c) }
}

extension Formula: CustomStringConvertible {
    /// The formula in the tutorial's notation: `2d`, `7c + d^2`, `-3`, `1 - t^2`.
    ///
    /// Written out in one pass over the tree with an explicit stack, each piece appended once, so
    /// the time is linear in the length of the text, whatever the depth.
    public var description: String {
        var text = ""
        var work: [Piece] = [.formula(self, parenthesizedBelow: 0)]
        // After a constant factor (`2d`, `2·3^x`): the operand's first character decides whether
        // a `·` goes between them.
        var joinerPending = false
        while let piece = work.popLast() {
            switch piece {
            case .text(let s):
                if joinerPending, let first = s.first {
                    if first.isNumber || first == "-" { text += "·" }
                    joinerPending = false
                }
                text += s
            case .joiner:
                joinerPending = true
            case .formula(let f, let p):
                let (pieces, precedence) = f.pieces()
                if precedence < p { work.append(.text(")")) }
                work.append(contentsOf: pieces.reversed())
                if precedence < p { work.append(.text("(")) }
            }
        }
        return text
    }

    /// A step of writing a formula out.
    private enum Piece {
        case text(String)
        /// A subformula, in parentheses when it binds less tightly than `parenthesizedBelow`.
        case formula(Formula, parenthesizedBelow: Int)
        /// `·` if the next text starts with a digit or a minus sign.
        case joiner
    }

    /// The formula's top as pieces in writing order, and how tightly it binds: 1 sum, 2 product,
    /// 3 unary minus, 4 power, 5 atom.
    private func pieces() -> ([Piece], precedence: Int) {
        let n = NumberFormat.shortest
        switch kind {
        case .constant(let c):
            return ([.text(n(c))], c < 0 ? 3 : 5)
        case .variable(let name):
            return ([.text(name)], 5)
        case .apply(let op, let x, let y, let c):
            switch op {
            case .addConstant:
                if case .apply(.negate, let inner, _, _) = x.kind {
                    return ([.text("\(n(c)) - "), .formula(inner, parenthesizedBelow: 2)], 1)
                }
                return ([.formula(x, parenthesizedBelow: 0), .text(c < 0 ? " - \(n(-c))" : " + \(n(c))")], 1)
            case .multiplyConstant:
                // `2d`, `-3a`, `2(b + 1)`; `2·3` style only when the operand starts with a digit.
                return ([.text(c == -1 ? "-" : n(c)), .joiner, .formula(x, parenthesizedBelow: 4)], c < 0 ? 3 : 2)
            case .powerConstant:
                return ([.formula(x, parenthesizedBelow: 5), .text("^\(n(c))")], 4)
            case .negate:
                return ([.text("-"), .formula(x, parenthesizedBelow: 3)], 3)
            case .heaviside:
                return ([.text("["), .formula(x, parenthesizedBelow: 0), .text(" > 0]")], 5)
            case .masked:
                // masked(c, y) is y where c > 0: written y·[c > 0], or [c > 0] when y is 1.
                let condition: [Piece] = [.text("["), .formula(x, parenthesizedBelow: 0), .text(" > 0]")]
                if y?.constantValue == 1 { return (condition, 5) }
                return ([.formula(y ?? x, parenthesizedBelow: 2), .text("·")] + condition, 2)
            case .input, .constant:
                return ([.formula(x, parenthesizedBelow: 0)], 5)
            // The activations' constants, written as their functions take them when not the default.
            case .softplus where c != Rules.Softplus.defaultThreshold:
                return ([.text("softplus("), .formula(x, parenthesizedBelow: 0), .text(", threshold: \(n(c)))")], 5)
            case .elu where c != Rules.ELU.defaultAlpha:
                return ([.text("elu("), .formula(x, parenthesizedBelow: 0), .text(", alpha: \(n(c)))")], 5)
            case .hardtanh where c != Rules.Hardtanh.defaultBound:
                return ([.text("hardtanh("), .formula(x, parenthesizedBelow: 0), .text(", min: \(n(-c)), max: \(n(c)))")], 5)
            default:
                switch op.rule.notation {
                case .infix(let symbol, let p):
                    let spaced = symbol == "·" || symbol == "^" ? symbol : " \(symbol) "
                    return ([.formula(x, parenthesizedBelow: p == 4 ? 5 : p), .text(spaced),
                             .formula(y ?? x, parenthesizedBelow: p == 4 ? 4 : p + 1)], p)
                case .function(let name):
                    guard let y else { return ([.text("\(name)("), .formula(x, parenthesizedBelow: 0), .text(")")], 5) }
                    return ([.text("\(name)("), .formula(x, parenthesizedBelow: 0), .text(", "),
                             .formula(y, parenthesizedBelow: 0), .text(")")], 5)
                case .special:
                    return ([.text("\(op.name)("), .formula(x, parenthesizedBelow: 0), .text(")")], 5)
                }
            }
        }
    }
}
