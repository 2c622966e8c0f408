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
    /// assigned, a loop that is malformed or carries nothing (see ``Loop``), a number a double
    /// cannot hold (`1e309`, `1e-400`) or a reserved word (`nan`, `inf`, `infinity`), and for a program longer than ``maximumProgramBytes``. Lines end at
    /// `\n`, `\r\n` or a lone `\r`; a tab is a space; a leading byte-order mark is skipped.
    public init(parsing text: String) throws(ScriptError) {
        guard text.utf8.count <= Self.maximumProgramBytes else {
            throw ScriptError("the program is longer than \(Self.maximumProgramBytes >> 20) MiB, the largest accepted")
        }
        // A byte-order mark at the start (as some Windows editors write) is not part of the program.
        let lexer = Lexer(text.hasPrefix("\u{FEFF}") ? text.dropFirst() : text[...])
        let tokens = try lexer.tokens()
        var parser = ScriptParser(tokens: tokens, lexer: lexer)
        let items = try parser.items()
        guard items.contains(where: { if case .statement = $0 { true } else { false } }) else {
            throw ScriptError("the program has no statements (write them as name = expression)")
        }
        // The rules on names: assigned once in each scope, never used before they have a value;
        // loops' carries; the inputs.
        let structure = try ProgramStructure(items, lexer: lexer)
        // `2e-1` is the number 0.2, but in a program with a name `e` it could be 2·e − 1 (the
        // tutorial has an `e`, and writes `2e` for 2·e): refuse to guess.
        let names = Set(structure.inputs + structure.statements.map(\.name))
        for token in tokens {
            guard let name = token.exponentAsName, names.contains(name), case .number(let value) = token.kind else { continue }
            throw lexer.error(Self.ambiguousExponent(token, lexer: lexer, name: name, value: value), token.line, token.column - 1, token.length)
        }
        statements = structure.statements
        loops = structure.loops
        inputs = structure.inputs
        valueNames = structure.valueNames
        entries = structure.entries
        body = structure.body
        output = structure.output
        slotCount = structure.slotCount
        code = structure.code
        codeRanges = structure.codeRanges
        targets = structure.targets
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

    /// The statements and loops, in order: `name = expression`, and `repeat N { … }` around
    /// statements, loops nesting at most ``Script/maximumLoopNesting`` deep.
    mutating func items() throws(ScriptError) -> [ParsedItem] {
        var result: [ParsedItem] = []
        var open: [Token] = []   // the '{' of each loop being read
        while position < tokens.count {
            let token = tokens[position]
            if token.kind == .end || token.kind == .newline { position += 1; continue }
            if token.kind == .rightBrace {
                guard let brace = open.popLast() else { throw error("'}' without a matching '{'", at: token) }
                if case .loopStart? = result.last {
                    throw error("the loop's body is empty: write repeat N { statements }", at: brace)
                }
                result.append(.loopEnd(token))
                position += 1
                if position < tokens.count, ![.end, .newline, .rightBrace].contains(tokens[position].kind) {
                    throw error("expected ';' or a new line after '}'", at: tokens[position])
                }
                continue
            }
            if token.kind == .leftBrace { throw error("'{' without a loop: write repeat N { statements }", at: token) }
            guard case .name(let name) = token.kind else {
                throw error("expected a statement 'name = expression'", at: token)
            }
            if name == Self.repeatKeyword {
                if position + 1 < tokens.count, tokens[position + 1].kind == .equals {
                    throw error("'repeat' is a keyword (repeat N { statements }) and cannot be assigned", at: token)
                }
                position += 1
                let count = try loopCount(after: token)
                while position < tokens.count, tokens[position].kind == .newline { position += 1 }
                guard position < tokens.count, tokens[position].kind == .leftBrace else {
                    let next = position < tokens.count ? tokens[position] : tokens[tokens.count - 1]
                    throw error("expected '{' after 'repeat \(count)': a loop is repeat N { statements }", at: next)
                }
                guard open.count < Script.maximumLoopNesting else {
                    throw error("loops nest at most \(Script.maximumLoopNesting) deep", at: token)
                }
                open.append(tokens[position])
                result.append(.loopStart(count: count, token: token))
                position += 1
                continue
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
            // The statement as written: to its ';' or '}', or to the end of its first line.
            let sourceLine = lexer.lines[token.line - 1]
            let text = sourceLine[token.start..<(end.line == token.line ? end.start : sourceLine.endIndex)]
            result.append(.statement(Parsed(statement: .init(name: name, line: token.line, column: token.column,
                                                             text: text.trimmingWhitespace, steps: steps), uses: uses)))
        }
        if let brace = open.last { throw error("'{' is never closed", at: brace) }
        return result
    }

    /// The keyword of loops.
    static let repeatKeyword = "repeat"

    /// A loop's count, right after `repeat`: a whole number from 0 to ``Script/maximumLoopCount``,
    /// written as a number.
    private mutating func loopCount(after keyword: Token) throws(ScriptError) -> Int {
        let range = "a whole number from 0 to \(Script.maximumLoopCount)"
        guard position < tokens.count, tokens[position].kind != .newline, tokens[position].kind != .end else {
            throw error("expected the number of steps after 'repeat': a loop is repeat N { statements }, N \(range)", at: keyword)
        }
        let token = tokens[position]
        switch token.kind {
        case .number(let x):
            guard x == x.rounded(.towardZero) else { throw error("a loop's count is \(range), not \(symbol(token))", at: token) }
            guard x <= Double(Script.maximumLoopCount) else {
                throw error("a loop's count is at most \(Script.maximumLoopCount), not \(symbol(token))", at: token)
            }
            position += 1
            return Int(x)
        case .minus:
            throw error("a loop's count is \(range): it cannot be negative", at: token)
        case .name(let name):
            throw error("a loop's count is \(range) written in the program, not a name ('\(quoted: name)')", at: token)
        default:
            throw error("a loop's count is \(range), written as a number: repeat 1000 { … }", at: token)
        }
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
                if name == Self.repeatKeyword {
                    throw error("'repeat' is a keyword (repeat N { statements }), not a value", at: token)
                }
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
            case .leftBrace:
                throw error("unexpected '{' (a loop is repeat N { statements }, on its own)", at: token)
            case .end, .newline, .rightBrace:
                guard !expectOperand else {
                    throw error(output.isEmpty && pending.isEmpty ? "expected an expression after '='" : "expected an expression after '\(symbol(previous))'", at: token)
                }
                while let top = pending.popLast() {
                    if case .parenthesis(let open) = top { throw error("'(' is never closed", at: open) }
                    if case .function(_, let name, _) = top { throw error("'\(symbol(name))(' is never closed", at: name) }
                    emit(top)
                }
                // A '}' ends the statement and then its loop's body.
                if position < tokens.count && token.kind != .rightBrace { position += 1 }
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
        case .leftBrace: "{"
        case .rightBrace: "}"
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
