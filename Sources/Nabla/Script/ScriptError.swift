/// A problem with a program in the tutorial's notation, with where it is.
public struct ScriptError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The line of the offending text (1-based), when the problem has a place.
    public var line: Int?
    /// The column where the offending text starts (1-based, in characters), when the problem
    /// has a place.
    public var column: Int?
    /// How many characters the caret marks.
    public var length: Int
    /// What is wrong, without the place.
    public var message: String
    /// The source line, for showing the caret under it.
    public var sourceLine: String?

    /// An error saying `message`, at `line` and `column` (1-based) when it has a place, marking
    /// `length` characters (at least 1) of `sourceLine`.
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
    ///
    /// A source line longer than ``excerptWidth`` characters is shown as an excerpt around the
    /// offending column, cut ends marked `…`, so an error in a 5 MB line prints a short line.
    /// Tabs are shown as spaces and control characters as `�`, so the caret lines up and nothing
    /// in the input can drive the terminal.
    public var description: String {
        guard let line, let column else { return message }
        var text = "line \(line), column \(column): \(message)"
        if let sourceLine {
            let (shown, caretOffset, caretLength) = Self.excerpt(sourceLine, column: column, length: length)
            text += "\n  \(shown)\n  " + String(repeating: " ", count: caretOffset) + String(repeating: "^", count: caretLength)
        }
        return text
    }

    /// The most characters of a source line an error shows.
    public static let excerptWidth = 80

    /// The part of `line` shown under an error at `column` (1-based) marking `length`
    /// characters, the caret's offset in it and the caret's length.
    static func excerpt(_ line: String, column: Int, length: Int) -> (String, Int, Int) {
        let width = excerptWidth
        let count = line.count
        let at = column - 1
        var start = 0, end = count
        if count > width {
            // The offending text starts a third of the way in, unless the line ends sooner.
            start = Swift.max(0, Swift.min(at - width / 3, count - width))
            end = Swift.min(count, start + width)
        }
        let lower = line.index(line.startIndex, offsetBy: start)
        let upper = line.index(lower, offsetBy: end - start)
        let shown = (start > 0 ? "…" : "") + String(line[lower..<upper]).printable + (end < count ? "…" : "")
        let caretOffset = at - start + (start > 0 ? 1 : 0)
        let caretLength = Swift.max(1, Swift.min(length, end - at))
        return (shown, caretOffset, caretLength)
    }
}

extension StringProtocol {
    /// Tabs as spaces and other control characters as `�`, one column each.
    var printable: String {
        String(map { c -> Character in
            if c == "\t" { return " " }
            return c.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "\u{FFFD}" : c
        })
    }
}

extension DefaultStringInterpolation {
    /// Text from the user's input inside a message: at most `limit` characters of it, with `…` where it was cut, control characters shown as `�`.
    mutating func appendInterpolation(quoted text: some StringProtocol, limit: Int = ScriptError.quotedLength) {
        let head = text.prefix(limit + 1)
        appendLiteral(head.count > limit ? head.dropLast().printable + "…" : head.printable)
    }
}

extension ScriptError {
    /// The most characters of a name, a number or a statement a message quotes.
    public static let quotedLength = 40

    /// A list of names for a message: the first few, then how many more.
    static func list(_ names: [String], limit: Int = 8) -> String {
        let shown = names.prefix(limit).map { "\(quoted: $0)" }.joined(separator: ", ")
        return names.count > limit ? shown + ", … (\(names.count) in all)" : shown
    }
}
