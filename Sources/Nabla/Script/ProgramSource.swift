#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a program's text from a file or from standard input, bounded and checked.
///
/// At most ``Script/maximumProgramBytes`` bytes are read, whatever the source (a regular file, a
/// pipe, `/dev/zero`): a longer source is an error, found without reading past the bound. The
/// bytes must be UTF-8; the error for bytes that are not names the line, the column and the
/// byte offset of the first bad byte. A leading byte-order mark is dropped. Every failure is a
/// ``ScriptError`` naming the source; nothing here stops the program.
public enum ProgramSource {
    /// The text of the file at `path`.
    public static func readFile(_ path: String) throws(ScriptError) -> String {
        let name = "the file '\(quoted: path)'"
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ScriptError("cannot read \(name): \(systemReason())") }
        defer { close(descriptor) }
        return try text(decoding: readBounded(descriptor, name), from: name)
    }

    /// The text of standard input, read to its end.
    public static func readStandardInput() throws(ScriptError) -> String {
        try text(decoding: readBounded(STDIN_FILENO, "standard input"), from: "standard input")
    }

    /// Decodes `bytes` as UTF-8 (dropping a leading byte-order mark). `source` names where the
    /// bytes came from, for the error: `line 2, column 7: invalid UTF-8 in standard input at byte
    /// offset 19 (0xFF)`, with the line (bad bytes shown as �) and a caret.
    public static func text(decoding bytes: [UInt8], from source: String) throws(ScriptError) -> String {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let body = bytes[start...]
        guard body.count <= Script.maximumProgramBytes else { throw tooLong(source) }
        if let text = String(validating: body, as: UTF8.self) { return text }
        throw invalidUTF8(body, from: source)
    }

    /// Reads to the end of `descriptor`, stopping with an error once more than the bound has come.
    private static func readBounded(_ descriptor: Int32, _ source: String) throws(ScriptError) -> [UInt8] {
        // The bound plus a byte-order mark, which is dropped.
        let limit = Script.maximumProgramBytes + 3
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            if filled == buffer.count {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * buffer.count, alignment: 1)
                larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
                buffer.deallocate()
                buffer = larger
            }
            let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw ScriptError("cannot read \(source): \(systemReason())")
            }
            if count == 0 { break }
            filled += count
            if filled > limit { throw tooLong(source) }
        }
        return [UInt8](unsafeUninitializedCapacity: filled) { bytes, initialized in
            if filled > 0 { UnsafeMutableRawPointer(bytes.baseAddress!).copyMemory(from: buffer.baseAddress!, byteCount: filled) }
            initialized = filled
        }
    }

    private static func tooLong(_ source: String) -> ScriptError {
        ScriptError("\(source) is longer than \(Script.maximumProgramBytes >> 20) MiB, the largest program accepted")
    }

    /// The error for the first byte sequence of `bytes` that is not UTF-8; offsets count from the
    /// start of the array `bytes` is a slice of.
    private static func invalidUTF8(_ bytes: ArraySlice<UInt8>, from source: String) -> ScriptError {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = bytes.startIndex
        var badLength = 1
        parsing: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error(let length): badLength = length; break parsing
            case .emptyInput: break parsing
            }
        }
        // Lines end as the lexer ends them: at \n, \r\n or a lone \r.
        let (cr, lf) = (UInt8(ascii: "\r"), UInt8(ascii: "\n"))
        let isBreak = { (byte: UInt8) in byte == cr || byte == lf }
        let lineStart = bytes[..<offset].lastIndex(where: isBreak).map { $0 + 1 } ?? bytes.startIndex
        let lineEnd = bytes[offset...].firstIndex(where: isBreak) ?? bytes.endIndex
        var line = 1
        for k in bytes.startIndex..<offset where bytes[k] == cr || (bytes[k] == lf && (k == bytes.startIndex || bytes[k - 1] != cr)) {
            line += 1
        }
        let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1
        let shown = bytes[offset..<min(offset + badLength, bytes.endIndex)].map { "0x" + String($0, radix: 16, uppercase: true) }
        return ScriptError("invalid UTF-8 in \(source) at byte offset \(offset) (\(shown.joined(separator: " "))); save the program as UTF-8",
                           line: line, column: column, length: 1,
                           sourceLine: String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self))
    }

    /// Whether `path` and `other` name the same existing file, however written: through
    /// symbolic links, `./` or `..`, or as two hard links (the same device and inode). Used to
    /// refuse an output file that is the program's own file.
    public static func isSameFile(_ path: String, _ other: String) -> Bool {
        var (a, b) = (stat(), stat())
        guard stat(path, &a) == 0, stat(other, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
