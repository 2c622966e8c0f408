import Foundation
import Testing
@testable import Nabla

/// The safetensors format: PyTorch's file read to PyTorch's values, Nabla's arrays written and
/// read back bit for bit, and every kind of bad input rejected with a message saying where.
@Suite("SafeTensors")
struct SafeTensorsTests {
    // MARK: PyTorch's file

    /// torch_state_dict.json: what References/make_safetensors_reference.py saved.
    struct Reference: Decodable {
        struct Expected: Decodable {
            var dtype: String
            var shape: [Int]
            var values: [Double]
        }
        var metadata: [String: String]
        var tensors: [String: Expected]
    }

    static func resource(_ name: String, _ ext: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: ext))
    }

    @Test func pytorchStateDictReadsToPyTorchsValues() throws {
        let file = try SafeTensors(contentsOf: Self.resource("torch_state_dict", "safetensors").path)
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.resource("torch_state_dict", "json")))
        #expect(file.metadata == reference.metadata)
        #expect(file.names.sorted() == reference.tensors.keys.sorted())
        #expect(file.names.starts(with: ["norm.num_batches_tracked", "position_ids", "double.weight", "0.bias", "0.weight"]),
                "the header's order, which is the reference writer's layout")
        for (name, expected) in reference.tensors {
            let stored = try #require(file[name])
            #expect(stored.dtype.rawValue == expected.dtype, "\(name)")
            #expect(stored.shape == Shape(expected.shape), "\(name)")
            // Every value here is exact in Double: compare bits, so -0 is told from 0.
            let doubles = try file.array(name, as: Double.self)
            #expect(doubles.shape == Shape(expected.shape))
            #expect(doubles.scalars.map(\.bitPattern) == expected.values.map(\.bitPattern), "\(name)")
            // As Float: exact for F32, F16, BF16 and small integers, rounded for F64.
            let floats = try file.array(name, as: Float.self)
            #expect(floats.scalars.map(\.bitPattern) == expected.values.map { Float($0).bitPattern }, "\(name)")
        }
        #expect(try file.array("0.weight", as: Float.self).shape == [4, 3])
        #expect(try file.array("norm.num_batches_tracked", as: Double.self) == NDArray(3))
        #expect(try file.array("half.weight", as: Float.self).scalars[2] == 65504)
        #expect(try file.array("half.weight", as: Float.self).scalars[3] == 0x1p-24)
    }

    @Test func reencodingPyTorchsFileGivesItsBytes() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.resource("torch_state_dict", "safetensors")))
        let file = try SafeTensors(decoding: bytes)
        #expect(file.encoded() == bytes, "the same layout as the reference writer")
        // Whatever order the tensors come in.
        var shuffled = SafeTensors(metadata: file.metadata)
        for (name, tensor) in file.tensors.reversed() { shuffled[name] = tensor }
        #expect(shuffled.encoded() == bytes)
    }

    // MARK: Round trips

    static let shapes: [[Int]] = [[], [0], [5], [2, 0, 3], [3, 4], [2, 3, 4], [2, 1, 3, 2], [1, 0, 2, 2]]

    @Test(arguments: shapes)
    func floatAndDoubleArraysRoundTripBitForBit(dimensions: [Int]) throws {
        let shape = Shape(dimensions)
        var generator = SeededGenerator(seed: UInt64(shape.count + 1))
        let doubleSpecials: [Double] = [-0.0, .nan, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.infinity, Double(nan: 0x1234, signaling: false)]
        let floatSpecials: [Float] = [-0.0, .nan, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.infinity, Float(nan: 0x1234, signaling: false)]
        let doubles = (0..<shape.count).map { $0 < doubleSpecials.count ? doubleSpecials[$0] : generator.nextUnit() * 2 - 1 }
        let floats = (0..<shape.count).map { $0 < floatSpecials.count ? floatSpecials[$0] : Float(generator.nextUnit() * 2 - 1) }

        var file = SafeTensors(metadata: ["format": "pt", "note": "ünïcödé, \"quoted\", back\\slash, new\nline"])
        file.set("weights.double", try NDArray(shape: shape, scalars: doubles))
        file.set("weights.float \"ü\"", try NDArray(shape: shape, scalars: floats))
        let decoded = try SafeTensors(decoding: file.encoded())

        #expect(decoded == file)
        #expect(decoded.metadata == file.metadata)
        let readDoubles = try decoded.array("weights.double", as: Double.self)
        let readFloats = try decoded.array("weights.float \"ü\"", as: Float.self)
        #expect(readDoubles.shape == shape && readFloats.shape == shape)
        #expect(readDoubles.scalars.map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(readFloats.scalars.map(\.bitPattern) == floats.map(\.bitPattern))
        // F32 widens to Double exactly.
        #expect(try decoded.array("weights.float \"ü\"", as: Double.self).scalars.map { Float($0).bitPattern } == floats.map(\.bitPattern))
    }

    @Test func headerIsPaddedToEightBytes() throws {
        for length in 1...16 {
            var file = SafeTensors()
            file.set(String(repeating: "w", count: length), try NDArray<Float>(shape: [3], scalars: [1, 2, 3]))
            let bytes = file.encoded()
            let headerByteCount = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            #expect(headerByteCount % 8 == 0)
            #expect(bytes.count == 8 + headerByteCount + 12)
            let header = String(decoding: bytes[8..<(8 + headerByteCount)], as: UTF8.self)
            let json = header.trimmingCharacters(in: .whitespaces)
            #expect(header.hasPrefix(json) && json.hasSuffix("}"), "padded with trailing spaces only")
        }
        #expect(SafeTensors().encoded() == Self.file("{}      "), "no tensors: an empty object")
    }

    @Test func tensorsKeepTheirOrderThroughChanges() throws {
        var file = SafeTensors()
        file.set("c", NDArray<Float>(1))
        file.set("a", NDArray<Double>(2))
        file.set("b", NDArray<Float>(3))
        file.set("a", NDArray<Float>(4))
        #expect(file.names == ["c", "a", "b"], "replacing keeps the place")
        #expect(file["a"]?.dtype == .float32)
        file["c"] = nil
        #expect(file.names == ["a", "b"])
        #expect(try file.array("b", as: Float.self) == NDArray(3))
        file["c"] = StoredTensor(dtype: .int32, shape: [2], bytes: [1, 0, 0, 0, 255, 255, 255, 255])
        #expect(file.names == ["a", "b", "c"])
        #expect(try file.array("c", as: Double.self).scalars == [1, -1])
        // The decoded order is the header's, which is the writer's layout: widest dtype first.
        #expect(try SafeTensors(decoding: file.encoded()).names == ["a", "b", "c"])
    }

    @Test func fileWriteAndReadBack() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.safetensors"
        var file = SafeTensors(metadata: ["format": "pt"])
        file.set("w", try NDArray<Float>(shape: [2, 2], scalars: [1, 2, 3, 4]))
        try file.write(to: path)
        #expect(try SafeTensors(contentsOf: path) == file)
        // Writing again replaces the file.
        file.set("w", try NDArray<Float>(shape: [1], scalars: [5]))
        try file.write(to: path)
        #expect(try SafeTensors(contentsOf: path).array("w", as: Float.self) == NDArray(shape: [1], scalars: [5]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.safetensors"], "no temporary file left")
    }

    @Test func fileErrorsNameThePath() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = SafeTensors()

        let missing = directory + "/missing.safetensors"
        Self.expect({ _ = try SafeTensors(contentsOf: missing) }, .cannotRead(path: missing, reason: "No such file or directory"),
                    "cannot read '\(missing)': No such file or directory")
        Self.expect({ _ = try SafeTensors(contentsOf: directory) }, .cannotRead(path: directory, reason: "not a regular file"),
                    "cannot read '\(directory)': not a regular file")

        let nowhere = directory + "/no/such/dir.safetensors"
        #expect(throws: FileWriteError.cannotWrite(path: nowhere, reason: "No such file or directory")) { try file.write(to: nowhere) }
        #expect(FileWriteError.cannotWrite(path: nowhere, reason: "No such file or directory").description
            == "cannot write '\(nowhere)': No such file or directory")
        // A directory is refused before anything is written, and left as it was.
        let occupied = directory + "/occupied"
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: false)
        #expect(throws: FileWriteError.notRegularFile(path: occupied, kind: .directory)) { try file.write(to: occupied) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["occupied"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied).isEmpty)
    }

    // MARK: Conversions

    @Test func halfAndBrainFloatReadExactly() throws {
        // F16: 1, -0, 65504 (largest), 2⁻²⁴ (smallest subnormal), 2⁻¹⁴ (smallest normal), -inf, NaN.
        let half: [UInt16] = [0x3C00, 0x8000, 0x7BFF, 0x0001, 0x0400, 0xFC00, 0x7E00]
        // BF16: 1, -2.5, the largest finite, the smallest subnormal.
        let brain: [UInt16] = [0x3F80, 0xC020, 0x7F7F, 0x0001]
        var file = SafeTensors()
        file["half"] = StoredTensor(dtype: .float16, shape: [7], bytes: Self.littleEndian(half))
        file["brain"] = StoredTensor(dtype: .bfloat16, shape: [2, 2], bytes: Self.littleEndian(brain))
        let halves = try file.array("half", as: Double.self).scalars
        #expect(Array(halves[0..<6]) == [1, -0.0, 65504, 0x1p-24, 0x1p-14, -.infinity])
        #expect(halves[1].sign == .minus && halves[6].isNaN)
        #expect(try file.array("brain", as: Float.self).scalars == [1, -2.5, Float(bitPattern: 0x7F7F_0000), Float(bitPattern: 0x0001_0000)])
        // Every finite half converts to the float of the same value.
        let wrong = (UInt16.min...UInt16.max).filter { bits in
            guard bits & 0x7C00 != 0x7C00 else { return false }
            let value = Float(float16Bits: bits)
            let sign: Float = bits & 0x8000 == 0 ? 1 : -1
            let exponent = Int(bits >> 10 & 0x1F), fraction = Float(bits & 0x3FF)
            let expected = exponent == 0 ? sign * fraction * 0x1p-24 : sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
            return value != expected || value.sign != (bits & 0x8000 == 0 ? .plus : .minus)
        }
        #expect(wrong.isEmpty)
    }

    @Test func integersConvertExactlyOrNotAtAll() throws {
        var file = SafeTensors()
        let ids: [Int64] = [0, -3, 1 << 53, (1 << 53) + 1]
        file["ids"] = StoredTensor(dtype: .int64, shape: [2, 2], bytes: Self.littleEndian(ids))
        file["small"] = StoredTensor(dtype: .int32, shape: [3], bytes: Self.littleEndian([Int32(-7), 16_777_216, 16_777_217]))
        file["flags"] = StoredTensor(dtype: .bool, shape: [3], bytes: [0, 1, 0])
        file["bytes"] = StoredTensor(dtype: .uint8, shape: [2], bytes: [0, 255])
        #expect(try file.array("small", as: Double.self).scalars == [-7, 16_777_216, 16_777_217])
        #expect(try file.array("flags", as: Float.self).scalars == [0, 1, 0])
        #expect(try file.array("bytes", as: Float.self).scalars == [0, 255])

        Self.expect({ _ = try file.array("ids", as: Double.self) },
                    .notRepresentable(tensor: "ids", element: [1, 1], value: "9007199254740993", dtype: .int64, scalarType: "Double"),
                    "tensor 'ids': element [1, 1], the I64 value 9007199254740993, is not exactly representable as Double")
        Self.expect({ _ = try file.array("small", as: Float.self) },
                    .notRepresentable(tensor: "small", element: [2], value: "16777217", dtype: .int32, scalarType: "Float"),
                    "tensor 'small': element [2], the I32 value 16777217, is not exactly representable as Float")
    }

    @Test func float64NarrowsToFloatUnlessOutOfRange() throws {
        var file = SafeTensors()
        file.set("fine", try NDArray<Double>(shape: [4], scalars: [0.1, -.infinity, .nan, 1e-50]))
        file.set("big", try NDArray<Double>(shape: [1, 2], scalars: [1, -1e300]))
        let fine = try file.array("fine", as: Float.self).scalars
        #expect(fine[0] == Float(0.1) && fine[1] == -.infinity && fine[2].isNaN && fine[3] == 0)
        Self.expect({ _ = try file.array("big", as: Float.self) },
                    .notRepresentable(tensor: "big", element: [0, 1], value: "-1e+300", dtype: .float64, scalarType: "Float"),
                    "tensor 'big': element [0, 1], the F64 value -1e+300, is beyond the range of Float")
    }

    @Test func readingErrorsSayWhichTensorAndType() throws {
        var file = SafeTensors()
        file["z"] = StoredTensor(dtype: .complex64, shape: [1], bytes: [UInt8](repeating: 0, count: 8))
        file.set("w", NDArray<Float>(1))
        Self.expect({ _ = try file.array("z", as: Float.self) },
                    .unsupportedConversion(tensor: "z", dtype: .complex64, scalarType: "Float"),
                    "tensor 'z' is C64, which cannot be read as Float")
        Self.expect({ _ = try file.array("missing", as: Float.self) },
                    .tensorNotFound("missing", available: ["z", "w"]),
                    "no tensor named 'missing' (the tensors are 'z', 'w')")
        Self.expect({ _ = try SafeTensors().array("w", as: Double.self) },
                    .tensorNotFound("w", available: []),
                    "no tensor named 'w' (there are no tensors)")
        let many = (0..<10).map { "t\($0)" }
        #expect(SafeTensorsError.tensorNotFound("x", available: many).description
                == "no tensor named 'x' (the tensors include 't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7' and 2 more)")
    }

    // MARK: Bad files

    /// One F32 tensor "a" of shape [2] over 8 data bytes: the valid file the cases below spoil.
    static let entryA = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
    static let eightBytes = [UInt8](repeating: 0, count: 8)

    @Test func validBaseFileReads() throws {
        let file = try SafeTensors(decoding: Self.file("{\(Self.entryA)}", data: Self.eightBytes))
        #expect(try file.array("a", as: Float.self) == NDArray(shape: [2], scalars: [0, 0]))
        // Whitespace and unknown fields are allowed; __metadata__ may be null.
        let spaced = #" { "__metadata__" : null , "a" : { "data_offsets" : [ 0 , 8 ] , "dtype" : "F32" , "shape" : [ 2 ] , "extra" : [ {} ] } }  "#
        #expect(try SafeTensors(decoding: Self.file(spaced, data: Self.eightBytes)) == file)
        // Escapes in names, surrogate pairs included.
        let escaped = try SafeTensors(decoding: Self.file(#"{"\u00fc\ud83d\ude00\n\"":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}"#, data: [7]))
        #expect(escaped.names == ["ü😀\n\""])
    }

    @Test func truncatedFilesAndLyingLengths() {
        Self.expectDecoding([1, 2, 3, 4, 5], .fileTooShort(byteCount: 5),
                            "the file is 5 bytes long; a safetensors file starts with an 8-byte header length")
        Self.expectDecoding([], .fileTooShort(byteCount: 0),
                            "the file is 0 bytes long; a safetensors file starts with an 8-byte header length")
        var lying = Self.file("{\(Self.entryA)}", data: Self.eightBytes)
        lying.replaceSubrange(0..<8, with: [0xE8, 0x03, 0, 0, 0, 0, 0, 0])  // 1000
        Self.expectDecoding(lying, .headerBeyondFile(headerByteCount: 1000, fileByteCount: lying.count),
                            "the header length (the first 8 bytes) is 1000 bytes, but only \(lying.count - 8) bytes follow it")
        let huge = [UInt8](repeating: 0xFF, count: 8) + Array("{}".utf8)
        Self.expectDecoding(huge, .headerBeyondFile(headerByteCount: .max, fileByteCount: 10),
                            "the header length (the first 8 bytes) is 18446744073709551615 bytes, but only 2 bytes follow it")
        // A file cut short inside the data: the last tensor runs past the end.
        Self.expectDecoding(Self.file("{\(Self.entryA)}", data: [0, 0, 0, 0, 0]),
                            .offsetsOutOfBounds(tensor: "a", offsets: 0..<8, dataByteCount: 5),
                            "tensor 'a': data_offsets [0, 8] end past the data section, which is 5 bytes")
    }

    @Test func invalidJSONSaysWhere() {
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","#), .invalidJSON(byteOffset: 28, reason: "expected a string key, found the end of the input"),
                            "the header is not valid JSON at byte 28: expected a string key, found the end of the input")
        Self.expectDecoding(Self.file("{} x"), .invalidJSON(byteOffset: 11, reason: "unexpected 'x' after the JSON value"),
                            "the header is not valid JSON at byte 11: unexpected 'x' after the JSON value")
        Self.expectDecoding(Self.file("{\"a\" 1}"), .invalidJSON(byteOffset: 13, reason: "expected ':' after the key \"a\", found '1'"),
                            "the header is not valid JSON at byte 13: expected ':' after the key \"a\", found '1'")
        Self.expectDecoding(Self.file(#"{"a":[01]}"#), .invalidJSON(byteOffset: 14, reason: "a number cannot have a leading zero"),
                            "the header is not valid JSON at byte 14: a number cannot have a leading zero")
        Self.expectDecoding(Self.file(#"{"a":"\ud800"}"#), .invalidJSON(byteOffset: 14, reason: "unpaired surrogate in a \\u escape"),
                            "the header is not valid JSON at byte 14: unpaired surrogate in a \\u escape")
        Self.expectDecoding(Self.file(#"{"a":tru}"#), .invalidJSON(byteOffset: 16, reason: "expected true, found '}'"),
                            "the header is not valid JSON at byte 16: expected true, found '}'")
        Self.expectDecoding(Self.file("{\"a\n\":1}"), .invalidJSON(byteOffset: 11, reason: "control character byte 0xA in a string (JSON needs it escaped)"),
                            "the header is not valid JSON at byte 11: control character byte 0xA in a string (JSON needs it escaped)")
        var badUTF8 = Self.file(#"{"?":1}"#)
        badUTF8[10] = 0xFF
        Self.expectDecoding(badUTF8, .invalidJSON(byteOffset: 9, reason: "the string is not valid UTF-8"),
                            "the header is not valid JSON at byte 9: the string is not valid UTF-8")
        badUTF8[10] = UInt8(ascii: "\"")
        badUTF8[9] = 0xC3
        Self.expectDecoding(badUTF8, .invalidJSON(byteOffset: 9, reason: "expected a string key, found byte 0xC3"),
                            "the header is not valid JSON at byte 9: expected a string key, found byte 0xC3")
        // Deep nesting is an error, not a stack overflow.
        Self.expectDecoding(Self.file(String(repeating: "[", count: 100_000)), .invalidJSON(byteOffset: 137, reason: "nested deeper than 128 levels"),
                            "the header is not valid JSON at byte 137: nested deeper than 128 levels")
        Self.expectDecoding(Self.file("[1, 2]"), .headerNotObject(found: "[1, 2]"),
                            "the header should be a JSON object of tensors, found [1, 2]")
    }

    @Test func malformedEntries() {
        Self.expectDecoding(Self.file(#"{"a":5}"#), .invalidEntry(tensor: "a", found: "5"),
                            "tensor 'a': the header entry should be an object with dtype, shape and data_offsets, found 5")
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[2]}}"#, data: Self.eightBytes), .missingField(tensor: "a", field: "data_offsets"),
                            #"tensor 'a': the header entry has no "data_offsets""#)
        Self.expectDecoding(Self.file(#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: Self.eightBytes), .missingField(tensor: "a", field: "dtype"),
                            #"tensor 'a': the header entry has no "dtype""#)
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: Self.eightBytes),
                            .duplicateField(tensor: "a", field: "dtype"),
                            #"tensor 'a': the header entry has "dtype" more than once"#)
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, data: Self.eightBytes),
                            .unknownDType(tensor: "a", dtype: "Q4"),
                            "tensor 'a': unknown dtype 'Q4' (known: BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64)")
        Self.expectDecoding(Self.file(#"{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}"#, data: Self.eightBytes),
                            .invalidField(tensor: "a", field: "dtype", expected: #"a string such as "F32""#, found: "32"),
                            #"tensor 'a': "dtype" should be a string such as "F32", found 32"#)
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]}}"#, data: Self.eightBytes),
                            .invalidField(tensor: "a", field: "shape", expected: "an array of non-negative integers", found: "[2, -1]"),
                            #"tensor 'a': "shape" should be an array of non-negative integers, found [2, -1]"#)
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, data: Self.eightBytes),
                            .invalidField(tensor: "a", field: "shape", expected: "an array of non-negative integers", found: "[2.0]"),
                            #"tensor 'a': "shape" should be an array of non-negative integers, found [2.0]"#)
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: Self.eightBytes),
                            .invalidField(tensor: "a", field: "data_offsets", expected: "[begin, end] with integers 0 ≤ begin ≤ end", found: "[8, 0]"),
                            #"tensor 'a': "data_offsets" should be [begin, end] with integers 0 ≤ begin ≤ end, found [8, 0]"#)
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}}"#, data: Self.eightBytes),
                            .invalidField(tensor: "a", field: "data_offsets", expected: "[begin, end] with integers 0 ≤ begin ≤ end", found: "[0, 8, 16]"),
                            #"tensor 'a': "data_offsets" should be [begin, end] with integers 0 ≤ begin ≤ end, found [0, 8, 16]"#)
    }

    @Test func shapesAndSizesMustAgree() throws {
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Self.eightBytes),
                            .sizeMismatch(tensor: "a", dtype: .float32, shape: [3], offsets: 0..<8),
                            "tensor 'a': F32 of shape [3] needs 12 bytes, but data_offsets [0, 8] hold 8")
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F64","shape":[],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                            .sizeMismatch(tensor: "a", dtype: .float64, shape: [], offsets: 0..<4),
                            "tensor 'a': F64 of shape [] needs 8 bytes, but data_offsets [0, 4] hold 4")
        // A lying shape: its element count overflows, and is never allocated.
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}"#),
                            .shapeTooLarge(tensor: "a", shape: [4_294_967_296, 4_294_967_296, 0]),
                            "tensor 'a': shape [4294967296, 4294967296, 0] has more elements than can be counted")
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, data: Self.eightBytes),
                            .shapeTooLarge(tensor: "a", shape: [2_305_843_009_213_693_952]),
                            "tensor 'a': shape [2305843009213693952] has more elements than can be counted")
        // Zero-sized and rank-0 tensors are fine, empty ranges at any boundary.
        let header = #"{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"f":{"dtype":"F64","shape":[2,0],"data_offsets":[0,0]}}"#
        let file = try SafeTensors(decoding: Self.file(header, data: [0, 0, 0x80, 0x3F]))
        #expect(file.names == ["e", "s", "f"])
        #expect(try file.array("s", as: Double.self) == NDArray(1))
        #expect(try file.array("e", as: Float.self).shape == [0, 3])
    }

    @Test func rangesMustTileTheDataSection() {
        let a = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
        Self.expectDecoding(Self.file(#"{\#(a),"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: [UInt8](repeating: 0, count: 12)),
                            .overlap(tensor: "b", offsets: 4..<12, other: "a", otherOffsets: 0..<8),
                            "tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [4, 12]) overlap")
        Self.expectDecoding(Self.file(#"{"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\#(a)}"#, data: Self.eightBytes),
                            .overlap(tensor: "a", offsets: 0..<8, other: "b", otherOffsets: 0..<8),
                            "tensors 'b' (data_offsets [0, 8]) and 'a' (data_offsets [0, 8]) overlap")
        Self.expectDecoding(Self.file(#"{\#(a),"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#, data: Self.eightBytes),
                            .overlap(tensor: "e", offsets: 4..<4, other: "a", otherOffsets: 0..<8),
                            "tensors 'a' (data_offsets [0, 8]) and 'e' (data_offsets [4, 4]) overlap")
        Self.expectDecoding(Self.file(#"{\#(a),"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#, data: [UInt8](repeating: 0, count: 20)),
                            .unclaimedBytes(8..<12, dataByteCount: 20),
                            "data bytes [8, 12) of the 20-byte data section belong to no tensor (the tensors must cover it without gaps)")
        Self.expectDecoding(Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: [UInt8](repeating: 0, count: 12)),
                            .unclaimedBytes(0..<4, dataByteCount: 12),
                            "data bytes [0, 4) of the 12-byte data section belong to no tensor (the tensors must cover it without gaps)")
        Self.expectDecoding(Self.file("{\(a)}", data: [UInt8](repeating: 0, count: 12)),
                            .unclaimedBytes(8..<12, dataByteCount: 12),
                            "data bytes [8, 12) of the 12-byte data section belong to no tensor (the tensors must cover it without gaps)")
        Self.expectDecoding(Self.file("{}", data: [1]),
                            .unclaimedBytes(0..<1, dataByteCount: 1),
                            "data bytes [0, 1) of the 1-byte data section belong to no tensor (the tensors must cover it without gaps)")
    }

    @Test func namesAndMetadataKeysAreUnique() {
        // A JSON object parser would keep one of the two; the header parser keeps both to reject them.
        Self.expectDecoding(Self.file("{\(Self.entryA),\(Self.entryA)}", data: Self.eightBytes), .duplicateName("a"),
                            "the header names tensor 'a' more than once")
        Self.expectDecoding(Self.file(#"{"__metadata__":{"k":"1","k":"2"}}"#), .duplicateMetadataKey("k"),
                            #""__metadata__" has the key 'k' more than once"#)
        Self.expectDecoding(Self.file(#"{"__metadata__":{},"__metadata__":{}}"#), .duplicateName("__metadata__"),
                            "the header names tensor '__metadata__' more than once")
        Self.expectDecoding(Self.file(#"{"__metadata__":{"format":1}}"#), .invalidMetadata(key: "format", found: "1"),
                            #""__metadata__" key 'format' should map to a string, found 1"#)
        Self.expectDecoding(Self.file(#"{"__metadata__":["pt"]}"#), .invalidMetadata(key: nil, found: #"["pt"]"#),
                            #""__metadata__" should be an object mapping strings to strings, found ["pt"]"#)
    }

    // MARK: Helpers

    /// A file from a header written out by hand and data bytes.
    static func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8) + data
    }

    static func littleEndian<Integer: FixedWidthInteger>(_ values: [Integer]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-safetensors-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Checks that `body` throws `expected`, and the error's message.
    static func expect(_ body: () throws -> Void, _ expected: SafeTensorsError, _ message: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) { try body() }
        #expect(expected.description == message, sourceLocation: sourceLocation)
    }

    static func expectDecoding(_ bytes: [UInt8], _ expected: SafeTensorsError, _ message: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        // Typed: decoding throws SafeTensorsError and nothing else.
        expect({ () throws(SafeTensorsError) in _ = try SafeTensors(decoding: bytes) }, expected, message, sourceLocation: sourceLocation)
    }
}
