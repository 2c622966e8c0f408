/// A problem with a program in the tutorial's notation, with where it is.
public struct ScriptError: Error, Equatable, CustomStringConvertible, Sendable {
    /// 1-based line and column of the offending text, when the problem has a place.
    public var line: Int?
    public var column: Int?
    /// How many characters the caret marks.
    public var length: Int
    public var message: String
    /// The source line, for showing the caret under it.
    public var sourceLine: String?

    public init(_ message: String, line: Int? = nil, column: Int? = nil, length: Int = 1, sourceLine: String? = nil) {
        self.message = message
        self.line = line
        self.column = column
        self.length = max(1, length)
        self.sourceLine = sourceLine
    }

    /// One line for the message; for errors with a place, the source line and a caret under the
    /// offending text follow:
    ///
    ///     line 2, column 9: expected an expression after '*'
    ///       c = 2b *
    ///               ^
    public var description: String {
        guard let line, let column else { return message }
        var text = "line \(line), column \(column): \(message)"
        if let sourceLine {
            let shown = sourceLine.replacingTabs
            text += "\n  \(shown)\n  " + String(repeating: " ", count: column - 1) + String(repeating: "^", count: length)
        }
        return text
    }
}

private extension String {
    var replacingTabs: String { String(map { $0 == "\t" ? " " : $0 }) }
}
