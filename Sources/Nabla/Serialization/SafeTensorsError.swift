/// Why safetensors bytes could not be read, a tensor could not be read as the array asked for,
/// or a file could not be read. Each case says where: the tensor, the byte offset,
/// the path; and what was expected against what was found.
///
/// Offsets called `data_offsets` or "data bytes" count from the start of the data section
/// (after the header), as the header's offsets do; `byteOffset` counts from the start of the
/// file.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    // The layout of the file.

    /// The file is shorter than the 8-byte header length that starts it.
    case fileTooShort(byteCount: Int)
    /// The header length (the first 8 bytes) runs past the end of the file.
    case headerBeyondFile(headerByteCount: UInt64, fileByteCount: Int)
    /// The header length is more than ``SafeTensors/maximumHeaderByteCount`` (the reference
    /// reader's limit); checked before the header is read.
    case headerTooLarge(headerByteCount: UInt64, limit: Int)
    /// The header is not JSON (or not UTF-8) at a byte of the file.
    case invalidJSON(byteOffset: Int, reason: String)
    /// The header is JSON but not an object.
    case headerNotObject(found: String)
    /// `__metadata__` is not an object mapping strings to strings: the whole of it (`key` nil)
    /// or the value of one key.
    case invalidMetadata(key: String?, found: String)
    /// `__metadata__` has a key twice.
    case duplicateMetadataKey(String)
    /// The header names a tensor twice.
    case duplicateName(String)

    // One tensor's entry in the header.

    /// The entry is not an object.
    case invalidEntry(tensor: String, found: String)
    /// The entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(tensor: String, field: String)
    /// The entry has a field twice.
    case duplicateField(tensor: String, field: String)
    /// A field has the wrong form.
    case invalidField(tensor: String, field: String, expected: String, found: String)
    /// The dtype is not one ``SafeTensors/DType`` knows.
    case unknownDType(tensor: String, dtype: String)
    /// The shape has more elements (or bytes) than `Int` can count.
    case shapeTooLarge(tensor: String, shape: [Int])
    /// The byte range's length is not the shape's element count times the dtype's size.
    case sizeMismatch(tensor: String, dtype: SafeTensors.DType, shape: Shape, offsets: Range<Int>)
    /// The byte range ends past the data section.
    case offsetsOutOfBounds(tensor: String, offsets: Range<Int>, dataByteCount: Int)

    // The tensors together.

    /// Two tensors' byte ranges overlap.
    case overlap(tensor: String, offsets: Range<Int>, other: String, otherOffsets: Range<Int>)
    /// Bytes of the data section that no tensor claims (between two tensors or at the end):
    /// the ranges must tile the data section exactly.
    case unclaimedBytes(Range<Int>, dataByteCount: Int)

    // Reading a tensor as an array.

    /// No tensor has the name asked for.
    case tensorNotFound(String, available: [String])
    /// The tensor's dtype has no conversion to the element type asked for.
    case unsupportedConversion(tensor: String, dtype: SafeTensors.DType, scalarType: String)
    /// An element has no value of the element type asked for: an integer not exactly
    /// representable, or a finite F64 beyond `Float`'s range.
    case notRepresentable(tensor: String, element: [Int], value: String, dtype: SafeTensors.DType, scalarType: String)

    // Files.

    /// The file could not be read; `reason` is the system's (or says that the file changed
    /// while it was read). Writing throws ``FileWriteError``.
    case cannotRead(path: String, reason: String)

    /// A message saying what is wrong with the file.
    public var description: String {
        switch self {
        case .fileTooShort(let byteCount):
            "the file is \(byteCount) bytes long; a safetensors file starts with an 8-byte header length"
        case .headerBeyondFile(let headerByteCount, let fileByteCount):
            "the header length (the first 8 bytes) is \(headerByteCount) bytes, but only \(fileByteCount - 8) bytes follow it"
        case .headerTooLarge(let headerByteCount, let limit):
            "the header length (the first 8 bytes) is \(headerByteCount) bytes, more than the \(limit) a safetensors header may have"
        case .invalidJSON(let byteOffset, let reason):
            "the header is not valid JSON at byte \(byteOffset): \(reason)"
        case .headerNotObject(let found):
            "the header should be a JSON object of tensors, found \(found)"
        case .invalidMetadata(nil, let found):
            "\"\(SafeTensors.metadataKey)\" should be an object mapping strings to strings, found \(found)"
        case .invalidMetadata(let key?, let found):
            "\"\(SafeTensors.metadataKey)\" key \(quoted(key)) should map to a string, found \(found)"
        case .duplicateMetadataKey(let key):
            "\"\(SafeTensors.metadataKey)\" has the key \(quoted(key)) more than once"
        case .duplicateName(let name):
            "the header names tensor \(quoted(name)) more than once"
        case .invalidEntry(let tensor, let found):
            "tensor \(quoted(tensor)): the header entry should be an object with dtype, shape and data_offsets, found \(found)"
        case .missingField(let tensor, let field):
            "tensor \(quoted(tensor)): the header entry has no \"\(field)\""
        case .duplicateField(let tensor, let field):
            "tensor \(quoted(tensor)): the header entry has \"\(field)\" more than once"
        case .invalidField(let tensor, let field, let expected, let found):
            "tensor \(quoted(tensor)): \"\(field)\" should be \(expected), found \(found)"
        case .unknownDType(let tensor, let dtype):
            "tensor \(quoted(tensor)): unknown dtype \(quoted(dtype)) (known: \(SafeTensors.DType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .shapeTooLarge(let tensor, let shape):
            "tensor \(quoted(tensor)): shape \(Shape.text(shape)) has more elements than can be counted"
        case .sizeMismatch(let tensor, let dtype, let shape, let offsets):
            "tensor \(quoted(tensor)): \(dtype) of shape \(shape) needs \(shape.count * dtype.byteCount) bytes, but data_offsets \(bracketed(offsets)) hold \(offsets.count)"
        case .offsetsOutOfBounds(let tensor, let offsets, let dataByteCount):
            "tensor \(quoted(tensor)): data_offsets \(bracketed(offsets)) end past the data section, which is \(dataByteCount) bytes"
        case .overlap(let tensor, let offsets, let other, let otherOffsets):
            "tensors \(quoted(other)) (data_offsets \(bracketed(otherOffsets))) and \(quoted(tensor)) (data_offsets \(bracketed(offsets))) overlap"
        case .unclaimedBytes(let range, let dataByteCount):
            "data bytes [\(range.lowerBound), \(range.upperBound)) of the \(dataByteCount)-byte data section belong to no tensor (the tensors must cover it without gaps)"
        case .tensorNotFound(let name, let available):
            "no tensor named \(quoted(name)) (\(listing(available)))"
        case .unsupportedConversion(let tensor, let dtype, let scalarType):
            "tensor \(quoted(tensor)) is \(dtype), which cannot be read as \(scalarType)"
        case .notRepresentable(let tensor, let element, let value, let dtype, let scalarType):
            "tensor \(quoted(tensor)): element \(Shape.text(element)), the \(dtype) value \(value), "
                + (dtype == .float64 ? "is beyond the range of \(scalarType)" : "is not exactly representable as \(scalarType)")
        case .cannotRead(let path, let reason):
            "cannot read \(quoted(path)): \(reason)"
        }
    }
}

private func quoted(_ text: String) -> String { "'\(text)'" }

/// A byte range as the header writes it: `[begin, end]`.
private func bracketed(_ range: Range<Int>) -> String { "[\(range.lowerBound), \(range.upperBound)]" }

/// The first few names, for a message.
private func listing(_ names: [String], limit: Int = 8) -> String {
    guard !names.isEmpty else { return "there are no tensors" }
    let shown = names.prefix(limit).map(quoted).joined(separator: ", ")
    return names.count > limit ? "the tensors include \(shown) and \(names.count - limit) more" : "the tensors are \(shown)"
}

private extension Shape {
    /// Dimensions as `[4, 3]`, for numbers not (yet) known to make a valid shape.
    static func text(_ dimensions: [Int]) -> String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }
}
