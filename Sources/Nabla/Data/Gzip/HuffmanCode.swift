/// A canonical Huffman code of DEFLATE (RFC 1951 §3.2.2), built from its code lengths, as a
/// lookup table: the next `maxLength` bits of the stream, taken least significant bit first,
/// index an entry that holds the symbol they start with and the length of its code.
///
/// Codes are packed most significant bit first, so each code is stored bit-reversed; a code of
/// length l fills every 2^(maxLength − l)-th entry from its reversed value. Incomplete codes are
/// allowed (RFC 1951 permits one distance code of one bit); their unused entries hold 0 and
/// decode as an error, as do reserved symbols.
struct HuffmanCode: Sendable {
    /// `symbol << 4 | length` for each `maxLength`-bit pattern, or 0 where no code matches.
    let entries: [UInt16]
    /// The longest code length (0 for an empty code).
    let maxLength: Int

    /// The longest code DEFLATE allows.
    static let maxCodeLength = 15

    /// The code whose symbol `s` has code length `lengths[s]` (0: the symbol is unused), or nil
    /// when the lengths are over-subscribed (more codes of some length than fit) or a length
    /// exceeds 15. Symbols from `reservedFrom` on take their place in the code but decode as
    /// errors (the fixed codes include literal/length symbols 286–287 and distances 30–31,
    /// which RFC 1951 says never occur).
    init?(lengths: ArraySlice<UInt8>, reservedFrom: Int = .max) {
        var countOfLength = [Int](repeating: 0, count: HuffmanCode.maxCodeLength + 1)
        for length in lengths {
            guard length <= HuffmanCode.maxCodeLength else { return nil }
            countOfLength[Int(length)] += 1
        }
        countOfLength[0] = 0

        // The first code of each length (RFC 1951's next_code); at each length, the codes left
        // must not go negative.
        var nextCode = [Int](repeating: 0, count: HuffmanCode.maxCodeLength + 1)
        var code = 0
        var left = 1
        for length in 1...HuffmanCode.maxCodeLength {
            code = (code + countOfLength[length - 1]) << 1
            nextCode[length] = code
            left = left << 1 - countOfLength[length]
            if left < 0 { return nil }
        }

        let maxLength = countOfLength.lastIndex { $0 > 0 } ?? 0
        var entries = [UInt16](repeating: 0, count: 1 << maxLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let length = Int(length)
            let reversed = HuffmanCode.reverse(nextCode[length], bits: length)
            nextCode[length] += 1
            let entry = symbol < reservedFrom ? UInt16(symbol << 4 | length) : 0
            for index in stride(from: reversed, to: entries.count, by: 1 << length) {
                entries[index] = entry
            }
        }
        self.entries = entries
        self.maxLength = maxLength
    }

    init?(lengths: [UInt8], reservedFrom: Int = .max) { self.init(lengths: lengths[...], reservedFrom: reservedFrom) }

    /// The low `bits` bits of `code` in reverse order.
    private static func reverse(_ code: Int, bits: Int) -> Int {
        var code = code
        var reversed = 0
        for _ in 0..<bits {
            reversed = reversed << 1 | code & 1
            code >>= 1
        }
        return reversed
    }

    /// The fixed literal/length code of block type 1 (RFC 1951 §3.2.6).
    static let fixedLiteralLength: HuffmanCode = {
        let lengths = [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
            + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8)
        guard let code = HuffmanCode(lengths: lengths, reservedFrom: 286) else {
            requirementFailed("RFC 1951's fixed code is complete")
        }
        return code
    }()

    /// The fixed distance code of block type 1: 32 codes of 5 bits (30 and 31 never occur).
    static let fixedDistance: HuffmanCode = {
        guard let code = HuffmanCode(lengths: [UInt8](repeating: 5, count: 32), reservedFrom: 30) else {
            requirementFailed("RFC 1951's fixed code is complete")
        }
        return code
    }()
}
