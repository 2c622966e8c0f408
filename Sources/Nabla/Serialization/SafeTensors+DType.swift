extension SafeTensors {
    /// An element type, as the header spells it (`"F32"`, `"BF16"`, …).
    ///
    /// The cases are declared in the order of the reference implementation (narrowest first,
    /// then as it ranks types of one width); ``SafeTensors/encoded()`` lays tensors out in
    /// reverse of this order, so it writes what the reference writer writes. The sub-byte
    /// types (`F4`, `F6_E2M3`, `F6_E3M2`) are not supported.
    public enum DType: String, CaseIterable, Sendable, CustomStringConvertible {
        case bool = "BOOL"
        case uint8 = "U8"
        case int8 = "I8"
        case float8E5M2 = "F8_E5M2"
        case float8E4M3 = "F8_E4M3"
        case float8E8M0 = "F8_E8M0"
        case int16 = "I16"
        case uint16 = "U16"
        case float16 = "F16"
        case bfloat16 = "BF16"
        case int32 = "I32"
        case uint32 = "U32"
        case float32 = "F32"
        case complex64 = "C64"
        case float64 = "F64"
        case int64 = "I64"
        case uint64 = "U64"

        /// Bytes per element.
        public var byteCount: Int {
            switch self {
            case .bool, .uint8, .int8, .float8E5M2, .float8E4M3, .float8E8M0: 1
            case .int16, .uint16, .float16, .bfloat16: 2
            case .int32, .uint32, .float32: 4
            case .complex64, .float64, .int64, .uint64: 8
            }
        }

        /// The header's spelling.
        public var description: String { rawValue }

        /// The dtype of an array of `Scalar`: F32 for `Float`, F64 for `Double`.
        public static func of<Scalar: TensorScalar>(_: Scalar.Type) -> DType {
            if Scalar.self == Float.self { return .float32 }
            if Scalar.self == Double.self { return .float64 }
            requirementFailed("SafeTensors: no dtype for \(Scalar.self)")
        }

        /// Where the reference writer puts this dtype: higher comes first in the data.
        var layoutRank: Int { Self.allCases.firstIndex(of: self)! }
    }
}
