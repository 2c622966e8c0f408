import Foundation
import Testing
@testable import Nabla

/// The page of `nabla explain --html`: one self-contained file that fetches nothing, and
/// nothing from a program can break out of its script.
@Suite("The explanation page")
struct ExplanationPageTests {
    static func page(_ program: String = ExplanationTests.tutorial, _ feeds: [String: Double] = ["a": 2, "o": 1]) throws -> String {
        ExplanationPage.html(for: try Script(parsing: program).explanation(at: feeds))
    }

    /// The JSON between `<script type="application/json" id="nabla-explanation">` and `</script>`.
    static func embeddedJSON(_ page: String) throws -> String {
        let start = try #require(page.range(of: "<script type=\"application/json\" id=\"nabla-explanation\">"))
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test func thePageIsSelfContained() throws {
        let page = try Self.page()
        #expect(page.hasPrefix("<!DOCTYPE html>\n"))
        for address in ["http://", "https://", "//cdn", " src=", " href=", "@import", "url(http"] {
            #expect(!page.contains(address), "the page refers to \(address)")
        }
        // Loading anything is forbidden outright.
        #expect(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\""))
        #expect(page.contains("<style>") && page.contains(ExplanationPage.stylesheet))
        #expect(page.contains(ExplanationPage.script))
        #expect(page.contains("NablaExplain.render(document.getElementById('nabla-explain')"))
        // The data is the explanation's JSON, which reads back.
        let json = try Self.embeddedJSON(page)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["gradient"] as? [String: Double] == ["a": -432, "o": -1])
    }

    @Test func theScriptDefinesTheRendererAndDocumentsItsHooks() {
        let script = ExplanationPage.script
        #expect(script.contains("window.NablaExplain = { render: render };"))
        for hook in ["#step-forward", "#step-back", "#play", "#inspector", "#value-ID", "#grad-ID", "data-node", "#notes", "#hessian",
                     "#view-statements", "#view-tape", "#view-backward-graph", "← → step, space play/pause"] {
            #expect(script.contains(hook), "the script's opening comment does not document \(hook)")
        }
        // Neither the script nor the stylesheet can end its own element early.
        #expect(!script.lowercased().contains("</script"))
        #expect(!ExplanationPage.stylesheet.lowercased().contains("</style"))
        // Every rule of the stylesheet is scoped to the container.
        for line in ExplanationPage.stylesheet.split(separator: "\n") where line.hasSuffix("{") || line.contains(" { ") {
            guard !line.hasPrefix(" "), !line.hasPrefix("/*") else { continue }
            #expect(line.hasPrefix(".nabla-explain"), "unscoped rule: \(line)")
        }
    }

    @Test func aHostileNameCannotBreakOut() throws {
        var explanation = try Script(parsing: "y = 2x").explanation(at: ["x": 1])
        let hostile = "</script><script>alert(1)</script><!--"
        explanation.evaluation.output = hostile
        explanation.program = [hostile, "a & b > c"]
        let page = ExplanationPage.html(for: explanation)
        #expect(!page.contains("<script>alert(1)"))
        #expect(!page.contains("<!--"))
        #expect(page.components(separatedBy: "</script>").count - 1 == 3)
        #expect(page.contains("<title>Nabla explains &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- = 2</title>"))
        // In the data it reads back as it was.
        let json = try Self.embeddedJSON(page)
        #expect(json.contains("\\u003c/script\\u003e"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["output"] as? String == hostile)
        #expect(object["program"] as? [String] == [hostile, "a & b > c"])
    }

    @Test func embeddedJSONEscapesWhatHTMLReads() {
        #expect(ExplanationPage.embeddedJSON("{\"a\":\"</script>&<!--\u{2028}\"}") == #"{"a":"\u003c/script\u003e\u0026\u003c!--\u2028"}"#)
        #expect(ExplanationPage.escapedHTML(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }
}
