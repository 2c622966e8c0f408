import Foundation
import Testing

/// The `nabla` sessions shown in the README and the DocC articles are real: every block line
/// `$ nabla …` is run with the built tool and what it prints is compared with the lines below it.
/// A line `…` stands for any number of lines, and `…` inside a line for any text; rates and
/// clock times (`77.9 steps/s`, `0:02`) are compared as placeholders.
@Suite("Documentation transcripts")
struct DocumentationTranscriptTests {
    struct Session {
        var file: String
        var arguments: [String]
        var expected: [String]
    }

    static let repository = URL(filePath: "\(#filePath)").deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every `$ nabla …` command in a fenced block of the README and the articles, with the
    /// lines printed under it (up to the next `$` line or the end of the block).
    static func sessions() throws -> [Session] {
        var files = [repository.appending(path: "README.md")]
        let articles = repository.appending(path: "Sources/Nabla/Nabla.docc")
        files += try FileManager.default.contentsOfDirectory(at: articles, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path }
        var sessions: [Session] = []
        for file in files {
            var inBlock = false
            var current: Session?
            for line in try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n") {
                if line.hasPrefix("```") {
                    if let session = current { sessions.append(session) }
                    current = nil
                    inBlock.toggle()
                    continue
                }
                guard inBlock else { continue }
                if line.hasPrefix("$ ") {
                    if let session = current { sessions.append(session) }
                    current = nil
                    let command = String(line.dropFirst(2))
                    // Only the tool itself, without the shell's substitutions or redirections.
                    // Commands that write files are shown, not run.
                    guard command.hasPrefix("nabla"), !command.contains("$("), !command.contains("<"), !command.contains("|"),
                          !["--output", "--save", "--plot"].contains(where: command.contains),
                          let words = shellWords(command) else { continue }
                    current = Session(file: file.lastPathComponent, arguments: Array(words.dropFirst()), expected: [])
                } else {
                    current?.expected.append(line)
                }
            }
        }
        return sessions
    }

    /// The words of a command line as a POSIX shell splits them (quotes, no expansions).
    static func shellWords(_ line: String) -> [String]? {
        var words: [String] = [], word = "", inWord = false
        var quote: Character?
        for character in line {
            if let q = quote {
                if character == q { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " {
                if inWord { words.append(word); word = ""; inWord = false }
            } else {
                word.append(character)
                inWord = true
            }
        }
        guard quote == nil else { return nil }
        if inWord { words.append(word) }
        return words
    }

    static func normalised(_ line: String) -> String {
        String(line.reversed().drop(while: { $0 == " " }).reversed())
            .replacing(/[0-9.]+ steps\/s/, with: "‹rate› steps/s").replacing(/\b[0-9]+:[0-9]{2}\b/, with: "‹time›")
    }

    /// Whether `actual` matches `expected`, where `…` is any text.
    static func matches(_ actual: String, _ expected: String) -> Bool {
        let parts = expected.components(separatedBy: "…")
        guard parts.count > 1 else { return actual == expected }
        guard actual.hasPrefix(parts[0]), actual.hasSuffix(parts[parts.count - 1]) else { return false }
        var rest = actual.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.count >= parts[parts.count - 1].count
    }

    /// Whether the printed lines match the expected ones, a line `…` skipping any number.
    static func transcriptMatches(_ actual: [String], _ expected: [String]) -> Bool {
        // Backtracking over the `…` lines (few per block).
        func match(_ a: Int, _ e: Int) -> Bool {
            if e == expected.count { return a == actual.count }
            if expected[e].trimmingCharacters(in: .whitespaces) == "…" {
                for skip in a...actual.count where match(skip, e + 1) { return true }
                return false
            }
            return a < actual.count && matches(actual[a], expected[e]) && match(a + 1, e + 1)
        }
        return match(0, 0)
    }

    @Test func everySessionPrintsWhatTheDocumentationShows() throws {
        let sessions = try Self.sessions()
        #expect(sessions.count >= 10, "found only \(sessions.count) sessions")
        for session in sessions where !session.expected.allSatisfy(\.isEmpty) {
            let run = try CommandLineTests.nabla(session.arguments)
            // What a terminal shows: the output, or the error when there is none.
            let printed = run.output.isEmpty ? run.errors : run.output
            var actual = printed.components(separatedBy: "\n").map(Self.normalised)
            if actual.last == "" { actual.removeLast() }
            var expected = session.expected.map(Self.normalised)
            while expected.last == "" { expected.removeLast() }
            #expect(Self.transcriptMatches(actual, expected),
                    "\(session.file): nabla \(session.arguments.joined(separator: " "))\nprinted:\n\(actual.joined(separator: "\n"))\nshown:\n\(expected.joined(separator: "\n"))")
        }
    }
}
