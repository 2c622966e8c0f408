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
        try load(names: file.names, shape: { file[$0]?.shape }) { name throws(SafeTensorsError) in
            try file.array(name, as: Scalar.self)
        }
    }

    /// Loads the file at `path` (as ``load(_:)``), reading no more than it needs: the header
    /// length and the header are checked against the file's size, then every name and shape
    /// against the model, all before any tensor is read (a damaged or mismatched file, however
    /// large, is an error at once); then each tensor is read straight into the new parameter's
    /// storage. Peak memory is the model's own plus one copy of its parameters (the new values,
    /// all read before any is set), whatever the file's size.
    public func load(from path: String) throws(ModelLoadError) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw .file(error) }
        var entries: [String: SafeTensors.Entry] = [:]
        for entry in file.entries { entries[entry.name] = entry }
        try load(names: file.entries.map(\.name), shape: { entries[$0]?.shape }) { name throws(SafeTensorsError) in
            try file.array(entries[name]!, as: Scalar.self)
        }
    }

    /// Checks every name and shape, then reads every array, then sets them all.
    private func load(names: [String], shape: (String) -> Shape?,
                      array: (String) throws(SafeTensorsError) -> NDArray<Scalar>) throws(ModelLoadError) {
        var missing: [String] = []
        func check(_ name: String, _ expected: Shape) throws(ModelLoadError) -> Bool {
            guard let found = shape(name) else { missing.append(name); return false }
            guard found == expected else { throw .wrongShape(name, expected: expected, found: found) }
            return true
        }
        var parameterNames: [(String, Tensor<Scalar>)] = []
        var bufferNames: [(String, Buffer<Scalar>)] = []
        for (name, tensor) in namedParameters {
            if try check(name, tensor.shape) { parameterNames.append((name, tensor)) }
        }
        for (name, buffer) in namedBuffers {
            if try check(name, buffer.value.shape) { bufferNames.append((name, buffer)) }
        }
        guard missing.isEmpty else { throw .missing(missing) }
        let known = Set(namedParameters.map(\.name) + namedBuffers.map(\.name))
        let unexpected = names.filter { !known.contains($0) && !$0.hasSuffix("num_batches_tracked") }
        guard unexpected.isEmpty else { throw .unexpected(unexpected) }

        var parameters: [(Tensor<Scalar>, NDArray<Scalar>)] = []
        var buffers: [(Buffer<Scalar>, NDArray<Scalar>)] = []
        do {
            for (name, tensor) in parameterNames { parameters.append((tensor, try array(name))) }
            for (name, buffer) in bufferNames { buffers.append((buffer, try array(name))) }
        } catch {
            throw .file(error)
        }
        for (tensor, array) in parameters { tensor.data = array }
        for (buffer, array) in buffers { buffer.value = array }
    }
}

/// Why weights could not be loaded into a model (which is then unchanged).
public enum ModelLoadError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read or parsed, or a tensor could not be converted.
    case file(SafeTensorsError)
    /// The names of the model's parameters and buffers that the file lacks.
    case missing([String])
    /// The names of the file's tensors that the model does not have.
    case unexpected([String])
    /// A tensor whose shape in the file differs from the model's.
    case wrongShape(String, expected: Shape, found: Shape)

    /// A message naming the tensors at fault.
    public var description: String {
        switch self {
        case .file(let error): "\(error)"
        case .missing(let names): "the file has no tensor for \(names.map { "'\($0)'" }.joined(separator: ", ")) (nothing was loaded)"
        case .unexpected(let names): "the file has tensors the model does not: \(names.map { "'\($0)'" }.joined(separator: ", ")) (nothing was loaded)"
        case .wrongShape(let name, let expected, let found): "'\(name)' has shape \(found) in the file, the model's is \(expected) (nothing was loaded)"
        }
    }
}
