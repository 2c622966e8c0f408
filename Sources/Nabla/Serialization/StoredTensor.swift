/// One tensor as a safetensors file holds it: an element type, a shape and the elements'
/// bytes, little-endian and row-major. Any dtype is kept byte for byte;
/// ``SafeTensors/array(_:as:)`` converts to `Float` or `Double`.
public struct StoredTensor: Equatable, Sendable {
    /// The element type, as the header names it.
    public let dtype: SafeTensors.DType
    /// The tensor's dimensions.
    public let shape: Shape
    /// `shape.count × dtype.byteCount` bytes.
    public let bytes: [UInt8]

    /// A tensor from its bytes, which must be `shape.count × dtype.byteCount` long (another
    /// length stops: a programmer error).
    public init(dtype: SafeTensors.DType, shape: Shape, bytes: [UInt8]) {
        require(bytes.count == shape.count * dtype.byteCount,
                     "StoredTensor: \(dtype) of shape \(shape) needs \(shape.count * dtype.byteCount) bytes, got \(bytes.count)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An array's elements as F32 (`Float`) or F64 (`Double`), bit for bit.
    public init<Scalar: TensorScalar>(_ array: NDArray<Scalar>) {
        var bytes = array.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
        #if _endian(big)
        let width = MemoryLayout<Scalar>.size
        for start in stride(from: 0, to: bytes.count, by: width) { bytes[start..<start + width].reverse() }
        #endif
        self.init(dtype: .of(Scalar.self), shape: array.shape, bytes: bytes)
    }

    /// The elements as `Element`s read from little-endian bytes (`Element` as wide as the
    /// dtype).
    func elements<Element: FixedWidthInteger>(_: Element.Type) -> [Element] {
        let width = MemoryLayout<Element>.size
        let count = bytes.count / width
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    buffer[i] = Element(littleEndian: raw.loadUnaligned(fromByteOffset: i * width, as: Element.self))
                }
            }
            initialized = count
        }
    }
}
