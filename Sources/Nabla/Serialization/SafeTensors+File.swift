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

    /// Writes the ``encoded()`` bytes to `path`, replacing any file there, atomically: they go
    /// to a temporary file in the same directory, which is flushed to disk and then renamed
    /// over `path`. A failed write removes the temporary file and leaves `path` as it was.
    /// The new file gets the permissions of a newly created file; a symbolic link at `path` is
    /// replaced, not followed.
    public func write(to path: String) throws(SafeTensorsError) {
        try FileBytes.replace(path, with: encoded())
    }
}

/// Whole-file reads and atomic replacements with POSIX calls, errors naming the path and the
/// system's reason.
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

    static func replace(_ path: String, with bytes: [UInt8]) throws(SafeTensorsError) {
        let temporary = temporaryPath(beside: path)
        // 0o666 less the umask: the permissions a new file would get.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: systemReason()) }
        func fail() -> SafeTensorsError {
            let reason = systemReason()
            unlink(temporary)
            return .cannotWrite(path: path, reason: reason)
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = fail()
                close(descriptor)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = fail()
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0, rename(temporary, path) == 0 else { throw fail() }
    }

    /// A fresh hidden name in the directory of `path`: `dir/.name.tmp-1f2e3d4c5b6a7988`.
    private static func temporaryPath(beside path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        return directory + "." + name + ".tmp-" + suffix
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
