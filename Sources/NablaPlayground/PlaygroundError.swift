import Foundation
import Nabla

/// An answer of the playground's API that is not an explanation: the HTTP status, what is wrong
/// and, for an error in the program, where (the line, the column and the source line, to draw
/// the caret under it as `nabla` does on the command line).
///
/// Its JSON body (``json``) is an object with `error` (the message) and `status`, and where
/// they apply `field` (the request's field at fault: `program`, `at`, `order` or `output`),
/// `line`, `column` and `length` (1-based; the caret marks `length` characters from `column`),
/// `sourceLine`, and `text`: the message as `nabla` prints it, caret lines included.
public struct PlaygroundError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The HTTP status: 400 for a bad request or a program with an error, 404, 405, 413 for a
    /// body over the size limit, 422 for a program over the work or time limits, 503 when every
    /// evaluation slot stayed busy past the deadline.
    public var status: Int
    /// What is wrong, without the place.
    public var message: String
    /// The request's field at fault (`program`, `at`, `order`, `output`), if one is.
    public var field: String?
    /// The program's error with its place, when the program is at fault.
    public var scriptError: ScriptError?

    /// An error answered with `status`, saying `message`, blaming `field` when one is given.
    public init(status: Int, _ message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }

    /// An error in the program (status 400, or `status`), with its place. A place without its
    /// source line (a domain error names the statement's line and column only) gets the line
    /// from `program`, so that the caret can be drawn.
    public init(_ error: ScriptError, program: String? = nil, field: String? = "program", status: Int = 400) {
        var error = error
        if let line = error.line, error.sourceLine == nil, let program {
            let lines = program.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
            if line >= 1, line <= lines.count { error.sourceLine = String(lines[line - 1]) }
        }
        self.init(status: status, error.message, field: field)
        scriptError = error
    }

    /// The message as `nabla` prints it: for an error in the program with a place, `line L,
    /// column C: message` and the source line with a caret under the offending text.
    public var description: String { scriptError?.description ?? message }

    /// The JSON body of the answer (see the type's description).
    public var json: String {
        var body = ErrorBody(error: message, status: status, field: field, text: description)
        if let scriptError, let line = scriptError.line, let column = scriptError.column {
            (body.line, body.column, body.length, body.sourceLine) = (line, column, scriptError.length, scriptError.sourceLine)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and integers cannot fail.
        return (try? encoder.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"error":"internal error"}"#
    }

    private struct ErrorBody: Encodable {
        var error: String
        var status: Int
        var field: String?
        var text: String
        var line: Int?
        var column: Int?
        var length: Int?
        var sourceLine: String?
    }
}
