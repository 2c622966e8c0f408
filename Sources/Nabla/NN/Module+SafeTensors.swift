// Saving and loading a module's parameters and buffers in the safetensors format, under
// PyTorch's state_dict names, so weights move between Nabla and PyTorch.

extension Module {
    /// Every parameter and buffer by name (PyTorch's `state_dict()`), as stored tensors of the
    /// module's element type.
    public func stateDict(metadata: [String: String] = ["format": "pt"]) -> SafeTensors {
        var file = SafeTensors(metadata: metadata)
        for (name, tensor) in namedParameters { file.set(name, tensor.data) }
        for (name, buffer) in namedBuffers { file.set(name, buffer.value) }
        return file
    }

    /// Writes ``stateDict(metadata:)`` to `path` with an ``AtomicFileWriter``: only a regular
    /// file or a new path is written, atomically, and a failed write leaves `path` as it was
    /// and no temporary file (see ``SafeTensors/write(to:)``).
    public func save(to path: String, metadata: [String: String] = ["format": "pt"]) throws(FileWriteError) {
        try stateDict(metadata: metadata).write(to: path)
    }

    /// Replaces every parameter and buffer with the file's tensor of the same name, converting
    /// the element type when needed (F16, BF16, F64 into Float, …). All or nothing: every name,
    /// shape and conversion is checked first, and on any error nothing in the module changes.
    /// Entries the module does not have are an error, as PyTorch's strict loading, except
    /// batch norm's `num_batches_tracked`, which Nabla does not keep.
    public func load(_ file: SafeTensors) throws(ModelLoadError) {
        var parameters: [(Tensor<Scalar>, NDArray<Scalar>)] = []
        var buffers: [(Buffer<Scalar>, NDArray<Scalar>)] = []
        var missing: [String] = []
        func value(_ name: String, shape: Shape) throws(ModelLoadError) -> NDArray<Scalar>? {
            guard let stored = file[name] else { missing.append(name); return nil }
            guard stored.shape == shape else { throw .wrongShape(name, expected: shape, found: stored.shape) }
            do { return try file.array(name, as: Scalar.self) } catch { throw .file(error) }
        }
        for (name, tensor) in namedParameters {
            if let array = try value(name, shape: tensor.shape) { parameters.append((tensor, array)) }
        }
        for (name, buffer) in namedBuffers {
            if let array = try value(name, shape: buffer.value.shape) { buffers.append((buffer, array)) }
        }
        guard missing.isEmpty else { throw .missing(missing) }
        let known = Set(namedParameters.map(\.name) + namedBuffers.map(\.name))
        let unexpected = file.names.filter { !known.contains($0) && !$0.hasSuffix("num_batches_tracked") }
        guard unexpected.isEmpty else { throw .unexpected(unexpected) }
        for (tensor, array) in parameters { tensor.data = array }
        for (buffer, array) in buffers { buffer.value = array }
    }

    /// Loads the file at `path` (see ``load(_:)``).
    public func load(from path: String) throws(ModelLoadError) {
        let file: SafeTensors
        do { file = try SafeTensors(contentsOf: path) } catch { throw .file(error) }
        try load(file)
    }
}

/// Why weights could not be loaded into a model (which is then unchanged).
public enum ModelLoadError: Error, Equatable, CustomStringConvertible {
    case file(SafeTensorsError)
    case missing([String])
    case unexpected([String])
    case wrongShape(String, expected: Shape, found: Shape)

    public var description: String {
        switch self {
        case .file(let error): "\(error)"
        case .missing(let names): "the file has no tensor for \(names.map { "'\($0)'" }.joined(separator: ", ")) (nothing was loaded)"
        case .unexpected(let names): "the file has tensors the model does not: \(names.map { "'\($0)'" }.joined(separator: ", ")) (nothing was loaded)"
        case .wrongShape(let name, let expected, let found): "'\(name)' has shape \(found) in the file, the model's is \(expected) (nothing was loaded)"
        }
    }
}
