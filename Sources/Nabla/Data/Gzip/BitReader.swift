/// Reads a DEFLATE stream's bits: least significant bit of each byte first (RFC 1951 §3.1.1),
/// through a 64-bit buffer refilled a byte at a time.
struct BitReader {
    private let bytes: [UInt8]
    /// The next byte to load into the buffer.
    private var position: Int
    /// Loaded bits not yet consumed, the next one lowest.
    private var buffer: UInt64 = 0
    private var bitCount = 0

    init(_ bytes: [UInt8], from start: Int) {
        self.bytes = bytes
        self.position = start
    }

    /// The offset of the byte that holds the next unread bit.
    var offset: Int { position - bitCount / 8 - (bitCount % 8 == 0 ? 0 : 1) }

    /// The offset of the first byte after the bits read so far (a partial byte counts as read).
    var endOffset: Int { position - bitCount / 8 }

    /// Loads whole bytes until the buffer holds more than 56 bits or the input ends.
    @inline(__always)
    private mutating func refill() {
        while bitCount <= 56, position < bytes.count {
            buffer |= UInt64(bytes[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    /// The next `count` bits (at most 32) as an integer, the first bit lowest.
    @inline(__always)
    mutating func bits(_ count: Int, in part: GzipError.Part) throws(GzipError) -> Int {
        if bitCount < count {
            refill()
            if bitCount < count { throw .truncated(part) }
        }
        let value = Int(truncatingIfNeeded: buffer & (1 << UInt64(count) - 1))
        buffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    /// The next symbol of `code`.
    @inline(__always)
    mutating func decode(_ code: HuffmanCode, in part: GzipError.Part) throws(GzipError) -> Int {
        if bitCount < code.maxLength { refill() }
        let entry = code.entries[Int(truncatingIfNeeded: buffer & (1 << UInt64(code.maxLength) - 1))]
        let length = Int(entry & 0xF)
        guard length != 0, length <= bitCount else {
            // Near the end the table is indexed with missing bits read as zeros: no match, or a
            // match longer than what is left, means the input stopped inside a code.
            if bitCount < code.maxLength { throw .truncated(part) }
            throw .invalidCode(offset: offset)
        }
        buffer >>= UInt64(length)
        bitCount -= length
        return Int(entry >> 4)
    }

    /// Skips to the next byte boundary (the padding before a stored block's length).
    mutating func alignToByte() {
        let padding = bitCount % 8
        buffer >>= UInt64(padding)
        bitCount -= padding
    }

    /// Appends the next `count` whole bytes to `output`. The reader must be at a byte boundary.
    mutating func copyBytes(_ count: Int, to output: inout [UInt8], in part: GzipError.Part) throws(GzipError) {
        require(bitCount % 8 == 0, "BitReader.copyBytes: not at a byte boundary")
        // Return the buffered whole bytes to the input, then copy straight from it.
        position -= bitCount / 8
        buffer = 0
        bitCount = 0
        guard count <= bytes.count - position else { throw .truncated(part) }
        output.append(contentsOf: bytes[position..<position + count])
        position += count
    }
}
