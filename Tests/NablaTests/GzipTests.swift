import Testing
@testable import Nabla

/// The gzip/DEFLATE decoder against files made by the system gzip and Python's zlib (frozen in
/// Support/GzipFixtures.swift by References/make_gzip_fixtures.py), and against malformed
/// streams written bit by bit here.
@Suite("Gzip and DEFLATE decoding")
struct GzipTests {
    /// 120 similar lines, then 1,500 characters drawn from a 32-letter alphabet (the script's
    /// `sample_text`).
    static let sampleText: [UInt8] = {
        var text: [UInt8] = []
        for i in 0..<120 {
            text += Array("\(i): the quick brown fox jumps over the lazy dog \(i * i % 97)\n".utf8)
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz .,;\n-".utf8)
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<1500 { text.append(alphabet[Int(generator.next() >> 59)]) }
        return text
    }()

    /// `count` bytes, each the top 8 bits of the next LCG state (the script's `random_bytes`).
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: 2)
        return (0..<count).map { _ in UInt8(generator.next() >> 56) }
    }

    // MARK: Well-formed input

    @Test func decodesDynamicHuffmanBlocksAtLevels1And9() throws {
        #expect(GzipTests.sampleText.count == 7_609)
        #expect(try Gzip.decompress(GzipFixtures.dynamicBest) == GzipTests.sampleText)
        #expect(try Gzip.decompress(GzipFixtures.dynamicFast) == GzipTests.sampleText)
    }

    @Test func decodesAStoredBlock() throws {
        #expect(try Gzip.decompress(GzipFixtures.stored) == GzipTests.randomBytes(200))
    }

    @Test func decodesAFixedHuffmanBlock() throws {
        #expect(try Gzip.decompress(GzipFixtures.fixed) == Array("hello, hello, hello world\n".utf8))
    }

    @Test func skipsEveryOptionalHeaderFieldAndChecksTheHeaderCRC() throws {
        #expect(try Gzip.decompress(GzipFixtures.allHeaderFields) == Array(GzipTests.sampleText.prefix(300)))
    }

    @Test func concatenatedMembersDecodeToTheConcatenation() throws {
        let both = GzipFixtures.fixed + GzipFixtures.stored
        #expect(try Gzip.decompress(both) == Array("hello, hello, hello world\n".utf8) + GzipTests.randomBytes(200))
        // Zero padding after the last member is ignored, as gzip -d does; anything else is not.
        #expect(try Gzip.decompress(GzipFixtures.fixed + [0, 0, 0, 0]) == Array("hello, hello, hello world\n".utf8))
        let count = GzipFixtures.fixed.count
        #expect(error { try Gzip.decompress(GzipFixtures.fixed + [0x42, 0]) } == .trailingBytes(count: 2, offset: count))
    }

    @Test func inflatesARawDeflateStream() throws {
        // dynamicFast has no name, so its header is the 10 fixed bytes; its trailer is 8 bytes.
        let stream = Array(GzipFixtures.dynamicFast[10..<(GzipFixtures.dynamicFast.count - 8)])
        #expect(try Gzip.inflate(stream) == GzipTests.sampleText)
        #expect(try Gzip.inflate([0x01, 0x00, 0x00, 0xFF, 0xFF]) == [])  // one empty stored block
        #expect(error { try Gzip.inflate(stream + [0x42]) } == .trailingBytes(count: 1, offset: stream.count))
    }

    @Test func overlappingMatchesRepeatTheLastBytes() throws {
        // Fixed block: literal 'a', then length 5 at distance 1 ("aaaaa"), then end of block.
        var writer = BitWriter()
        writer.fixedBlockHeader()
        writer.code(0x30 + 0x61, length: 8)  // literal 'a'
        writer.code(3, length: 7)  // symbol 259: length 5
        writer.code(0, length: 5)  // distance code 0: distance 1
        writer.code(0, length: 7)  // symbol 256: end of block
        #expect(try Gzip.inflate(writer.bytes) == Array("aaaaaa".utf8))
    }

    @Test func crc32HasTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    // MARK: Malformed input

    @Test func rejectsWhatIsNotGzip() {
        #expect(error { try Gzip.decompress(Array("hello world".utf8)) } == .notGzip(firstBytes: Array("hell".utf8)))
        #expect(error { try Gzip.decompress([]) } == .truncated(.header))
        var method = GzipFixtures.fixed
        method[2] = 7
        #expect(error { try Gzip.decompress(method) } == .unsupportedMethod(7, offset: 2))
        var flags = GzipFixtures.fixed
        flags[3] |= 0x20
        #expect(error { try Gzip.decompress(flags) } == .reservedFlags(0x20, offset: 3))
        #expect(GzipError.notGzip(firstBytes: [0x50, 0x4B, 3, 4]).description
            == "not gzip data: it starts with [50 4b 03 04], not the magic bytes [1f 8b]")
    }

    @Test func everyTruncationIsReportedAsSuch() {
        for fixture in [GzipFixtures.fixed, GzipFixtures.stored, GzipFixtures.allHeaderFields] {
            for length in 0..<fixture.count {
                let result = error { try Gzip.decompress(Array(fixture.prefix(length))) }
                guard case .truncated = result else {
                    Issue.record("a prefix of \(length) of \(fixture.count) bytes gave \(String(describing: result))")
                    return
                }
            }
        }
        #expect(error { try Gzip.decompress(Array(GzipFixtures.fixed.dropLast(3))) } == .truncated(.trailer))
        #expect(error { try Gzip.decompress(Array(GzipFixtures.dynamicBest.prefix(500))) } == .truncated(.compressedData))
    }

    @Test func checksAgainstTheTrailer() {
        var crc = GzipFixtures.fixed
        crc[crc.count - 8] ^= 0x01
        #expect(error { try Gzip.decompress(crc) } == .checksumMismatch(stored: 0x2B46_5D86, computed: 0x2B46_5D87))
        var size = GzipFixtures.fixed
        size[size.count - 4] = 25
        #expect(error { try Gzip.decompress(size) } == .sizeMismatch(stored: 25, actual: 26))
        var header = GzipFixtures.allHeaderFields
        header[9] ^= 0xFF  // the OS byte, covered by the header CRC
        guard case .headerChecksumMismatch = error({ try Gzip.decompress(header) }) else {
            Issue.record("a changed header byte was not caught by FHCRC")
            return
        }
    }

    @Test func rejectsMalformedBlocks() {
        #expect(error { try Gzip.inflate([0x07]) } == .invalidBlockType(offset: 0))
        #expect(error { try Gzip.inflate([0x01, 5, 0, 0, 0]) } == .storedLengthMismatch(length: 5, complement: 0, offset: 1))
        #expect(error { try Gzip.inflate([0x01, 5, 0, 0xFA, 0xFF, 1, 2]) } == .truncated(.storedBlock))

        var farBack = BitWriter()  // a match before any output
        farBack.fixedBlockHeader()
        farBack.code(1, length: 7)  // symbol 257: length 3
        farBack.code(0, length: 5)  // distance 1
        #expect(error { try Gzip.inflate(farBack.bytes) } == .distanceTooFar(distance: 1, available: 0, offset: 1))

        var reservedLiteral = BitWriter()  // literal/length symbol 286
        reservedLiteral.fixedBlockHeader()
        reservedLiteral.code(0xC0 + 6, length: 8)
        #expect(error { try Gzip.inflate(reservedLiteral.bytes) } == .invalidCode(offset: 0))

        var reservedDistance = BitWriter()  // distance symbol 30
        reservedDistance.fixedBlockHeader()
        reservedDistance.code(0x30 + 0x61, length: 8)
        reservedDistance.code(1, length: 7)
        reservedDistance.code(30, length: 5)
        #expect(error { try Gzip.inflate(reservedDistance.bytes) } == .invalidCode(offset: 2))
    }

    @Test func rejectsInvalidCodeLengths() {
        // All 19 code-length codes one bit long: over-subscribed.
        var overSubscribed = BitWriter()
        overSubscribed.dynamicBlockHeader(codeLengthLengths: [UInt8](repeating: 1, count: 19))
        expectInvalidCodeLengths(overSubscribed.bytes, reason: "over-subscribed code-length code")

        // Code-length symbols 16 and 17 (codes 0 and 1); a repeat first.
        var repeatFirst = BitWriter()
        repeatFirst.dynamicBlockHeader(codeLengthLengths: [1, 1, 0, 0])
        repeatFirst.code(0, length: 1)
        repeatFirst.bits(0, count: 2)
        expectInvalidCodeLengths(repeatFirst.bytes, reason: "a repeat (16) with no previous length")

        // Code-length symbols 17 and 18 (codes 0 and 1): 138 + 120 zeros, so no end-of-block code.
        var noEnd = BitWriter()
        noEnd.dynamicBlockHeader(codeLengthLengths: [0, 1, 1, 0])
        noEnd.code(1, length: 1)
        noEnd.bits(127, count: 7)
        noEnd.code(1, length: 1)
        noEnd.bits(109, count: 7)
        expectInvalidCodeLengths(noEnd.bytes, reason: "no code for the end-of-block symbol")

        // 138 + 138 zeros: past the 258 lengths.
        var tooMany = BitWriter()
        tooMany.dynamicBlockHeader(codeLengthLengths: [0, 1, 1, 0])
        for _ in 0..<2 {
            tooMany.code(1, length: 1)
            tooMany.bits(127, count: 7)
        }
        expectInvalidCodeLengths(tooMany.bytes, reason: "a repeat runs past the 258 code lengths")
    }

    @Test func corruptedInputThrowsOrDecodesButNeverTraps() {
        // Every single-bit change of two small files, and 300 of the largest.
        for fixture in [GzipFixtures.fixed, GzipFixtures.allHeaderFields] {
            for bit in 0..<(fixture.count * 8) {
                var corrupted = fixture
                corrupted[bit / 8] ^= 1 << (bit % 8)
                _ = try? Gzip.decompress(corrupted)
            }
        }
        var generator = SeededGenerator(seed: 3)
        var failures = 0
        for _ in 0..<300 {
            var corrupted = GzipFixtures.dynamicBest
            let bit = Int(generator.next() >> 11) % (corrupted.count * 8)
            corrupted[bit / 8] ^= 1 << (bit % 8)
            if (try? Gzip.decompress(corrupted)) == nil { failures += 1 }
        }
        #expect(failures > 250)
    }

    // MARK: Helpers

    /// The error that `body` throws, or nil.
    private func error(_ body: () throws -> [UInt8]) -> GzipError? {
        do {
            _ = try body()
            return nil
        } catch {
            // The functions' throws are typed; closures infer `any Error` without annotation.
            return error as? GzipError
        }
    }

    private func expectInvalidCodeLengths(_ stream: [UInt8], reason expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .invalidCodeLengths(let reason, _) = error({ try Gzip.inflate(stream) }) else {
            Issue.record("expected invalid code lengths (\(expected))", sourceLocation: sourceLocation)
            return
        }
        #expect(reason == expected, sourceLocation: sourceLocation)
    }
}

