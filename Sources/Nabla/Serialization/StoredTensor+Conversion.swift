extension StoredTensor {
    /// The elements converted to `Scalar`, as ``SafeTensors/array(_:as:)`` describes; `name`
    /// is the tensor's, for errors.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func array<Scalar: TensorScalar>(as _: Scalar.Type, name: String) throws(SafeTensorsError) -> NDArray<Scalar> {
        #if _endian(little)
        // The common case, weights read as the type they were saved as: the bytes are the
        // elements, copied in one go.
        if dtype == .of(Scalar.self) {
            let scalars = [Scalar](unsafeUninitializedCapacity: shape.count) { buffer, initialized in
                bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
                initialized = shape.count
            }
            return NDArray(shape: shape, checkedScalars: scalars)
        }
        #endif
        let scalars: [Scalar]
        switch dtype {
        case .float32: scalars = elements(UInt32.self).map { Scalar(Float(bitPattern: $0)) }
        case .float16: scalars = elements(UInt16.self).map { Scalar(Float(float16Bits: $0)) }
        case .bfloat16: scalars = elements(UInt16.self).map { Scalar(Float(bitPattern: UInt32($0) << 16)) }
        case .float64: scalars = try rounded(elements(UInt64.self).map(Double.init(bitPattern:)), name: name)
        case .bool: scalars = elements(UInt8.self).map { $0 == 0 ? 0 : 1 }
        case .uint8: scalars = try exactly(elements(UInt8.self), name: name)
        case .int8: scalars = try exactly(elements(Int8.self), name: name)
        case .uint16: scalars = try exactly(elements(UInt16.self), name: name)
        case .int16: scalars = try exactly(elements(Int16.self), name: name)
        case .uint32: scalars = try exactly(elements(UInt32.self), name: name)
        case .int32: scalars = try exactly(elements(Int32.self), name: name)
        case .uint64: scalars = try exactly(elements(UInt64.self), name: name)
        case .int64: scalars = try exactly(elements(Int64.self), name: name)
        case .float8E5M2, .float8E4M3, .float8E8M0, .complex64:
            throw .unsupportedConversion(tensor: name, dtype: dtype, scalarType: "\(Scalar.self)")
        }
        return NDArray(shape: shape, checkedScalars: scalars)
    }

    /// Doubles rounded to the nearest `Scalar`; a finite value beyond its range is an error
    /// rather than an infinity.
    private func rounded<Scalar: TensorScalar>(_ values: [Double], name: String) throws(SafeTensorsError) -> [Scalar] {
        var scalars = [Scalar]()
        scalars.reserveCapacity(values.count)
        for (offset, value) in values.enumerated() {
            let scalar = Scalar(value)
            guard scalar.isFinite || !value.isFinite else {
                throw notRepresentable(offset, "\(value)", as: Scalar.self, name: name)
            }
            scalars.append(scalar)
        }
        return scalars
    }

    /// Integers as `Scalar`s, each exactly or an error.
    private func exactly<Scalar: TensorScalar, Integer: FixedWidthInteger>(_ values: [Integer], name: String) throws(SafeTensorsError) -> [Scalar] {
        var scalars = [Scalar]()
        scalars.reserveCapacity(values.count)
        for (offset, value) in values.enumerated() {
            guard let scalar = Scalar(exactly: value) else {
                throw notRepresentable(offset, "\(value)", as: Scalar.self, name: name)
            }
            scalars.append(scalar)
        }
        return scalars
    }

    private func notRepresentable<Scalar>(_ offset: Int, _ value: String, as _: Scalar.Type, name: String) -> SafeTensorsError {
        .notRepresentable(tensor: name, element: index(ofElementAt: offset), value: value, dtype: dtype, scalarType: "\(Scalar.self)")
    }

    /// The multi-dimensional index of the element at a row-major offset.
    func index(ofElementAt offset: Int) -> [Int] {
        var index = [Int](repeating: 0, count: shape.rank)
        var rest = offset
        for axis in stride(from: shape.rank - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }
}

extension Float {
    /// The value of an IEEE 754 half-precision bit pattern (exact: every half is a float),
    /// computed from the bits so that it needs no `Float16` support from the platform.
    init(float16Bits bits: UInt16) {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:  // zero or subnormal: fraction × 2⁻²⁴
            let magnitude = Float(fraction) * 0x1p-24
            self = sign == 0 ? magnitude : -magnitude
        case 0x1F:  // infinity or NaN, payload kept
            self = Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        default:  // rebias the exponent from 15 to 127
            self = Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
        }
    }
}
