// The notation's reference, as `nabla notation` (and `nabla help notation`) prints it. The rules
// of the grammar are the parser's (Script+Parsing.swift); the list of operations and their
// derivatives is generated from the op catalogue, so it cannot drift from what Nabla computes.

extension ScriptFunction {
    /// The primitive the function applies (`pow` is the power operator `^`).
    var primitive: Primitive {
        switch self {
        case .exp: .exp
        case .log: .log
        case .sqrt: .sqrt
        case .sin: .sin
        case .cos: .cos
        case .tanh: .tanh
        case .erf: .erf
        case .sigmoid: .sigmoid
        case .relu: .relu
        case .abs: .abs
        case .softplus: .softplus
        case .logSigmoid: .logSigmoid
        case .elu: .elu
        case .hardtanh: .hardtanh
        case .silu: .silu
        case .pow: .power
        case .min: .minimum
        case .max: .maximum
        }
    }

    /// The node constant the function applies its primitive with: PyTorch's default parameter
    /// for the activations that have one, 0 (unused) for the others.
    var constant: Double {
        switch self {
        case .softplus: Rules.Softplus.defaultThreshold
        case .elu: Rules.ELU.defaultAlpha
        case .hardtanh: Rules.Hardtanh.defaultBound
        default: 0
        }
    }
}

extension Script.BinaryOperator {
    /// The primitive the operator applies.
    var primitive: Primitive {
        switch self {
        case .add: .add
        case .subtract: .subtract
        case .multiply: .multiply
        case .divide: .divide
        case .power: .power
        }
    }
}

extension Script {
    /// The derivative rules of the notation's operators and functions, each as it is written
    /// and its partial derivatives as formulas (`("sqrt(x)", ["d/dx = 1 / (2sqrt(x))"])`),
    /// obtained by running each primitive's pullback from the op catalogue on formulas.
    /// `[x > 0]` is 1 where x > 0 and 0 elsewhere (½ at a tie for min and max, as PyTorch).
    public static var derivativeRules: [(operation: String, derivatives: [String])] {
        let (x, y) = (Formula.variable("x"), Formula.variable("y"))
        func rule(_ op: Primitive, constant c: Double = 0, written: String) -> (String, [String]) {
            let output = Formula.apply(op, x, y, constant: c)
            let (dx, dy) = op.pullback(x, y, output: output, constant: c, seed: Formula.constant(1))
            var derivatives = ["d/dx = \(dx ?? .constant(0))"]
            if op.arity == 2 { derivatives.append("d/dy = \(dy ?? .constant(0))") }
            return (written, derivatives)
        }
        let operators = BinaryOperator.allCases.map { rule($0.primitive, written: $0 == .power ? "x^y" : "x \($0.rawValue) y") }
        let functions = ScriptFunction.allCases.map { f in
            rule(f.primitive, constant: f.constant, written: f.arity == 2 ? "\(f.rawValue)(x, y)" : "\(f.rawValue)(x)")
        }
        return operators + functions
    }

    /// The notation's rules and every operation with its derivatives: what `nabla notation`
    /// prints.
    public static var notationReference: String {
        let rules = derivativeRules
        let width = (rules.map(\.operation.count).max() ?? 0) + 2
        let ruleLines = rules.map { rule in
            "  " + rule.operation + String(repeating: " ", count: width - rule.operation.count) + rule.derivatives.joined(separator: ",  ")
        }
        return """
            The notation: the tutorial's way of writing a computation.

              b = 5 - 3a
              c = 2b + 3; d = 5b + 6   # a comment
              e = 7c + d^2

            Statements
              name = expression, one per line or separated by ';'. '#' starts a comment.
              A line break inside parentheses continues the statement. Lines end at LF,
              CR LF or CR; a tab is a space; a UTF-8 byte-order mark is skipped.
              A name never assigned is an input (see Loops for one a loop carries): give
              its value with --at. A name is assigned once, before it is used. The output
              is the last statement, or the one --of names.

            Loops
              repeat N { statements } runs the statements N times: N a whole number
              from 0 to 1000000000 written as a number; statements separated by ';' or
              new lines; loops nest up to 16 deep; at most 100000000 operations in all,
              every step counted.
                repeat 1000000 { x = tanh(1.01x + 0.1) }     # x is an input
              "Assigned once" holds in each scope: outside loops, and in one step of a
              loop's body. A name the body assigns that has a value before the loop (an
              input, or a name assigned earlier) is carried: the body reads the previous
              step's value (before the loop's, in the first step) until it assigns the
              name, and this step's value after. A name the body reads before assigning
              it, and assigned nowhere earlier, is an input carried by the loop. A name
              first assigned in the body is local to one step: it has no value after the
              loop. A loop must carry a name, and outside loops a carried name is not
              assigned again. After the loop a carried name means its final value (its
              value before the loop if N is 0); the results call it x' (x'' after a
              second loop that changes x): --of x' is x after the loop, --wrt x is the
              input x. nabla explain and nabla graph refuse programs with loops.

            Names and numbers
              A name is letters, digits and _, not starting with a digit: a, x1, w_2, é.
              Reserved: the function names below and repeat; nan, inf, infinity in
              any case.
              Numbers are decimal and finite: 2, 2.5, .5, 1e-3 (no 0x10, no 1e400).
              In a program with a name e, 2e-1 is ambiguous (0.2, or 2*e - 1?) and is an
              error: write 0.2 or 2*e - 1 (likewise 2e3 with a name e3).

            Operators, loosest first
              + -       add, subtract      left to right: a - b + c is (a - b) + c
              * /       multiply, divide   left to right: a/b*c is (a/b)*c
              3a        a number written right before a name or '(' multiplies:
                        3a, 2b, 3(a + 1); but (a)(b) and a b are errors
              -x  +x    unary minus, plus  -a^2 is -(a^2); 2*-a and a - -b are allowed
              ^  **     power              right to left: a^b^c is a^(b^c); a^-1 is allowed

            Operations and their derivatives, from the op catalogue (the rules Nabla
            computes with). [x > 0] is 1 where x > 0, else 0 (½ at a tie of min or max);
            1.1283791670955126 is 2/√π.
            \(ruleLines.joined(separator: "\n"))
            """
    }
}
