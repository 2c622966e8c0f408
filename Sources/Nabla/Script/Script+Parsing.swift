// Parsing the tutorial's notation, without recursion: statements are split at `;` and line ends
// (outside parentheses), and each expression goes through a shunting-yard pass that turns it
// into postfix steps with explicit stacks.
//
// Grammar, loosest binding first:
//     statement  = name "=" expression
//     expression = term { ("+" | "-") term }                      left-associative
//     term       = unary { ("*" | "/" | implicit) unary }         left-associative
//     unary      = "-" unary | "+" unary | power                  so -a^2 is -(a^2)
//     power      = primary [ ("^" | "**") unary ]                 right-associative; a^-1 allowed
//     primary    = number | name | function "(" arguments ")" | "(" expression ")"
// "implicit" is a number written right before a name or "(": 3a, 2b, 3(a + 1).

extension Script {
    /// The largest program accepted: 64 MiB of UTF-8.
    public static let maximumProgramBytes = 64 << 20

    /// Parses a program. Throws a ``ScriptError`` with the line, the column and the offending
    /// text for a syntax error, an unknown function, a name assigned twice or used before it is
    /// assigned, a number a double cannot hold (`1e309`, `1e-400`) or a reserved word (`nan`,
    /// `inf`, `infinity`), and for a program longer than ``maximumProgramBytes``. Lines end at
    /// `\n`, `\r\n` or a lone `\r`; a tab is a space; a leading byte-order mark is skipped.
    public init(parsing text: String) throws(ScriptError) {
        guard text.utf8.count <= Self.maximumProgramBytes else {
            throw ScriptError("the program is longer than \(Self.maximumProgramBytes >> 20) MiB, the largest accepted")
        }
        // A byte-order mark at the start (as some Windows editors write) is not part of the program.
        let lexer = Lexer(text.hasPrefix("\u{FEFF}") ? text.dropFirst() : text[...])
        let tokens = try lexer.tokens()
        var parser = ScriptParser(tokens: tokens, lexer: lexer)
        let statements = try parser.statements()
        guard !statements.isEmpty else { throw ScriptError("the program has no statements (write them as name = expression)") }

        // Names: assigned once, never used before their assignment; the rest are inputs.
        var assignedAt: [String: Int] = [:]
        for (k, s) in statements.enumerated() {
            if let earlier = assignedAt[s.statement.name] {
                throw lexer.error("'\(quoted: s.statement.name)' is assigned twice (first on line \(statements[earlier].statement.line))",
                                  s.statement.line, s.statement.column - 1, s.statement.name.count)
            }
            assignedAt[s.statement.name] = k
        }
        var inputs: [String] = []
        var seenInputs: Set<String> = []
        for (k, s) in statements.enumerated() {
            for (name, place) in s.uses {
                if let assigned = assignedAt[name] {
                    if assigned >= k {
                        let when = assigned == k ? "in its own statement" : "before it is assigned on line \(statements[assigned].statement.line)"
                        throw lexer.error("'\(quoted: name)' is used \(when)", place.line, place.column - 1, name.count)
                    }
                } else if seenInputs.insert(name).inserted {
                    inputs.append(name)
                }
            }
        }
        // `2e-1` is the number 0.2, but in a program with a name `e` it could be 2·e − 1 (the
        // tutorial has an `e`, and writes `2e` for 2·e): refuse to guess.
        let names = seenInputs.union(assignedAt.keys)
        for token in tokens {
            guard let name = token.exponentAsName, names.contains(name), case .number(let value) = token.kind else { continue }
            throw lexer.error(Self.ambiguousExponent(token, lexer: lexer, name: name, value: value), token.line, token.column - 1, token.length)
        }
        self.statements = statements.map(\.statement)
        self.inputs = inputs
    }

    /// The error for a number like `2e-1` in a program that has a name like `e`.
    private static func ambiguousExponent(_ token: Token, lexer: Lexer, name: String, value: Double) -> String {
        let line = lexer.lines[token.line - 1]
        let text = String(line[token.start...].prefix(token.length))
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        let exponent = text.dropFirst(mantissa.count + 1)
        var product = "\(mantissa)*\(name)"
        if let sign = exponent.first, sign == "+" || sign == "-" { product += " \(sign) \(exponent.dropFirst())" }
        let number = NumberFormat.shortest(value)
        let asNumber = number.contains("e") ? "the number without an exponent" : "\(number) for the number"
        return "'\(quoted: text)' is ambiguous in a program with a name '\(quoted: name)': the number \(number), or \(product)? Write \(asNumber) or \(product) for the product"
    }
}

