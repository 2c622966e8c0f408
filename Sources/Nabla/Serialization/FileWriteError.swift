/// Why a file could not be written. Every file Nabla writes (``SafeTensors/write(to:)``,
/// ``Module/save(to:metadata:)``, ``SVGDocument/write(to:)``) goes through
/// ``AtomicFileWriter``, so whatever the error, the path holds what it held before and no
/// temporary file is left behind.
public enum FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path names something other than a regular file (`kind`), which Nabla does not
    /// replace: nothing was written. A symbolic link is judged by its target.
    case notRegularFile(path: String, kind: FileKind)
    /// The system refused; `reason` is its message (`strerror`).
    case cannotWrite(path: String, reason: String)

    /// The path as the caller gave it.
    public var path: String {
        switch self {
        case .notRegularFile(let path, _), .cannotWrite(let path, _): path
        }
    }

    /// A message naming the path and what went wrong.
    public var description: String {
        switch self {
        case .notRegularFile(let path, let kind):
            "cannot write '\(path)': it is \(kind.description), not a regular file "
                + "(only a regular file or a new path is written; nothing was changed)"
        case .cannotWrite(let path, let reason):
            "cannot write '\(path)': \(reason)"
        }
    }
}

/// What a path names, when it is not a regular file.
public enum FileKind: Equatable, Sendable, CustomStringConvertible {
    /// A directory.
    case directory
    /// A character device, such as `/dev/null` or a terminal.
    case characterDevice
    /// A block device, such as a disk.
    case blockDevice
    /// A named pipe (`mkfifo`).
    case fifo
    /// A Unix domain socket.
    case socket
    /// A symbolic link whose target does not exist.
    case brokenSymbolicLink
    /// Anything else the system reports.
    case other

    /// The kind in words, with its article: "a directory".
    public var description: String {
        switch self {
        case .directory: "a directory"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .fifo: "a FIFO (named pipe)"
        case .socket: "a socket"
        case .brokenSymbolicLink: "a symbolic link to a missing file"
        case .other: "a special file"
        }
    }
}
