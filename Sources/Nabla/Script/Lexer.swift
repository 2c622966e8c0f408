/// A token of the tutorial's notation, with its place in the source.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        case plus, minus, times, divide, power        // + - * / ^ (or **)
        case leftParenthesis, rightParenthesis, comma, equals
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
}

/// Splits program text into tokens. One pass, no recursion; `#` starts a comment.
struct Lexer {
    let lines: [Substring]

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func tokens() throws(ScriptError) -> [Token] {
        var tokens: [Token] = []
        for (lineIndex, rawLine) in lines.enumerated() {
            let line = Array(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            let lineNumber = lineIndex + 1
            var i = 0
            var spaced = true
            func add(_ kind: Token.Kind, _ start: Int, _ length: Int) {
                tokens.append(Token(kind: kind, line: lineNumber, column: start + 1, length: length, spaced: spaced))
                spaced = false
            }
            while i < line.count {
                let c = line[i]
                if c == "#" { break }
                if c == " " || c == "\t" { spaced = true; i += 1; continue }
                let start = i
                if c.isASCII && (c.isNumber || (c == "." && i + 1 < line.count && line[i + 1].isNumber)) {
                    while i < line.count && (line[i].isASCII && line[i].isNumber || line[i] == ".") { i += 1 }
                    // An exponent only when digits follow: `2e3` is 2000, but `2e` is 2·e.
                    if i < line.count, line[i] == "e" || line[i] == "E" {
                        var j = i + 1
                        if j < line.count, line[j] == "+" || line[j] == "-" { j += 1 }
                        if j < line.count, line[j].isASCII && line[j].isNumber {
                            i = j
                            while i < line.count && line[i].isASCII && line[i].isNumber { i += 1 }
                        }
                    }
                    let text = String(line[start..<i])
                    guard let value = Double(text), text.filter({ $0 == "." }).count <= 1 else {
                        throw error("malformed number '\(text)'", lineNumber, start, i - start)
                    }
                    add(.number(value), start, i - start)
                    continue
                }
                if c == "_" || (c.isLetter) {
                    while i < line.count && (line[i] == "_" || line[i].isLetter || (line[i].isASCII && line[i].isNumber)) { i += 1 }
                    add(.name(String(line[start..<i])), start, i - start)
                    continue
                }
                i += 1
                switch c {
                case "+": add(.plus, start, 1)
                case "-": add(.minus, start, 1)
                case "*":
                    if i < line.count && line[i] == "*" { i += 1; add(.power, start, 2) } else { add(.times, start, 1) }
                case "/": add(.divide, start, 1)
                case "^": add(.power, start, 1)
                case "(": add(.leftParenthesis, start, 1)
                case ")": add(.rightParenthesis, start, 1)
                case ",": add(.comma, start, 1)
                case "=": add(.equals, start, 1)
                case ";": add(.end, start, 1)
                default: throw error("unexpected character '\(c)'", lineNumber, start, 1)
                }
            }
            add(.newline, line.count, 1)
        }
        return tokens
    }

    func error(_ message: String, _ line: Int, _ start: Int, _ length: Int) -> ScriptError {
        ScriptError(message, line: line, column: start + 1, length: length, sourceLine: String(lines[line - 1]))
    }
}
