/// The interactive page of `nabla explain --html`: one self-contained HTML file (its CSS,
/// JavaScript and data inline, nothing fetched from the network, so it opens from disk) that
/// steps through a program's forward and backward passes as the tutorial does by hand.
///
/// The page shows the graph laid out left to right by ``LayeredLayout`` (drag to pan, the wheel
/// to zoom); steps forward and back, plays and pauses (buttons, or ← → and space); lights each
/// node with its value in the forward pass, then in the backward pass shows each edge's local
/// partial (`∂e/∂d = 2d = 2`) and each node's gradient accumulating, with the sum over paths
/// (`dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144`); opens an inspector on a clicked
/// node (its statement, value, gradient, local partials, the chain back to the output, and why
/// its gradient is zero); switches between the statements, the dynamic tape and the static
/// backward graph; and at order 2 shows the Hessian.
///
/// Everything from the program reaches the page as JSON inside a `<script
/// type="application/json">` element, with `<`, `>` and `&` written as `\u003c`, `\u003e` and
/// `\u0026`, and the script puts it on the page as text, never as markup: no name or formula can
/// end the script element or inject markup.
public enum ExplanationPage {
    /// The whole page for `explanation`: ``stylesheet``, ``script`` and ``Explanation/json``
    /// inline, and a Content-Security-Policy that forbids loading anything.
    public static func html(for explanation: Explanation) -> String {
        let evaluation = explanation.evaluation
        let title = "Nabla explains \(evaluation.output) = \(NumberFormat.shortest(evaluation.value))"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
            <meta name="generator" content="nabla explain --html">
            <title>\(escapedHTML(title))</title>
            <style>
            html, body { margin: 0; height: 100%; }
            #nabla-explain { height: 100vh; }
            \(stylesheet)</style>
            </head>
            <body>
            <div id="nabla-explain"></div>
            <script type="application/json" id="nabla-explanation">\(embeddedJSON(explanation.json))</script>
            <script>
            \(script)</script>
            <script>
            NablaExplain.render(document.getElementById('nabla-explain'), JSON.parse(document.getElementById('nabla-explanation').textContent));
            </script>
            </body>
            </html>

            """
    }

    /// JSON that can sit inside a `<script>` element: `<`, `>` and `&` (which JSON only has in
    /// strings) as `\u003c`, `\u003e` and `\u0026`, so no `</script>` can appear, and the line
    /// and paragraph separators escaped as well.
    static func embeddedJSON(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Text for HTML: `&`, `<`, `>`, `"` and `'` as character references.
    static func escapedHTML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
