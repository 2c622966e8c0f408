/// A token of the tutorial's notation, with its place in the source.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        case plus, minus, times, divide, power        // + - * / ^ (or **)
        case leftParenthesis, rightParenthesis, comma, equals
        case leftBrace, rightBrace                    // { } around a loop's body
        case end                                      // ;
        case newline                                  // the end of a line
    }
    var kind: Kind
    var line: Int
    var column: Int
    var length: Int
    /// Whether whitespace came right before this token (a number multiplies a name or a
    /// parenthesis only when written right before it: `3a`, `3(a + 1)`).
    var spaced: Bool
    /// Where the token starts in its line (an index of `Lexer.lines[line - 1]`).
    var start: String.Index
    /// For a number with an exponent, the name its exponent would start were it not one: `e`
    /// for `2e-1` (which could be 2·e − 1), `e3` for `2e3` (2·e3). See `Script(parsing:)`.
    var exponentAsName: String? = nil
}

/// Splits program text into tokens. One pass, no recursion; `#` starts a comment. Lines end at
/// `\n`, `\r\n` or a lone `\r` (Unix, Windows and classic Mac files); a tab is a space.
struct Lexer {
    let lines: [Substring]

    init(_ text: Substring) {
        lines = text.split(omittingEmptySubsequences: false) { Self.isLineBreak($0) }
    }

    static func isLineBreak(_ c: Character) -> Bool { c == "\n" || c == "\r\n" || c == "\r" }

    func tokens() throws(ScriptError) -> [Token] {
        var tokens: [Token] = []
        for (lineIndex, line) in lines.enumerated() {
            let lineNumber = lineIndex + 1
            // The line is walked by index, counting columns (characters), without a copy.
            var i = line.startIndex
            var column = 0
            var spaced = true
            func peek(_ k: String.Index) -> Character? { k < line.endIndex ? line[k] : nil }
            func advance() {
                i = line.index(after: i)
                column += 1
            }
            func add(_ kind: Token.Kind, _ start: String.Index, _ startColumn: Int) {
                tokens.append(Token(kind: kind, line: lineNumber, column: startColumn + 1, length: column - startColumn,
                                    spaced: spaced, start: start))
                spaced = false
            }
            while i < line.endIndex {
                let c = line[i]
                if c == "#" { break }
                if c == " " || c == "\t" { spaced = true; advance(); continue }
                let (start, startColumn) = (i, column)
                if c.isASCIIDigit || (c == "." && peek(line.index(after: i))?.isASCIIDigit == true) {
                    while let d = peek(i), d.isASCIIDigit || d == "." { advance() }
                    // An exponent only when digits follow: `2e3` is 2000, but `2e` is 2·e.
                    var exponentAsName: String?
                    if let e = peek(i), e == "e" || e == "E" {
                        var (j, jColumn) = (line.index(after: i), column + 1)
                        if let sign = peek(j), sign == "+" || sign == "-" { (j, jColumn) = (line.index(after: j), jColumn + 1) }
                        if peek(j)?.isASCIIDigit == true {
                            var end = i
                            while let d = peek(end), d == "_" || d.isLetter || d.isASCIIDigit { end = line.index(after: end) }
                            exponentAsName = String(line[i..<end])
                            (i, column) = (j, jColumn)
                            while peek(i)?.isASCIIDigit == true { advance() }
                        }
                    }
                    let text = line[start..<i]
                    switch DecimalNumber.value(of: text) {
                    case .success(let value):
                        add(.number(value), start, startColumn)
                        tokens[tokens.count - 1].exponentAsName = exponentAsName
                    case .failure(let problem):
                        throw error(problem.describing("the number '\(quoted: text)'", malformed: "malformed number '\(quoted: text)'"),
                                    lineNumber, startColumn, column - startColumn)
                    }
                    continue
                }
                if c == "_" || c.isLetter {
                    while let d = peek(i), d == "_" || d.isLetter || d.isASCIIDigit { advance() }
                    let name = String(line[start..<i])
                    if DecimalNumber.reservedWords.contains(name.lowercased()) {
                        throw error("'\(quoted: name)' is reserved: values are finite numbers, and nan, inf and infinity (in any case) are not names",
                                    lineNumber, startColumn, column - startColumn)
                    }
                    add(.name(name), start, startColumn)
                    continue
                }
                advance()
                switch c {
                case "+": add(.plus, start, startColumn)
                case "-": add(.minus, start, startColumn)
                case "*":
                    if peek(i) == "*" { advance(); add(.power, start, startColumn) } else { add(.times, start, startColumn) }
                case "/": add(.divide, start, startColumn)
                case "^": add(.power, start, startColumn)
                case "(": add(.leftParenthesis, start, startColumn)
                case ")": add(.rightParenthesis, start, startColumn)
                case ",": add(.comma, start, startColumn)
                case "=": add(.equals, start, startColumn)
                case "{": add(.leftBrace, start, startColumn)
                case "}": add(.rightBrace, start, startColumn)
                case ";": add(.end, start, startColumn)
                default: throw error("unexpected character \(Self.describe(c))", lineNumber, startColumn, 1)
                }
            }
            tokens.append(Token(kind: .newline, line: lineNumber, column: column + 1, length: 1, spaced: spaced, start: line.endIndex))
        }
        return tokens
    }

