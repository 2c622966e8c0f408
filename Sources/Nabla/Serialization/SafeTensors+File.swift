#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SafeTensors {
    /// Reads and decodes a safetensors file (see ``init(decoding:)``).
    public init(contentsOf path: String) throws(SafeTensorsError) {
        try self.init(decoding: try FileBytes.contents(of: path))
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

/// Whole-file reads with POSIX calls, errors naming the path and the system's reason.
enum FileBytes {
    static func contents(of path: String) throws(SafeTensorsError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotRead(path: path, reason: systemReason()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .cannotRead(path: path, reason: systemReason()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .cannotRead(path: path, reason: "not a regular file") }

        // The size is a hint: read to the end, however long the file turns out to be.
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(status.st_size))
        let chunk = 1 << 20
        while true {
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + start, chunk) }
            if count < 0 && errno == EINTR {
                bytes.removeLast(chunk)
                continue
            }
            guard count >= 0 else { throw .cannotRead(path: path, reason: systemReason()) }
            bytes.removeLast(chunk - count)
            if count == 0 { return bytes }
        }
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
