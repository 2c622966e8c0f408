#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import Nabla

/// Every file Nabla writes goes through `AtomicFileWriter`: only a regular file or a new path
/// is written, atomically, and no temporary file outlives an error, a dropped writer or a
/// signal.
@Suite("Writing files")
struct FileWritingTests {
    /// The writers a user has: safetensors, a model, an SVG plot.
    static let writers: [(name: String, write: @Sendable (String) throws -> Void)] = [
        ("SafeTensors.write", { path in
            var file = SafeTensors()
            file.set("w", NDArray<Float>([1, 2]))
            try file.write(to: path)
        }),
        ("Module.save", { path in try Linear<Float>(2, 1, seed: 0).save(to: path) }),
        ("SVGDocument.write", { path in try SVGDocument(width: 10, height: 10).write(to: path) }),
    ]

    static func fileType(_ path: String) -> mode_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & S_IFMT : nil
    }

    @Test func aFIFOIsRefusedAndLeftAlone() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        // A reader that never blocks, so that a writer opening the FIFO (as the old SVG writer
        // did) would not hang the test.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        for (name, write) in Self.writers {
            #expect(throws: FileWriteError.notRegularFile(path: fifo, kind: .fifo), "\(name)") { try write(fifo) }
            #expect(Self.fileType(fifo) == S_IFIFO, "\(name) replaced the FIFO")
        }
        var pending = [UInt8](repeating: 0, count: 16)
        #expect(read(reader, &pending, pending.count) <= 0, "nothing was written into the FIFO")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["pipe"], "no temporary file left")
        #expect(FileWriteError.notRegularFile(path: fifo, kind: .fifo).description
            == "cannot write '\(fifo)': it is a FIFO (named pipe), not a regular file (only a regular file or a new path is written; nothing was changed)")
    }

    @Test func aDeviceIsRefusedBeforeAnythingIsWritten() throws {
        // The check comes before any file is created, so this is safe even as root; afterwards
        // /dev/null must still be the character device it was.
        for (name, write) in Self.writers {
            #expect(throws: FileWriteError.notRegularFile(path: "/dev/null", kind: .characterDevice), "\(name)") { try write("/dev/null") }
        }
        #expect(throws: FileWriteError.notRegularFile(path: "/dev/null", kind: .characterDevice)) {
            try AtomicFileWriter.checkWritable("/dev/null")
        }
        #expect(Self.fileType("/dev/null") == S_IFCHR)
    }

    @Test func aDirectoryIsRefused() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, write) in Self.writers {
            #expect(throws: FileWriteError.notRegularFile(path: directory, kind: .directory), "\(name)") { try write(directory) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func aSymbolicLinkIsJudgedAndWrittenThroughItsTarget() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // To a regular file: the target gets the new bytes, the link stays a link.
        let target = directory + "/target.svg", link = directory + "/link.svg"
        #expect(FileManager.default.createFile(atPath: target, contents: Data("old".utf8)))
        #expect(symlink(target, link) == 0)
        try AtomicFileWriter.write(Array("new".utf8), to: link)
        #expect(Self.fileType(link) == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
        // To a FIFO: refused, as the FIFO itself would be.
        let fifo = directory + "/pipe", fifoLink = directory + "/pipe-link"
        #expect(mkfifo(fifo, 0o600) == 0 && symlink(fifo, fifoLink) == 0)
        #expect(throws: FileWriteError.notRegularFile(path: fifoLink, kind: .fifo)) { try AtomicFileWriter.write([1], to: fifoLink) }
        // To nothing: refused (the link is not replaced by a file).
        let broken = directory + "/broken"
        #expect(symlink(directory + "/missing", broken) == 0)
        #expect(throws: FileWriteError.notRegularFile(path: broken, kind: .brokenSymbolicLink)) { try AtomicFileWriter.write([1], to: broken) }
        #expect(Self.fileType(broken) == S_IFLNK)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == ["target.svg", "link.svg", "pipe", "pipe-link", "broken"])
    }

    @Test func aReplacedFileKeepsItsPermissions() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/private.safetensors"
        try AtomicFileWriter.write([1, 2, 3], to: path)
        #expect(chmod(path, 0o600) == 0)
        try AtomicFileWriter.write([4, 5], to: path)
        var status = stat()
        #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4, 5]))
    }

    @Test func aWriterLeavesNoTemporaryFileUnlessCommitted() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.safetensors"
        do {
            var writer = try AtomicFileWriter(path: path)
            try writer.write([1, 2, 3])
            // While it writes, the hidden temporary file exists and signal handling knows it.
            let name = String(writer.temporaryPath.split(separator: "/").last!)
            #expect(name.hasPrefix(".model.safetensors.tmp-") && name.count == ".model.safetensors.tmp-".count + 16)
            #expect(TemporaryFiles.shared.live.contains(writer.temporaryPath))
            #expect(FileManager.default.fileExists(atPath: writer.temporaryPath))
            // Dropped here, after an error or on purpose, without commit().
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        var writer = try AtomicFileWriter(path: path)
        let temporary = writer.temporaryPath
        try writer.write([7])
        try writer.commit()
        #expect(!TemporaryFiles.shared.live.contains(temporary))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.safetensors"])
    }

    @Test func signalHandlingRemovesTheFilesBeingWritten() throws {
        // A registry of its own, so that emptying it cannot touch other tests' files.
        let registry = TemporaryFiles(capacity: 2)
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let paths = (0..<3).map { directory + "/.file\($0).tmp-0123456789abcdef" }
        let slots = paths.map(registry.reserve)
        #expect(slots[0] != nil && slots[1] != nil && slots[2] == nil, "two slots, the third writer goes unlisted")
        for (path, slot) in zip(paths, slots) {
            #expect(FileManager.default.createFile(atPath: path, contents: Data([1])))
            if let slot { registry.activate(slot) }
        }
        #expect(registry.live == Array(paths.prefix(2)))
        registry.removeAll()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [".file2.tmp-0123456789abcdef"])
        // A released slot is free again, and never removed.
        registry.release(slots[0]!)
        #expect(registry.reserve(paths[2]) == slots[0])
        registry.removeAll()
        #expect(FileManager.default.fileExists(atPath: paths[2]), "a reserved slot's file is not removed until it is live")
    }

    @Test func theProcessWideHandlersAreInstalledForDefaultSignalsOnly() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFileWriter.checkWritable(directory + "/x")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "checking writes nothing")
        // SIGINT, SIGTERM and SIGHUP had their default action in the test process: each now
        // has Nabla's handler, which removes the temporary files and re-raises the signal.
        for number in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            #expect(sigaction(number, nil, &action) == 0)
            #if canImport(Glibc)
            #expect(action.__sigaction_handler.sa_handler != nil, "signal \(number)")
            #endif
        }
    }
}
