extension JSON {
    /// A parsed JSON value. Objects keep their members in order, repeated keys included, so a
    /// reader can reject a repeat instead of one value silently replacing the other; numbers
    /// keep their text, so a reader decides which forms and ranges it accepts.
    enum Value {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        case number(String)
        case bool(Bool)
        case null

        /// The value if it is an integer written without fraction or exponent that fits `Int`.
        var integer: Int? {
            guard case .number(let text) = self else { return nil }
            return Int(text)
        }

        /// Compact JSON text, for messages: cut after `limit` characters.
        func summary(limit: Int = 60) -> String {
            let text = compact
            return text.count <= limit ? text : text.prefix(limit) + "…"
        }

        private var compact: String {
            switch self {
            case .object(let members): "{" + members.map { JSON.string($0.key) + ":" + $0.value.compact }.joined(separator: ",") + "}"
            case .array(let elements): "[" + elements.map(\.compact).joined(separator: ", ") + "]"
            case .string(let string): JSON.string(string)
            case .number(let text): text
            case .bool(let value): value ? "true" : "false"
            case .null: "null"
            }
        }
    }

    /// Why text is not JSON, and where: `byteOffset` is an index of the parsed bytes.
    struct SyntaxError: Error, Equatable {
        var byteOffset: Int
        var reason: String
    }

    /// The one JSON value that `bytes` hold, with optional whitespace around it (RFC 8259;
    /// strings must be UTF-8). Nesting deeper than ``maximumDepth`` is an error rather than a
    /// stack overflow. Error offsets are indices of `bytes`, so a slice of a file reports file
    /// offsets.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(SyntaxError) -> Value {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if let byte = parser.peek {
            throw SyntaxError(byteOffset: parser.position, reason: "unexpected \(Parser.describe(byte)) after the JSON value")
        }
        return value
    }

    static let maximumDepth = 128
}

/// A recursive-descent parser over UTF-8 bytes.
private struct Parser {
    let bytes: ArraySlice<UInt8>
    var position: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var peek: UInt8? { position < bytes.endIndex ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t") {
            position += 1
        }
    }

    func failure(_ reason: String, at offset: Int? = nil) -> JSON.SyntaxError {
        JSON.SyntaxError(byteOffset: offset ?? position, reason: reason)
    }

    /// A byte for a message: `'x'` if printable ASCII, else its hex value.
    static func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the input" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    mutating func value(depth: Int) throws(JSON.SyntaxError) -> JSON.Value {
        skipWhitespace()
        guard depth <= JSON.maximumDepth else { throw failure("nested deeper than \(JSON.maximumDepth) levels") }
        guard let byte = peek else { throw failure("expected a value, found the end of the input") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: throw failure("expected a value, found \(Self.describe(byte))")
        }
    }

    private mutating func object(depth: Int) throws(JSON.SyntaxError) -> JSON.Value {
        position += 1  // {
        var members: [(key: String, value: JSON.Value)] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw failure("expected a string key, found \(Self.describe(peek))") }
            let key = try string()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw failure("expected ':' after the key \(JSON.string(key)), found \(Self.describe(peek))") }
            position += 1
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            case let byte: throw failure("expected ',' or '}' in an object, found \(Self.describe(byte))")
            }
        }
    }

    private mutating func array(depth: Int) throws(JSON.SyntaxError) -> JSON.Value {
        position += 1  // [
        var elements: [JSON.Value] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            case let byte: throw failure("expected ',' or ']' in an array, found \(Self.describe(byte))")
            }
        }
    }

    private mutating func string() throws(JSON.SyntaxError) -> String {
        let start = position
        position += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek else { throw failure("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw failure("the string is not valid UTF-8", at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case 0..<0x20:
                throw failure("control character \(Self.describe(byte)) in a string (JSON needs it escaped)")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    /// Reads one escape sequence (at its backslash) and appends what it stands for.
    private mutating func escape(into utf8: inout [UInt8]) throws(JSON.SyntaxError) {
        let start = position
        position += 1  // \
        guard let letter = peek else { throw failure("unterminated string") }
        position += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(letter)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var value = UInt32(try hexQuad())
            if (0xD800..<0xDC00).contains(value) {
                // A high surrogate must be followed by an escaped low one.
                guard peek == UInt8(ascii: "\\"), position + 1 < bytes.endIndex, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("unpaired surrogate in a \\u escape", at: start)
                }
                position += 2
                let low = UInt32(try hexQuad())
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a \\u escape", at: start) }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(value) {
                throw failure("unpaired surrogate in a \\u escape", at: start)
            }
            UTF8.encode(Unicode.Scalar(value)!) { utf8.append($0) }
        default:
            throw failure("unknown escape '\\\(Character(Unicode.Scalar(letter)))' in a string", at: start)
        }
    }

    private mutating func hexQuad() throws(JSON.SyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek, let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                throw failure("expected 4 hex digits after \\u, found \(Self.describe(peek))")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// A number as RFC 8259 writes it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    private mutating func number() throws(JSON.SyntaxError) -> String {
        let start = position
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }
        func digits() throws(JSON.SyntaxError) {
            guard isDigit(peek) else { throw failure("expected a digit in a number, found \(Self.describe(peek))") }
            while isDigit(peek) { position += 1 }
        }
        if peek == UInt8(ascii: "-") { position += 1 }
        if peek == UInt8(ascii: "0") {
            position += 1
            if isDigit(peek) { throw failure("a number cannot have a leading zero", at: start) }
        } else {
            try digits()
        }
        if peek == UInt8(ascii: ".") {
            position += 1
            try digits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func literal(_ word: String, _ value: JSON.Value) throws(JSON.SyntaxError) -> JSON.Value {
        for expected in word.utf8 {
            guard peek == expected else { throw failure("expected \(word), found \(Self.describe(peek))") }
            position += 1
        }
        return value
    }
}
