import Foundation
import Testing

/// Every public declaration of the library carries a documentation comment, so that the DocC
/// reference (`swift package generate-documentation --target Nabla`) has no blank entries.
@Suite("Documentation coverage")
struct DocumentationCoverageTests {
    /// `public` or `open` declarations, after any attributes and modifiers.
    static let pattern =
        #"^(@[\w.]+(\([^)]*\))?\s+)*(public|open)(\s+(static|final|override|convenience|mutating|nonmutating|indirect|required|private\(set\)|class))*\s+(func|var|let|init|struct|class|enum|protocol|typealias|subscript|static|actor)\b"#

    @Test func everyPublicDeclarationIsDocumented() throws {
        let sources = URL(filePath: "\(#filePath)").deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appending(path: "Sources")
        let declaration = try Regex(Self.pattern)
        var undocumented: [String] = []
        for module in ["Nabla", "NablaKernels", "NablaPlayground"] {
            let enumerator = try #require(FileManager.default.enumerator(at: sources.appending(path: module), includingPropertiesForKeys: nil))
            for case let file as URL in enumerator where file.pathExtension == "swift" {
                let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
                for (k, line) in lines.enumerated() {
                    let text = line.trimmingCharacters(in: .whitespaces)
                    guard (try? declaration.prefixMatch(in: text)) != nil else { continue }
                    // Skip attribute lines above the declaration; a `///` line must come next.
                    var above = k - 1
                    while above >= 0, lines[above].trimmingCharacters(in: .whitespaces).hasPrefix("@") { above -= 1 }
                    let previous = above >= 0 ? lines[above].trimmingCharacters(in: .whitespaces) : ""
                    if !previous.hasPrefix("///") && !previous.hasSuffix("*/") {
                        undocumented.append("\(module)/\(file.lastPathComponent):\(k + 1): \(text.prefix(90))")
                    }
                }
            }
        }
        #expect(undocumented.isEmpty, "\(undocumented.count) public declarations without a doc comment:\n\(undocumented.joined(separator: "\n"))")
    }
}
