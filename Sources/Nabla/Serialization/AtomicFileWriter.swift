#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one file so that nothing is destroyed and nothing is half-written: every file Nabla
/// writes (safetensors, saved models, SVG plots) goes through it.
///
///     var writer = try AtomicFileWriter(path: "weights.safetensors")
///     try writer.write(header)
///     try writer.write(tensorBytes)
///     try writer.commit()                 // the file appears, complete, only here
///
/// Its guarantees:
///
/// - **Only a regular file or a new path is written.** A directory, a device such as
///   `/dev/null`, a FIFO or a socket at the path is a ``FileWriteError/notRegularFile(path:kind:)``
///   thrown by ``init(path:)``, before anything is created; the check is made again just
///   before the rename. A symbolic link is followed: its target is judged, and replaced (the
///   link stays a link).
/// - **Atomic.** The bytes go to a hidden temporary file beside the destination,
///   `.NAME.tmp-XXXXXXXXXXXXXXXX`, which ``commit()`` flushes to disk (`fsync`) and renames
///   over the destination. A reader, a crash or a kill sees the old file or the complete new
///   one, never a part.
/// - **No temporary file is left.** On any error, and when a writer is dropped without
///   ``commit()``, the temporary file is removed. While it exists it is listed in a fixed,
///   preallocated registry that signal handling empties: for SIGINT, SIGTERM and SIGHUP whose
///   action is the default when the first writer starts, Nabla installs a handler that removes
///   the listed files and then lets the signal end the process as it would have. A program
///   with its own handlers calls ``removeTemporaryFiles()`` (async-signal-safe) from them.
///   Only a SIGKILL or a power cut can leave one behind.
/// - A replaced file keeps its permission bits; a new one gets those of any new file (0666
///   less the umask).
///
/// Errors are ``FileWriteError``s naming the path as given.
public struct AtomicFileWriter: ~Copyable {
    /// The path as given.
    public let path: String
    /// Where the file goes: `path`, or its target when `path` is a symbolic link.
    public let destination: String
    /// The hidden temporary file being written.
    public let temporaryPath: String
    private var descriptor: Int32
    private let slot: Int?
    private var committed = false

    /// Checks `path` (a regular file, a symbolic link to one, or a path that does not exist
    /// yet) and creates the temporary file beside it.
    public init(path: String) throws(FileWriteError) {
        let (destination, mode) = try Self.check(path)
        let temporary = Self.temporaryPath(beside: destination)
        TemporaryFiles.installSignalHandlers()
        let slot = TemporaryFiles.shared.reserve(temporary)
        // 0o666 less the umask: the permissions a new file would get.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            let error = FileWriteError.cannotWrite(path: path, reason: systemReason())
            if let slot { TemporaryFiles.shared.release(slot) }
            throw error
        }
        if let slot { TemporaryFiles.shared.activate(slot) }
        if let mode { _ = fchmod(descriptor, mode) }
        self.path = path
        self.destination = destination
        self.temporaryPath = temporary
        self.descriptor = descriptor
        self.slot = slot
    }

    /// Appends `bytes` to the temporary file.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let count = systemWrite(descriptor, next, left)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .cannotWrite(path: path, reason: count == 0 ? "nothing was written" : systemReason()) }
            next += count
            left -= count
        }
    }

    /// Appends `bytes` to the temporary file.
    public mutating func write(_ bytes: [UInt8]) throws(FileWriteError) {
        let result: Result<Void, FileWriteError> = bytes.withUnsafeBytes { raw in
            do throws(FileWriteError) { try write(raw); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Flushes the temporary file to disk and renames it over the destination, after checking
    /// again that the destination is still a regular file or absent. On an error the
    /// temporary file is removed and the destination is as it was.
    public consuming func commit() throws(FileWriteError) {
        guard fsync(descriptor) == 0 else { throw .cannotWrite(path: path, reason: systemReason()) }
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else { throw .cannotWrite(path: path, reason: systemReason()) }
        _ = try Self.check(path)
        guard rename(temporaryPath, destination) == 0 else { throw .cannotWrite(path: path, reason: systemReason()) }
        committed = true
        if let slot { TemporaryFiles.shared.release(slot) }
        Self.syncDirectory(of: destination)
    }

    deinit {
        guard !committed else { return }
        if descriptor >= 0 { close(descriptor) }
        unlink(temporaryPath)
        if let slot { TemporaryFiles.shared.release(slot) }
    }

    /// Writes `bytes` to `path` atomically (see ``AtomicFileWriter``).
    public static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        var writer = try AtomicFileWriter(path: path)
        try writer.write(bytes)
        try writer.commit()
    }

    /// Checks now that `path` can be written, without changing it: that it is a regular file,
    /// a symbolic link to one, or a new path, and that a temporary file can be created beside
    /// it (one is created and removed). A program that writes at the end of a long run calls
    /// this first, so that a bad path is an error before the run rather than after it.
    public static func checkWritable(_ path: String) throws(FileWriteError) {
        _ = try AtomicFileWriter(path: path)
    }

    /// Removes every temporary file that a writer in this process is writing now. Safe to
    /// call from a signal handler (it only reads a preallocated list and calls `unlink`), for
    /// programs that handle SIGINT or SIGTERM themselves and then exit.
    public static func removeTemporaryFiles() {
        TemporaryFiles.shared.removeAll()
    }

    // MARK: Checks

    /// The path to write (a symbolic link's target) and, when it exists, its permission bits;
    /// an error when it is not a regular file.
    static func check(_ path: String) throws(FileWriteError) -> (destination: String, mode: mode_t?) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            guard errno == ENOENT else { throw .cannotWrite(path: path, reason: systemReason()) }
            return (path, nil)
        }
        var destination = path
        if status.st_mode & S_IFMT == S_IFLNK {
            guard let resolved = realpath(path, nil) else {
                if errno == ENOENT { throw .notRegularFile(path: path, kind: .brokenSymbolicLink) }
                throw .cannotWrite(path: path, reason: systemReason())
            }
            destination = String(cString: resolved)
            free(resolved)
            guard stat(destination, &status) == 0 else { throw .cannotWrite(path: path, reason: systemReason()) }
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return (destination, status.st_mode & 0o777)
        case S_IFDIR: throw .notRegularFile(path: path, kind: .directory)
        case S_IFCHR: throw .notRegularFile(path: path, kind: .characterDevice)
        case S_IFBLK: throw .notRegularFile(path: path, kind: .blockDevice)
        case S_IFIFO: throw .notRegularFile(path: path, kind: .fifo)
        case S_IFSOCK: throw .notRegularFile(path: path, kind: .socket)
        default: throw .notRegularFile(path: path, kind: .other)
        }
    }

    /// A fresh hidden name in the directory of `path`: `dir/.name.tmp-1f2e3d4c5b6a7988` (a name
    /// too long to extend becomes `.nabla.tmp-…`).
    static func temporaryPath(beside path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        let suffix = String(repeating: "0", count: 16 - hex.count) + hex
        return directory + "." + (name.utf8.count <= 200 ? name : "nabla") + ".tmp-" + suffix
    }

    /// Flushes the directory entry of a renamed file (best effort: not every file system
    /// allows it, and the file's own data is already on disk).
    private static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { path[...$0].isEmpty ? "/" : String(path[...$0]) } ?? "."
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}

/// write(2), under a name that the writer's own `write` methods do not hide.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}

/// The system's message for `errno`.
func systemReason() -> String { String(cString: strerror(errno)) }
