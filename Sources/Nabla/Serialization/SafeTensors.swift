/// Named tensors in the safetensors format, the weights format of Hugging Face and PyTorch:
/// read a file PyTorch saved, take its tensors as `NDArray`s, and save Nabla's for PyTorch.
///
///     var weights = try SafeTensors(contentsOf: "model.safetensors")
///     let w = try weights.array("0.weight", as: Float.self)       // F32, F64, F16, BF16, ints
///     weights.set("0.weight", w.map { $0 * 2 })
///     try weights.write(to: "model.safetensors")
///
/// A file is an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the tensors' bytes, little-endian and row-major. Reading checks
/// everything the header claims against the file (see ``init(decoding:)``), so a damaged or
/// hostile file gives a ``SafeTensorsError``, never a crash or an allocation larger than the
/// file.
///
/// The tensors keep an order: the header's order for a decoded file, then insertion order.
/// Tensors of any dtype are kept as they are (``StoredTensor``), so reading a file and
/// writing it back loses nothing.
public struct SafeTensors: Sendable {
    /// The tensors in order, each name once. Change them with ``subscript(_:)`` or
    /// ``set(_:_:)``.
    public private(set) var tensors: [(name: String, tensor: StoredTensor)]
    /// The header's free-form `__metadata__`; PyTorch's `save_file` writes `["format": "pt"]`.
    public var metadata: [String: String]
    /// Where each name is in `tensors`.
    private var positions: [String: Int]

    /// The name the header reserves for ``metadata``; no tensor can have it.
    public static let metadataKey = "__metadata__"

    /// No tensors.
    public init(metadata: [String: String] = [:]) {
        self.tensors = []
        self.metadata = metadata
        self.positions = [:]
    }

    /// The tensors' names, in order.
    public var names: [String] { tensors.map(\.name) }

    /// The tensor called `name`, as stored. Setting replaces a tensor in place, appends a new
    /// name at the end, and removes the tensor when set to nil.
    public subscript(name: String) -> StoredTensor? {
        get { positions[name].map { tensors[$0].tensor } }
        set {
            require(name != Self.metadataKey, "SafeTensors: '\(Self.metadataKey)' is reserved for the metadata, not a tensor name")
            switch (positions[name], newValue) {
            case let (position?, tensor?):
                tensors[position].tensor = tensor
            case let (nil, tensor?):
                positions[name] = tensors.count
                tensors.append((name, tensor))
            case let (position?, nil):
                tensors.remove(at: position)
                positions[name] = nil
                for later in position..<tensors.count { positions[tensors[later].name] = later }
            case (nil, nil):
                break
            }
        }
    }

    /// Stores `array` as `name` (F32 for `Float`, F64 for `Double`), replacing a tensor of
    /// that name or appending a new one.
    public mutating func set<Scalar: TensorScalar>(_ name: String, _ array: NDArray<Scalar>) {
        self[name] = StoredTensor(array)
    }

    /// The tensor called `name` as an array of `Scalar`.
    ///
    /// Floating-point dtypes convert as PyTorch's `.to(dtype)` does: F32, F16 and BF16 exactly,
    /// F64 to `Float` rounded to nearest (an error if a finite value is beyond `Float`'s range).
    /// Integer dtypes convert only when every element is exactly representable, BOOL as 0 and
    /// 1. Other dtypes (8-bit floats, C64) are an error.
    public func array<Scalar: TensorScalar>(_ name: String, as type: Scalar.Type = Scalar.self) throws(SafeTensorsError) -> NDArray<Scalar> {
        guard let tensor = self[name] else { throw .tensorNotFound(name, available: names) }
        return try tensor.array(as: type, name: name)
    }
}

extension SafeTensors: Equatable {
    /// Equal when they hold the same names with the same tensors and the same metadata, in any
    /// order (order is presentation: ``encoded()`` lays tensors out by dtype and name).
    public static func == (a: SafeTensors, b: SafeTensors) -> Bool {
        a.metadata == b.metadata && a.tensors.count == b.tensors.count
            && a.tensors.allSatisfy { b[$0.name] == $0.tensor }
    }
}
