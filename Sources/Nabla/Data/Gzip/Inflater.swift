/// A DEFLATE decoder (RFC 1951): a loop over blocks, each stored (type 0), compressed with the
/// fixed Huffman codes (type 1) or with codes described at its start (type 2), until the block
/// marked final. Iterative, with table-driven Huffman decoding.
struct Inflater {
    private var reader: BitReader
    private var output: [UInt8] = []

    /// Decodes the DEFLATE stream that starts at `bytes[start]`, returning the bytes it encodes
    /// and the offset of the first byte after it (its last byte's unused bits are padding).
    static func inflate(_ bytes: [UInt8], from start: Int) throws(GzipError) -> (output: [UInt8], end: Int) {
        var inflater = Inflater(reader: BitReader(bytes, from: start))
        // Text rarely compresses below a quarter of its size, so this mostly avoids regrowing.
        inflater.output.reserveCapacity(4 * (bytes.count - start))
        var isFinal = false
        while !isFinal {
            let blockStart = inflater.reader.offset
            isFinal = try inflater.reader.bits(1, in: .blockHeader) == 1
            switch try inflater.reader.bits(2, in: .blockHeader) {
            case 0: try inflater.inflateStoredBlock()
            case 1: try inflater.inflateCompressedBlock(literalLength: .fixedLiteralLength, distance: .fixedDistance)
            case 2:
                let (literalLength, distance) = try inflater.readDynamicCodes()
                try inflater.inflateCompressedBlock(literalLength: literalLength, distance: distance)
            default: throw .invalidBlockType(offset: blockStart)
            }
        }
        inflater.reader.alignToByte()
        return (inflater.output, inflater.reader.endOffset)
    }

    /// A stored block: after padding to a byte boundary, LEN and its one's complement NLEN
    /// (16 bits each), then LEN bytes as they are.
    private mutating func inflateStoredBlock() throws(GzipError) {
        reader.alignToByte()
        let offset = reader.offset
        let length = try reader.bits(16, in: .storedBlock)
        let complement = try reader.bits(16, in: .storedBlock)
        guard length == ~complement & 0xFFFF else {
            throw .storedLengthMismatch(length: length, complement: complement, offset: offset)
        }
        try reader.copyBytes(length, to: &output, in: .storedBlock)
    }

    /// Decodes literals and (length, distance) matches until the end-of-block symbol 256.
    ///
    /// The codes decode only valid symbols (literal/length below 286, distance below 30: dynamic
    /// codes are no larger, and the fixed ones decode the rest as errors), so the tables below
    /// are indexed in range.
    private mutating func inflateCompressedBlock(literalLength: HuffmanCode, distance: HuffmanCode) throws(GzipError) {
        while true {
            let symbol = try reader.decode(literalLength, in: .compressedData)
            if symbol < 256 {
                output.append(UInt8(truncatingIfNeeded: symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            let length = Inflater.lengthBase[lengthIndex]
                + (try reader.bits(Inflater.lengthExtraBits[lengthIndex], in: .compressedData))

            let distanceOffset = reader.offset
            let distanceIndex = try reader.decode(distance, in: .compressedData)
            let distance = Inflater.distanceBase[distanceIndex]
                + (try reader.bits(Inflater.distanceExtraBits[distanceIndex], in: .compressedData))
            guard distance <= output.count else {
                throw .distanceTooFar(distance: distance, available: output.count, offset: distanceOffset)
            }
            copyMatch(length: length, distance: distance)
        }
    }

    /// Appends `length` bytes copied from `distance` bytes back. The source may overlap what
    /// is being written (distance < length repeats the last `distance` bytes), so the copy goes
    /// forward a byte at a time.
    @inline(__always)
    private mutating func copyMatch(length: Int, distance: Int) {
        let start = output.count - distance
        for index in start..<start + length {
            output.append(output[index])
        }
    }

    /// The codes of a dynamic block (RFC 1951 §3.2.7): HLIT, HDIST and HCLEN; the lengths of the
    /// code-length code in a fixed order; then the literal/length and distance code lengths, as
    /// one sequence coded with it, where 16 repeats the previous length 3–6 times, 17 gives 3–10
    /// zeros and 18 gives 11–138 zeros.
    private mutating func readDynamicCodes() throws(GzipError) -> (literalLength: HuffmanCode, distance: HuffmanCode) {
        let offset = reader.offset
        let literalLengthCount = try reader.bits(5, in: .codeLengths) + 257
        let distanceCount = try reader.bits(5, in: .codeLengths) + 1
        let codeLengthCount = try reader.bits(4, in: .codeLengths) + 4
        guard literalLengthCount <= 286, distanceCount <= 30 else {
            throw .invalidCodeLengths("\(literalLengthCount) literal/length and \(distanceCount) distance codes (at most 286 and 30)", offset: offset)
        }

        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for index in Inflater.codeLengthOrder.prefix(codeLengthCount) {
            codeLengthLengths[index] = UInt8(try reader.bits(3, in: .codeLengths))
        }
        guard let codeLengthCode = HuffmanCode(lengths: codeLengthLengths) else {
            throw .invalidCodeLengths("over-subscribed code-length code", offset: offset)
        }

        let total = literalLengthCount + distanceCount
        var lengths: [UInt8] = []
        lengths.reserveCapacity(total)
        while lengths.count < total {
            let symbolOffset = reader.offset
            let symbol = try reader.decode(codeLengthCode, in: .codeLengths)
            let value: UInt8
            let repeats: Int
            switch symbol {
            case 0..<16:
                value = UInt8(symbol)
                repeats = 1
            case 16:
                guard let previous = lengths.last else {
                    throw .invalidCodeLengths("a repeat (16) with no previous length", offset: symbolOffset)
                }
                value = previous
                repeats = 3 + (try reader.bits(2, in: .codeLengths))
            case 17:
                value = 0
                repeats = 3 + (try reader.bits(3, in: .codeLengths))
            default:
                value = 0
                repeats = 11 + (try reader.bits(7, in: .codeLengths))
            }
            guard lengths.count + repeats <= total else {
                throw .invalidCodeLengths("a repeat runs past the \(total) code lengths", offset: symbolOffset)
            }
            lengths.append(contentsOf: repeatElement(value, count: repeats))
        }

        guard lengths[256] != 0 else {
            throw .invalidCodeLengths("no code for the end-of-block symbol", offset: offset)
        }
        guard let literalLength = HuffmanCode(lengths: lengths[..<literalLengthCount]) else {
            throw .invalidCodeLengths("over-subscribed literal/length code", offset: offset)
        }
        guard let distance = HuffmanCode(lengths: lengths[literalLengthCount...]) else {
            throw .invalidCodeLengths("over-subscribed distance code", offset: offset)
        }
        return (literalLength, distance)
    }

    // RFC 1951 §3.2.5 and §3.2.7.
    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}
