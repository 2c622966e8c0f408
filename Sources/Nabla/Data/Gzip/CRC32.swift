/// The CRC-32 of gzip, zlib and PNG (ISO 3309; RFC 1952 §8): the reflected polynomial 0xEDB88320,
/// initial value and final XOR 0xFFFFFFFF. The CRC of "123456789" is 0xCBF43926.
///
/// Computed eight bytes at a time ("slicing by 8"): table k maps a byte to its contribution
/// after k further bytes of zeros, so the eight lookups of one step are independent.
struct CRC32 {
    private(set) var value: UInt32 = 0

    /// The CRC of `bytes` on their own.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 { checksum(bytes[...]) }

    /// Extends the checksum with `bytes`, as if they followed those already seen.
    mutating func update(_ bytes: ArraySlice<UInt8>) {
        var crc = ~value
        CRC32.tables.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { bytes in
                var i = 0
                while i + 8 <= bytes.count {
                    var low = crc
                    low ^= UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                    let high = UInt32(bytes[i + 4]) | UInt32(bytes[i + 5]) << 8 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 24
                    crc = table[7 << 8 | Int(low & 0xFF)] ^ table[6 << 8 | Int(low >> 8 & 0xFF)]
                        ^ table[5 << 8 | Int(low >> 16 & 0xFF)] ^ table[4 << 8 | Int(low >> 24)]
                        ^ table[3 << 8 | Int(high & 0xFF)] ^ table[2 << 8 | Int(high >> 8 & 0xFF)]
                        ^ table[1 << 8 | Int(high >> 16 & 0xFF)] ^ table[Int(high >> 24)]
                    i += 8
                }
                while i < bytes.count {
                    crc = table[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                    i += 1
                }
            }
        }
        value = ~crc
    }

    /// Eight tables of 256 entries, one after another. Table 0 holds each byte value's
    /// remainder after eight shifts of the register; table k, a byte followed by k zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 {
                c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
            }
            tables[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = tables[(k - 1) << 8 | n]
                tables[k << 8 | n] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()
}
