/// A symbolic expression, for showing derivatives to people: `2d`, `1 - t^2`, `cos(x)`.
///
/// ``Formula`` is the fourth algebra the derivative rules run in (besides `Double`, ``Value``
/// and ``Symbol``), so the formulas the explainer prints are the op catalogue's own rules, never
/// typed in. Building a formula simplifies it a little, so that rules read as they would by hand:
/// constants are folded, `1·x` is `x`, `x^1` is `x`, `−(−x)` is `x`, `c·(k·x)` is `(c·k)·x`.
public indirect enum Formula: Equatable, Sendable {
    case constant(Double)
    case variable(String)
    case apply(Primitive, Formula, Formula?, constant: Double)

    /// The formula's value with the variables bound as given (unbound variables are NaN).
    public func evaluate(_ bindings: [String: Double]) -> Double {
        // Iterative post-order walk: formulas from deep graphs must not overflow the stack.
        var stack: [(Formula, Bool)] = [(self, false)]
        var results: [Double] = []
        while let (f, expanded) = stack.popLast() {
            switch f {
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
        if case .constant(let c) = self { return c }
        return nil
    }
}

extension Formula: GraphScalar {
    public static func apply(_ op: Primitive, _ x: Formula, _ y: Formula, constant c: Double) -> Formula {
        let binary = op.arity == 2
        if let xc = x.constantValue, !binary || y.constantValue != nil {
            return .constant(op.evaluate(xc, y.constantValue ?? xc, c))
        }
        switch (op, x, y) {
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
        default: return .apply(op, x, binary ? y : nil, constant: c)
        }
    }

    public func constant(_ c: Double) -> Formula { .constant(c) }
}

extension Formula: CustomStringConvertible {
    /// The formula in the tutorial's notation: `2d`, `7c + d^2`, `-3`, `1 - t^2`.
    public var description: String { render().text }

    /// Text and binding strength: 1 sum, 2 product, 3 unary minus, 4 power, 5 atom.
    private func render() -> (text: String, precedence: Int) {
        switch self {
        case .constant(let c):
            return (NumberFormat.shortest(c), c < 0 ? 3 : 5)
        case .variable(let name):
            return (name, 5)
        case .apply(let op, let x, let y, let c):
            let xs = x.render()
            func wrap(_ r: (text: String, precedence: Int), below p: Int) -> String {
                r.precedence < p ? "(\(r.text))" : r.text
            }
            switch op {
            case .addConstant:
                if case .apply(.negate, let inner, _, _) = x {
                    return ("\(NumberFormat.shortest(c)) - \(wrap(inner.render(), below: 2))", 1)
                }
                return c < 0 ? ("\(xs.text) - \(NumberFormat.shortest(-c))", 1) : ("\(xs.text) + \(NumberFormat.shortest(c))", 1)
            case .multiplyConstant:
                let k = c == -1 ? "-" : NumberFormat.shortest(c)
                // `2d`, `-3a`, `2(b + 1)`; `2·3` style only when the operand starts with a digit.
                let operand = wrap(xs, below: 4)
                let joiner = operand.first.map { $0.isNumber || $0 == "-" } == true ? "·" : ""
                return ("\(k)\(joiner)\(operand)", c < 0 ? 3 : 2)
            case .powerConstant:
                return ("\(wrap(xs, below: 5))^\(NumberFormat.shortest(c))", 4)
            case .negate:
                return ("-\(wrap(xs, below: 3))", 3)
            case .heaviside:
                return ("[\(xs.text) > 0]", 5)
            case .masked:
                // masked(c, y) is y where c > 0: written y·[c > 0], or [c > 0] when y is 1.
                let ys = y?.render() ?? xs
                return y?.constantValue == 1 ? ("[\(xs.text) > 0]", 5) : ("\(ys.precedence < 2 ? "(\(ys.text))" : ys.text)·[\(xs.text) > 0]", 2)
            case .input, .constant:
                return (xs.text, 5)
            default:
                let ys = y?.render() ?? xs
                switch op.rule.notation {
                case .infix(let symbol, let p):
                    let left = wrap(xs, below: p == 4 ? 5 : p)
                    let right = wrap(ys, below: p == 4 ? 4 : p + 1)
                    let spaced = symbol == "·" || symbol == "^" ? symbol : " \(symbol) "
                    return ("\(left)\(spaced)\(right)", p)
                case .function(let name):
                    return (y == nil ? "\(name)(\(xs.text))" : "\(name)(\(xs.text), \(ys.text))", 5)
                case .special:
                    return ("\(op.name)(\(xs.text))", 5)
                }
            }
        }
    }
}
