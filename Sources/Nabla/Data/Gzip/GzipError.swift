/// What can go wrong when ``Gzip`` reads a gzip file (RFC 1952) or a DEFLATE stream (RFC 1951).
///
/// Offsets are byte offsets into the input that was passed in: the byte where the problem was
/// found (for a Huffman code, the byte holding its first bit).
public enum GzipError: Error, Equatable, CustomStringConvertible {
    /// The input does not start with gzip's magic bytes `1f 8b`.
    case notGzip(firstBytes: [UInt8])
    /// The header names a compression method other than 8 (DEFLATE), the only one RFC 1952 defines.
    case unsupportedMethod(UInt8, offset: Int)
    /// The header sets flag bits that RFC 1952 reserves (0xE0).
    case reservedFlags(UInt8, offset: Int)
    /// The input ends in the middle of `part`.
    case truncated(Part)
    /// A block header has type 3, which RFC 1951 reserves.
    case invalidBlockType(offset: Int)
    /// A stored block's length and its one's complement disagree.
    case storedLengthMismatch(length: Int, complement: Int, offset: Int)
    /// A dynamic block's Huffman code lengths do not describe a usable code.
    case invalidCodeLengths(String, offset: Int)
    /// The bits at `offset` are not a code of the current Huffman code, or decode to one of the
    /// symbols that RFC 1951 reserves (literal/length 286–287, distance 30–31).
    case invalidCode(offset: Int)
    /// A match points `distance` bytes back when only `available` bytes have been produced.
    case distanceTooFar(distance: Int, available: Int, offset: Int)
    /// The header's CRC-16 (FHCRC) differs from that of the header's bytes.
    case headerChecksumMismatch(stored: UInt16, computed: UInt16)
    /// The trailer's CRC-32 differs from that of the decompressed bytes.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// The trailer's ISIZE differs from the decompressed size (modulo 2³²).
    case sizeMismatch(stored: UInt32, actual: UInt32)
    /// Bytes follow the end of the data that are neither padding nor another gzip member.
    case trailingBytes(count: Int, offset: Int)

    /// The part of the input being read when it ended.
    public enum Part: String, Sendable, Equatable {
        case header = "the gzip header"
        case blockHeader = "a block header"
        case storedBlock = "a stored block"
        case codeLengths = "a dynamic block's code lengths"
        case compressedData = "compressed data"
        case trailer = "the gzip trailer"
    }

    /// A message giving the problem and, where known, the byte offset at which it was found.
    public var description: String {
        switch self {
        case .notGzip(let firstBytes):
            let shown = firstBytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
            return "not gzip data: it starts with [\(shown.joined(separator: " "))], not the magic bytes [1f 8b]"
        case .unsupportedMethod(let method, let offset):
            return "unsupported compression method \(method) at byte \(offset) (only 8, DEFLATE, exists)"
        case .reservedFlags(let flags, let offset):
            return "the gzip header sets reserved flag bits (flags 0x\(String(flags, radix: 16)) at byte \(offset))"
        case .truncated(let part):
            return "truncated input: it ends inside \(part.rawValue)"
        case .invalidBlockType(let offset):
            return "invalid DEFLATE block type 3 (reserved) at byte \(offset)"
        case .storedLengthMismatch(let length, let complement, let offset):
            return "stored block at byte \(offset): length \(length) does not match its complement \(complement)"
        case .invalidCodeLengths(let reason, let offset):
            return "invalid Huffman code lengths at byte \(offset): \(reason)"
        case .invalidCode(let offset):
            return "invalid Huffman code at byte \(offset)"
        case .distanceTooFar(let distance, let available, let offset):
            return "invalid distance \(distance) at byte \(offset): only \(available) bytes have been produced"
        case .headerChecksumMismatch(let stored, let computed):
            return "gzip header checksum mismatch: the header says 0x\(String(stored, radix: 16)), its bytes give 0x\(String(computed, radix: 16))"
        case .checksumMismatch(let stored, let computed):
            return "CRC-32 mismatch: the trailer says 0x\(String(stored, radix: 16)), the data gives 0x\(String(computed, radix: 16))"
        case .sizeMismatch(let stored, let actual):
            return "size mismatch: the trailer says \(stored) bytes, the data has \(actual) (modulo 2^32)"
        case .trailingBytes(let count, let offset):
            return "\(count) unexpected bytes after the end of the data, from byte \(offset)"
        }
    }
}
