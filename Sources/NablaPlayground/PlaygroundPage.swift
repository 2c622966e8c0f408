import Foundation
import Nabla

/// The playground's page: an editor for the program, its input values and the order, which asks
/// `POST /api/explain` as the user types (debounced) and hands each answer to the renderer. The
/// page is one self-contained document: its style and code are inline, and the only thing it
/// fetches is its own API. It never shows an old answer as if it were current: while an answer
/// is awaited, or when the program has an error, the last answer is dimmed and the status says
/// why; an error is shown under the editor with its caret, as `nabla` prints it.
enum PlaygroundPage {
    /// The page, with `renderer`'s style and script inlined.
    static func html(renderer: PlaygroundRenderer) -> String {
        let program = Tutorial.program.replacingOccurrences(of: "; ", with: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Nabla playground</title>
            <style>
            \(stylesheet)
            </style>
            <style>
            \(inline(renderer.stylesheet, closing: "</style"))
            </style>
            </head>
            <body data-state="pending">
            <header>
              <h1>Nabla playground</h1>
              <p>Write a program in the tutorial's notation (<code>name = expression</code>, one statement a line or
              separated by <code>;</code>; a name never assigned is an input) and its input values; the derivatives
              follow as you type. The notation: <code>nabla help notation</code>.</p>
            </header>
            <main>
              <section class="editor" aria-label="Program">
                <label for="program">Program</label>
                <textarea id="program" rows="10" spellcheck="false" autocapitalize="off" autocomplete="off">\(escaped(program))</textarea>
                <div class="inputs">
                  <label for="at">Input values</label>
                  <input id="at" type="text" value="a=2, o=1" spellcheck="false" autocomplete="off" placeholder="a=2, o=1">
                  <label for="order">Order</label>
                  <select id="order">
                    <option value="1" selected>1: gradient</option>
                    <option value="2">2: gradient and Hessian</option>
                  </select>
                </div>
                <div id="error" class="error" role="alert" hidden>
                  <p id="error-title" class="error-title"></p>
                  <pre id="error-text"></pre>
                </div>
              </section>
              <section class="answer" aria-label="Answer">
                <p id="status" class="status" role="status">Working out…</p>
                <div id="result"></div>
              </section>
            </main>
            <script>
            \(inline(renderer.script, closing: "</script"))
            </script>
            <script>
            const NablaPlaygroundRenderer = \(javaScriptString(renderer.function));
            \(editorScript)
            </script>
            </body>
            </html>

            """
    }

    /// Text made safe inside an HTML element: `&`, `<`, `>` and `"` as entities.
    static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Code inlined in a `<script>` or `<style>` element: a `</script` (or `</style`) inside it
    /// would end the element, so its `/` is escaped (`<\/script`, the same text in a JavaScript
    /// string, and not an end tag).
    static func inline(_ code: String, closing: String) -> String {
        var out = code
        for variant in [closing, closing.uppercased()] {
            out = out.replacingOccurrences(of: variant, with: "<\\/" + variant.dropFirst(2))
        }
        return out
    }

    /// A JavaScript string literal of `text`, safe inside a `<script>` element.
    static func javaScriptString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\\": out += "\\" + String(scalar)
            case "<": out += "\\u003c"
            case _ where scalar.value < 0x20 || scalar == "\u{2028}" || scalar == "\u{2029}":
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