struct ScriptParser {
    let tokens: [Token]
    let lexer: Lexer
    var position = 0

    struct Parsed {
        var statement: Script.Statement
        /// Names read by the statement, with where.
        var uses: [(String, (line: Int, column: Int))]
    }

    init(tokens: [Token], lexer: Lexer) {
        self.tokens = tokens
        self.lexer = lexer
    }

    mutating func statements() throws(ScriptError) -> [Parsed] {
        var result: [Parsed] = []
        while position < tokens.count {
            let token = tokens[position]
            if token.kind == .end || token.kind == .newline { position += 1; continue }
            guard case .name(let name) = token.kind else {
                throw error("expected a statement 'name = expression'", at: token)
            }
            if ScriptFunction(rawValue: name) != nil {
                throw error("'\(name)' is a function and cannot be assigned", at: token)
            }
            position += 1
            guard position < tokens.count, tokens[position].kind == .equals else {
                throw error("expected '=' after '\(quoted: name)' (statements are name = expression)", at: tokens[min(position, tokens.count - 1)])
            }
            let equals = tokens[position]
            position += 1
            let (steps, uses, end) = try expression(after: equals)
            // The statement as written: to its ';' or to the end of its first line.
            let sourceLine = lexer.lines[token.line - 1]
            let text = sourceLine[token.start..<(end.line == token.line ? end.start : sourceLine.endIndex)]
            result.append(Parsed(statement: .init(name: name, line: token.line, column: token.column,
                                                  text: text.trimmingWhitespace, steps: steps), uses: uses))
        }
        return result
    }

    /// Operators waiting on the shunting-yard stack.
    private enum Pending {
        case binary(Script.BinaryOperator, Token)
        case negate(Token)
        case parenthesis(Token)
        case function(ScriptFunction, Token, arguments: Int)

        /// Binding strength: + - 1, * / 2, unary minus 3, ^ 4; 0 for parentheses.
        var precedence: Int {
            switch self {
            case .binary(let op, _):
                switch op {
                case .add, .subtract: 1
                case .multiply, .divide: 2
                case .power: 4
                }
            case .negate: 3
            case .parenthesis, .function: 0
            }
        }
    }