/// Writes a DEFLATE stream bit by bit: values least significant bit first, Huffman codes most
/// significant bit first (RFC 1951 §3.1.1).
private struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var bitCount = 0

    mutating func bits(_ value: Int, count: Int) {
        for k in 0..<count {
            if bitCount % 8 == 0 { bytes.append(0) }
            bytes[bytes.count - 1] |= UInt8((value >> k) & 1) << (bitCount % 8)
            bitCount += 1
        }
    }

    mutating func code(_ code: Int, length: Int) {
        for k in stride(from: length - 1, through: 0, by: -1) { bits(code >> k, count: 1) }
    }

    /// BFINAL = 1, BTYPE = 1.
    mutating func fixedBlockHeader() {
        bits(1, count: 1)
        bits(1, count: 2)
    }

    /// BFINAL = 1, BTYPE = 2, 257 literal/length and 1 distance code lengths, and the lengths of
    /// the code-length code in RFC 1951's order (16, 17, 18, 0, 8, …).
    mutating func dynamicBlockHeader(codeLengthLengths: [UInt8]) {
        bits(1, count: 1)
        bits(2, count: 2)
        bits(0, count: 5)
        bits(0, count: 5)
        bits(codeLengthLengths.count - 4, count: 4)
        for length in codeLengthLengths { bits(Int(length), count: 3) }
    }
}
