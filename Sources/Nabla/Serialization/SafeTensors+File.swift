#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SafeTensors {
    /// Reads a safetensors file, checked as ``init(decoding:)`` checks bytes, without holding
    /// the file twice: the header length and the header are read and checked against the
    /// file's size first (a header that claims more than the file holds is an error before
    /// anything large is allocated), then each tensor's bytes are read into its own storage.
    /// Peak memory is about the tensors' size. (To load a model, ``Module/load(from:)`` also
    /// checks names and shapes against the model before reading any tensor.)
    public init(contentsOf path: String) throws(SafeTensorsError) {
        let file = try SafeTensorsFile(path: path)
        self.init(metadata: file.metadata)
        for entry in file.entries { self[entry.name] = try file.storedTensor(entry) }
    }

    /// Writes the ``encoded()`` bytes to `path` with an ``AtomicFileWriter``: only a regular
    /// file or a new path is written (a device, FIFO, directory or socket is an error and is
    /// left alone; a symbolic link's target is replaced), the bytes go to a hidden temporary
    /// file beside it that is flushed to disk and renamed over `path`, and a failed write or a
    /// SIGINT/SIGTERM leaves `path` as it was and no temporary file.
    public func write(to path: String) throws(FileWriteError) {
        let (prefix, tensors) = layout()
        var writer = try AtomicFileWriter(path: path)
        try writer.write(prefix)
        for tensor in tensors { try writer.write(tensor.bytes) }
        try writer.commit()
    }
}

/// An open safetensors file whose header has been read and checked against the file's size;
/// tensors are read from it one at a time, straight into their storage.
final class SafeTensorsFile {
    let path: String
    let metadata: [String: String]
    /// In the header's order.
    let entries: [SafeTensors.Entry]
    private let descriptor: Int32
    /// Where the data section starts in the file.
    private let dataStart: Int

    init(path: String) throws(SafeTensorsError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotRead(path: path, reason: systemReason()) }
        self.path = path
        self.descriptor = descriptor
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = SafeTensorsError.cannotRead(path: path, reason: systemReason())
            close(descriptor)
            throw error
        }
        do throws(SafeTensorsError) {
            guard (status.st_mode & S_IFMT) == S_IFREG else { throw .cannotRead(path: path, reason: "not a regular file") }
            let fileByteCount = Int(status.st_size)
            guard fileByteCount >= 8 else { throw .fileTooShort(byteCount: fileByteCount) }
            var length = [UInt8](repeating: 0, count: 8)
            try Self.read(descriptor, path, into: &length, from: 0, at: 0)
            let headerByteCount = length.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let dataStart = try SafeTensors.dataStart(headerByteCount: headerByteCount, fileByteCount: fileByteCount)
            // The header, indexed by its offsets in the file (for errors).
            var prefix = [UInt8](repeating: 0, count: dataStart)
            try Self.read(descriptor, path, into: &prefix, from: 8, at: 8)
            (metadata, entries) = try SafeTensors.header(prefix[8...], dataByteCount: fileByteCount - dataStart)
            self.dataStart = dataStart
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// The entry's bytes, as stored.
    func storedTensor(_ entry: SafeTensors.Entry) throws(SafeTensorsError) -> StoredTensor {
        var failure: SafeTensorsError?
        let bytes = [UInt8](unsafeUninitializedCapacity: entry.offsets.count) { buffer, initialized in
            do throws(SafeTensorsError) { try read(entry, into: UnsafeMutableRawBufferPointer(buffer)) } catch { failure = error }
            initialized = buffer.count
        }
        if let failure { throw failure }
        return StoredTensor(dtype: entry.dtype, shape: entry.shape, bytes: bytes)
    }

    /// The entry as an array of `Scalar` (converted as ``SafeTensors/array(_:as:)`` does).
    /// When the file holds `Scalar`s already, they are read straight into the array's storage.
    func array<Scalar: TensorScalar>(_ entry: SafeTensors.Entry, as _: Scalar.Type) throws(SafeTensorsError) -> NDArray<Scalar> {
        #if _endian(little)
        if entry.dtype == .of(Scalar.self) {
            var failure: SafeTensorsError?
            let array = NDArray<Scalar>.build(entry.shape) { buffer in
                do throws(SafeTensorsError) { try read(entry, into: UnsafeMutableRawBufferPointer(buffer)) } catch { failure = error }
            }
            if let failure { throw failure }
            return array
        }
        #endif
        return try storedTensor(entry).array(as: Scalar.self, name: entry.name)
    }

    private func read(_ entry: SafeTensors.Entry, into buffer: UnsafeMutableRawBufferPointer) throws(SafeTensorsError) {
        try Self.read(descriptor, path, into: buffer, at: dataStart + entry.offsets.lowerBound)
    }

    /// Fills `bytes[start...]` from the file at `offset`.
    private static func read(_ descriptor: Int32, _ path: String, into bytes: inout [UInt8], from start: Int,
                             at offset: Int) throws(SafeTensorsError) {
        let failure = bytes.withUnsafeMutableBytes { buffer -> SafeTensorsError? in
            do throws(SafeTensorsError) {
                try read(descriptor, path, into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]), at: offset)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Fills `buffer` from the file at `offset`; a file that ends first (it shrank since its
    /// size was read) is an error.
    private static func read(_ descriptor: Int32, _ path: String, into buffer: UnsafeMutableRawBufferPointer,
                             at offset: Int) throws(SafeTensorsError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, base + done, Swift.min(buffer.count - done, 1 << 30), off_t(offset + done))
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .cannotRead(path: path, reason: systemReason()) }
            guard count > 0 else {
                throw .cannotRead(path: path, reason: "the file ends at byte \(offset + done), before the bytes its header describes (did it change while it was read?)")
            }
            done += count
        }
    }
}