    /// One expression, up to the end of its statement, as postfix steps; with the names it reads
    /// and the token that ends it.
    private mutating func expression(after start: Token) throws(ScriptError) -> ([Script.Step], [(String, (line: Int, column: Int))], Token) {
        var output: [Script.Step] = []
        var uses: [(String, (line: Int, column: Int))] = []
        var pending: [Pending] = []
        var expectOperand = true
        var previous = start
        var depth = 0

        func emit(_ p: Pending) {
            switch p {
            case .binary(let op, _): output.append(.binary(op))
            case .negate: output.append(.negate)
            case .parenthesis, .function: break
            }
        }
        /// Pushes a binary operator after popping those that bind at least as tightly (more
        /// tightly, for the right-associative power).
        func pushBinary(_ op: Script.BinaryOperator, _ token: Token) {
            let incoming = Pending.binary(op, token)
            while let top = pending.last, top.precedence > 0,
                  op == .power ? top.precedence > incoming.precedence : top.precedence >= incoming.precedence {
                emit(pending.removeLast())
            }
            pending.append(incoming)
        }

        while true {
            let token = position < tokens.count ? tokens[position] : Token(kind: .end, line: previous.line, column: previous.column + previous.length, length: 1, spaced: true,
                                                                                   start: lexer.lines[previous.line - 1].endIndex)
            if token.kind == .newline && depth > 0 { position += 1; continue }   // continue inside ( )
            switch token.kind {
            case .number(let x):
                guard expectOperand else { throw error("expected an operator before the number", at: token) }
                output.append(.number(x))
                expectOperand = false
                // A number right before a name or "(" multiplies it.
                if position + 1 < tokens.count, !tokens[position + 1].spaced {
                    switch tokens[position + 1].kind {
                    case .name, .leftParenthesis:
                        pushBinary(.multiply, token)
                        expectOperand = true
                    default: break
                    }
                }
            case .name(let name):
                guard expectOperand else { throw error("expected an operator before '\(quoted: name)'", at: token) }
                if let function = ScriptFunction(rawValue: name) {
                    guard position + 1 < tokens.count, tokens[position + 1].kind == .leftParenthesis else {
                        throw error("'\(name)' is a function: write \(name)(…)", at: token)
                    }
                    position += 1
                    depth += 1
                    pending.append(.function(function, token, arguments: 1))
                    previous = tokens[position]
                    position += 1
                    continue   // still expecting an operand (the first argument)
                }
                if position + 1 < tokens.count, tokens[position + 1].kind == .leftParenthesis {
                    let known = ScriptFunction.allCases.map(\.rawValue)
                    let suggestion = Spelling.closest(to: name, among: known).map { "; did you mean '\($0)'?" } ?? ""
                    throw error("unknown function '\(quoted: name)'\(suggestion) (known: \(known.joined(separator: ", ")))", at: token)
                }
                output.append(.name(name))
                uses.append((name, (token.line, token.column)))
                expectOperand = false
            case .plus, .minus:
                if expectOperand {
                    if token.kind == .minus { pending.append(.negate(token)) }   // unary plus does nothing
                } else {
                    pushBinary(token.kind == .plus ? .add : .subtract, token)
                    expectOperand = true
                }
            case .times, .divide, .power:
                guard !expectOperand else { throw error("expected an expression before '\(symbol(token))'", at: token) }
                pushBinary(token.kind == .times ? .multiply : token.kind == .divide ? .divide : .power, token)
                expectOperand = true
            case .leftParenthesis:
                guard expectOperand else { throw error("expected an operator before '('", at: token) }
                pending.append(.parenthesis(token))
                depth += 1
            case .comma:
                guard !expectOperand else { throw error("expected an expression before ','", at: token) }
                while let top = pending.last, top.precedence > 0 { emit(pending.removeLast()) }
                guard case .function(let f, let name, let count) = pending.last else {
                    throw error("',' outside a function's arguments", at: token)
                }
                guard count < f.arity else { throw error("\(f.rawValue) takes \(f.arity) argument\(f.arity == 1 ? "" : "s")", at: name) }
                pending[pending.count - 1] = .function(f, name, arguments: count + 1)
                expectOperand = true
            case .rightParenthesis:
                guard !expectOperand else {
                    throw error(previous.kind == .leftParenthesis ? "empty parentheses" : "expected an expression before ')'", at: token)
                }
                while let top = pending.last, top.precedence > 0 { emit(pending.removeLast()) }
                guard let open = pending.popLast() else { throw error("')' without a matching '('", at: token) }
                depth -= 1
                if case .function(let f, let name, let count) = open {
                    guard count == f.arity else { throw error("\(f.rawValue) takes \(f.arity) argument\(f.arity == 1 ? "" : "s")", at: name) }
                    output.append(.function(f))
                }
                // A closing parenthesis directly followed by "(" or a name does not multiply.
            case .equals:
                throw error("unexpected '=' (one assignment per statement; separate statements with ';' or a new line)", at: token)
            case .end, .newline:
                guard !expectOperand else {
                    throw error(output.isEmpty && pending.isEmpty ? "expected an expression after '='" : "expected an expression after '\(symbol(previous))'", at: token)
                }
                while let top = pending.popLast() {
                    if case .parenthesis(let open) = top { throw error("'(' is never closed", at: open) }
                    if case .function(_, let name, _) = top { throw error("'\(symbol(name))(' is never closed", at: name) }
                    emit(top)
                }
                if position < tokens.count { position += 1 }
                return (output, uses, token)
            }
            previous = token
            position += 1
        }
    }

    private func symbol(_ token: Token) -> String {
        switch token.kind {
        case .number(let x): NumberFormat.shortest(x)
        case .name(let n): "\(quoted: n)"
        case .plus: "+"
        case .minus: "-"
        case .times: "*"
        case .divide: "/"
        case .power: token.length == 2 ? "**" : "^"
        case .leftParenthesis: "("
        case .rightParenthesis: ")"
        case .comma: ","
        case .equals: "="
        case .end: ";"
        case .newline: "end of line"
        }
    }

    private func error(_ message: String, at token: Token) -> ScriptError {
        lexer.error(message, token.line, token.column - 1, token.kind == .newline ? 1 : token.length)
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
