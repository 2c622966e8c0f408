/// A gzip (RFC 1952) and DEFLATE (RFC 1951) decoder, written from the specifications so that
/// the library reads its compressed data files without a system zlib.
///
/// ```swift
/// let text = try Gzip.decompress(compressedBytes)
/// ```
///
/// It decodes all three block types (stored, fixed Huffman, dynamic Huffman), skips the optional
/// header fields (FEXTRA, FNAME, FCOMMENT) and checks the header CRC-16 (FHCRC), the CRC-32 and
/// the size in each member's trailer. Malformed input throws a ``GzipError``; it never traps or
/// loops forever, and never reads past the input.
public enum Gzip {
    /// The bytes that gzip data encodes.
    ///
    /// A gzip file is one or more members, each a header, a DEFLATE stream and a trailer (CRC-32
    /// and size modulo 2³² of its output); the members' outputs are concatenated, as `gzip -d`
    /// does. Zero bytes after the last member (padding, as tape archives leave) are ignored.
    public static func decompress(_ bytes: [UInt8]) throws(GzipError) -> [UInt8] {
        var output: [UInt8] = []
        var position = 0
        while true {
            let dataStart = try readHeader(bytes, at: position)
            let (member, end) = try Inflater.inflate(bytes, from: dataStart)
            guard end + 8 <= bytes.count else { throw .truncated(.trailer) }
            let storedCRC = littleEndian32(bytes, at: end)
            let storedSize = littleEndian32(bytes, at: end + 4)
            let computedCRC = CRC32.checksum(member)
            guard storedCRC == computedCRC else { throw .checksumMismatch(stored: storedCRC, computed: computedCRC) }
            let actualSize = UInt32(truncatingIfNeeded: member.count)
            guard storedSize == actualSize else { throw .sizeMismatch(stored: storedSize, actual: actualSize) }
            if output.isEmpty { output = member } else { output += member }
            position = end + 8

            let rest = bytes[position...]
            if rest.allSatisfy({ $0 == 0 }) { return output }
            guard magic.starts(with: rest.prefix(2)) else {
                throw .trailingBytes(count: rest.count, offset: position)
            }
        }
    }

    /// The bytes that a raw DEFLATE stream (no gzip or zlib wrapper) encodes. Bytes after the
    /// final block are an error.
    public static func inflate(_ deflateStream: [UInt8]) throws(GzipError) -> [UInt8] {
        let (output, end) = try Inflater.inflate(deflateStream, from: 0)
        guard end == deflateStream.count else {
            throw .trailingBytes(count: deflateStream.count - end, offset: end)
        }
        return output
    }

    // MARK: The member header

    private static let magic: [UInt8] = [0x1F, 0x8B]
    private static let deflateMethod: UInt8 = 8

    /// The header flags (RFC 1952 §2.3.1).
    private struct Flags: OptionSet {
        let rawValue: UInt8
        static let text = Flags(rawValue: 1 << 0)
        static let headerCRC = Flags(rawValue: 1 << 1)
        static let extra = Flags(rawValue: 1 << 2)
        static let name = Flags(rawValue: 1 << 3)
        static let comment = Flags(rawValue: 1 << 4)
        static let reserved = Flags(rawValue: 0xE0)
    }

    /// Checks the member header at `start` and returns the offset of its DEFLATE stream.
    ///
    /// The header is ID1 ID2 (1f 8b), CM (8), FLG, MTIME (4 bytes), XFL, OS; then, as FLG says,
    /// XLEN and XLEN bytes of extra fields, a zero-terminated name, a zero-terminated comment,
    /// and the low 16 bits of the CRC-32 of the header bytes before it.
    private static func readHeader(_ bytes: [UInt8], at start: Int) throws(GzipError) -> Int {
        guard magic.starts(with: bytes[start..<min(start + 2, bytes.count)]) else {
            throw .notGzip(firstBytes: Array(bytes[start..<min(start + 4, bytes.count)]))
        }
        guard bytes.count - start >= 10 else { throw .truncated(.header) }
        guard bytes[start + 2] == deflateMethod else { throw .unsupportedMethod(bytes[start + 2], offset: start + 2) }
        let flags = Flags(rawValue: bytes[start + 3])
        guard flags.isDisjoint(with: .reserved) else { throw .reservedFlags(flags.rawValue, offset: start + 3) }

        var position = start + 10
        if flags.contains(.extra) {
            guard position + 2 <= bytes.count else { throw .truncated(.header) }
            let extraLength = Int(bytes[position]) | Int(bytes[position + 1]) << 8
            position += 2 + extraLength
        }
        for field in [Flags.name, .comment] where flags.contains(field) {
            guard position < bytes.count, let terminator = bytes[position...].firstIndex(of: 0) else {
                throw .truncated(.header)
            }
            position = terminator + 1
        }
        if flags.contains(.headerCRC) {
            guard position + 2 <= bytes.count else { throw .truncated(.header) }
            let stored = UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
            let computed = UInt16(truncatingIfNeeded: CRC32.checksum(bytes[start..<position]))
            guard stored == computed else { throw .headerChecksumMismatch(stored: stored, computed: computed) }
            position += 2
        }
        guard position <= bytes.count else { throw .truncated(.header) }
        return position
    }

    private static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { value, k in value | UInt32(bytes[offset + k]) << (8 * k) }
    }
}