    /// `'$'`, or `U+0007` for a character that does not print.
    static func describe(_ c: Character) -> String {
        let printable = c.unicodeScalars.allSatisfy { scalar in
            ![.control, .format, .unassigned, .privateUse, .surrogate, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory)
        }
        if printable { return "'\(c)'" }
        return c.unicodeScalars.map { scalar in
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: Swift.max(0, 4 - hex.count)) + hex
        }.joined(separator: " ")
    }

    func error(_ message: String, _ line: Int, _ start: Int, _ length: Int) -> ScriptError {
        ScriptError(message, line: line, column: start + 1, length: length, sourceLine: String(lines[line - 1]))
    }
}

/// Decimal numbers, as program literals and input values are written: digits with at most one
/// point and an optional exponent (`2`, `-0.5`, `.5`, `1e-3`), and nothing else: no hexadecimal,
/// no `inf` or `nan`, no digit separators.
enum DecimalNumber {
    /// Words that would read as a non-finite number; the notation reserves them (in any case).
    static let reservedWords: Set<String> = ["nan", "inf", "infinity"]

    enum Problem: Error {
        /// Not a decimal number.
        case malformed
        /// Beyond the largest finite double: it would be ±∞.
        case tooLarge
        /// Not zero, but closer to zero than the smallest double: it would be 0.
        case tooSmall

        /// The problem in words, about `subject` (`the number '1e309'`).
        func describing(_ subject: String, malformed: String) -> String {
            switch self {
            case .malformed: malformed
            case .tooLarge: "\(subject) is too large: it would be inf (the largest double is about 1.8e308)"
            case .tooSmall: "\(subject) is too small: it would be 0 (the smallest positive double is about 4.9e-324)"
            }
        }
    }

    /// The value of `text`, which must be a whole decimal number (with an optional sign) that a
    /// double holds: finite, and not rounded to zero from a non-zero number.
    static func value(of text: some StringProtocol) -> Result<Double, Problem> {
        let bytes = Array(text.utf8)
        var i = 0
        func digits() -> (count: Int, nonZero: Bool) {
            let start = i
            var nonZero = false
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                nonZero = nonZero || bytes[i] != UInt8(ascii: "0")
                i += 1
            }
            return (i - start, nonZero)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        let whole = digits()
        var fraction = (count: 0, nonZero: false)
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            fraction = digits()
        }
        guard whole.count + fraction.count > 0 else { return .failure(.malformed) }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits().count > 0 else { return .failure(.malformed) }
        }
        guard i == bytes.count, let value = Double(String(text)) else { return .failure(.malformed) }
        if !value.isFinite { return .failure(.tooLarge) }
        if value == 0 && (whole.nonZero || fraction.nonZero) { return .failure(.tooSmall) }
        return .success(value)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
