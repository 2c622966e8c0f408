import Foundation
import Testing

/// The repository stands alone: a clone has everything its files refer to.
@Suite("Repository")
struct RepositoryTests {
    /// The repository's root: two folders above this file's (`Tests/NablaTests/`).
    static let root = URL(filePath: "\(#filePath)").deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// References to the team's shared folder, which users of the repository do not have. Spelt
    /// in pieces so that this file does not contain them itself.
    static let forbidden = [["..", "/shared"], ["shared", "/seed"], ["shared", "/benchmarks"]].map { $0.joined() }

    /// Every text file of the repository (not the build folders, `.build*`, nor git's own
    /// `.git`, nor SwiftPM's `.swiftpm`), with its path relative to the root. A file that is
    /// not UTF-8 (the gzip data set, compiled Python) is not text and is skipped.
    static func textFiles() throws -> [(path: String, text: String)] {
        let enumerator = try #require(FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey]))
        var files: [(path: String, text: String)] = []
        for case let url as URL in enumerator {
            let name = url.lastPathComponent
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
            if values.isDirectory == true {
                if name.hasPrefix(".build") || name == ".git" || name == ".swiftpm" { enumerator.skipDescendants() }
                continue
            }
            // A worktree's `.git` is a file naming the real repository's folder.
            guard values.isRegularFile == true, name != ".git" else { continue }
            guard let data = FileManager.default.contents(atPath: url.path),
                  !data.contains(0), let text = String(data: data, encoding: .utf8) else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count))
            files.append((path, text))
        }
        return files
    }

    @Test func noFileRefersToTheSharedFolder() throws {
        let files = try Self.textFiles()
        // The walk found the repository (and not an empty folder).
        #expect(files.contains { $0.path.hasSuffix("Package.swift") })
        #expect(files.contains { $0.path.hasSuffix("RepositoryTests.swift") })
        var offenders: [String] = []
        for (path, text) in files {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where Self.forbidden.contains(where: { line.contains($0) }) {
                offenders.append("\(path):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "files that refer to the team's shared folder, which a clone does not have:\n\(offenders.joined(separator: "\n"))")
    }

    /// What those files used to point at is here: the workload definitions beside the
    /// benchmarks, and the tutorial as a documentation article.
    @Test func referencedDocumentsAreInTheRepository() {
        for path in ["Benchmarks/WORKLOADS.md", "Sources/Nabla/Nabla.docc/WorkedTutorial.md"] {
            #expect(FileManager.default.fileExists(atPath: Self.root.appending(path: path).path), "\(path) is missing")
        }
    }
}
