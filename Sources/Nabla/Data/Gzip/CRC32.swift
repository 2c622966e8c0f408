/// The CRC-32 of gzip, zlib and PNG (ISO 3309; RFC 1952 §8): the reflected polynomial 0xEDB88320,
/// initial value and final XOR 0xFFFFFFFF. The CRC of "123456789" is 0xCBF43926.
struct CRC32 {
    private(set) var value: UInt32 = 0

    /// The CRC of `bytes` on their own.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// Extends the checksum with `bytes`, as if they followed those already seen.
    mutating func update(_ bytes: some Sequence<UInt8>) {
        let table = CRC32.table
        var crc = ~value
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        value = ~crc
    }

    /// The CRC of each byte value: entry n is n's remainder after eight shifts of the register.
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }
}
