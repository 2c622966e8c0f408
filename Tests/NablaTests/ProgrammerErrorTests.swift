import Foundation
import Testing
@testable import Nabla

/// Programmer errors stop with a message in every build. Swift's `precondition` and
/// `preconditionFailure` print nothing under `-O`, so the library never uses them: it stops
/// through `require`/`requirementFailed` (`fatalError`). `.ci/check-release-stops` runs the
/// issue's cases in a release build; this test keeps the sources free of the silent forms.
@Suite("Programmer errors")
struct ProgrammerErrorTests {
    @Test func theLibraryNeverStopsSilentlyInReleaseBuilds() throws {
        let sources = URL(filePath: "\(#filePath)").deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appending(path: "Sources")
        var offenders: [String] = []
        for module in ["Nabla", "NablaKernels", "nabla"] {
            let enumerator = try #require(FileManager.default.enumerator(at: sources.appending(path: module), includingPropertiesForKeys: nil))
            for case let file as URL in enumerator where file.pathExtension == "swift" {
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                for (k, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                    if line.contains("precondition(") || line.contains("preconditionFailure(") || line.contains("assert(") {
                        offenders.append("\(module)/\(file.lastPathComponent):\(k + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(offenders.isEmpty, "silent in release builds:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func aStopNamesTheOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor<Float>.zeros([2, 3]).reshaped([4])
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("reshape: cannot reshape [2, 3] (6 elements) to [4]"), "\(text)")
    }
}
