import Foundation
import Testing
@testable import Nabla

/// Reading programs: bounded, checked UTF-8 with the place of bad bytes, files told apart.
@Suite("Reading programs")
struct ProgramSourceTests {
    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-source-\(UUID()).txt").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func invalidUTF8IsPlaced() throws {
        let bytes = Array("y = 1\nz = x".utf8) + [0xC3, 0x28] + Array(" + 2\n".utf8)
        #expect(throws: ScriptError("invalid UTF-8 in standard input at byte offset 11 (0xC3); save the program as UTF-8",
                                    line: 2, column: 6, sourceLine: "z = x\u{FFFD}( + 2")) {
            try ProgramSource.text(decoding: bytes, from: "standard input")
        }
        let path = try temporaryFile(Array("# é\n".utf8) + [0xFF, 0xFE])
        defer { try? FileManager.default.removeItem(atPath: path) }
        do { _ = try ProgramSource.readFile(path); Issue.record("no error") } catch {
            #expect(error.description == """
                line 2, column 1: invalid UTF-8 in the file '\(path.prefix(ScriptError.quotedLength))…' at byte offset 5 (0xFF); save the program as UTF-8
                  ��
                  ^
                """)
        }
    }

    @Test func invalidUTF8AfterCarriageReturnsIsPlacedOnItsLine() throws {
        // Lines counted as the lexer counts them: CR LF is one line end, a lone CR another.
        let bytes = Array("a = 1\r\nb = 2\rc = ".utf8) + [0xFF] + Array("\r\n".utf8)
        #expect(throws: ScriptError("invalid UTF-8 in standard input at byte offset 17 (0xFF); save the program as UTF-8",
                                    line: 3, column: 5, sourceLine: "c = \u{FFFD}")) {
            try ProgramSource.text(decoding: bytes, from: "standard input")
        }
    }

    @Test func aByteOrderMarkIsDropped() throws {
        #expect(try ProgramSource.text(decoding: [0xEF, 0xBB, 0xBF] + Array("y = 2x".utf8), from: "x") == "y = 2x")
    }

    @Test func programsLongerThan64MiBAreRefused() throws {
        let bound = Script.maximumProgramBytes
        #expect(bound == 64 << 20)
        #expect(throws: ScriptError("standard input is longer than 64 MiB, the largest program accepted")) {
            try ProgramSource.text(decoding: [UInt8](repeating: 0x20, count: bound + 1), from: "standard input")
        }
        #expect(throws: ScriptError("the program is longer than 64 MiB, the largest accepted")) {
            try Script(parsing: String(decoding: [UInt8](repeating: 0x20, count: bound + 1), as: UTF8.self))
        }
        // Reading stops at the bound, even from a source without end.
        #expect(throws: ScriptError("the file '/dev/zero' is longer than 64 MiB, the largest program accepted")) {
            try ProgramSource.readFile("/dev/zero")
        }
    }

    @Test func unreadableFilesSayWhy() {
        #expect(throws: ScriptError("cannot read the file '/nonexistent/p.txt': No such file or directory")) {
            try ProgramSource.readFile("/nonexistent/p.txt")
        }
        #expect(throws: ScriptError("cannot read the file '/': Is a directory")) { try ProgramSource.readFile("/") }
    }

    @Test func theSameFileHoweverWritten() throws {
        let path = try temporaryFile(Array("y = x".utf8))
        let directory = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let link = path + ".link", hardLink = path + ".hard", other = try temporaryFile(Array("y = x".utf8))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        try FileManager.default.linkItem(atPath: path, toPath: hardLink)
        defer { for p in [path, link, hardLink, other] { try? FileManager.default.removeItem(atPath: p) } }
        for alias in [path, "\(directory)/./\(name)", "\(directory)/../\((directory as NSString).lastPathComponent)/\(name)", link, hardLink] {
            #expect(ProgramSource.isSameFile(path, alias), "\(alias)")
        }
        #expect(!ProgramSource.isSameFile(path, other))
        #expect(!ProgramSource.isSameFile(path, path + ".missing"))
    }
}
