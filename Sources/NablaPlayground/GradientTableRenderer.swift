// The playground's first renderer: the JSON of `nabla grad --json` as tables. The explanation
// page's renderer (the graph, stepping through the passes) replaces it by being passed instead.

extension PlaygroundRenderer {
    /// Draws the JSON of `nabla grad --json` (`ScriptEvaluation.json`): the output's
    /// value as a headline (`g = 47`), every named value, the gradient (`dg/da = -432`) and, to
    /// order 2, the Hessian as a matrix (`∂²g/∂a∂o`). Numbers are shown as JavaScript writes
    /// them: the shortest form that reads back as the same double.
    public static let gradientTable = PlaygroundRenderer(stylesheet: gradientStylesheet, script: gradientScript,
                                                         function: "NablaGradient.render")

    private static let gradientStylesheet = """
        .nabla-gradient h2 { font-size: 1rem; margin: 1.4rem 0 .4rem; color: #444; }
        .nabla-gradient .headline { font: 600 1.6rem ui-monospace, SFMono-Regular, Menlo, monospace; margin: .2rem 0 .8rem; }
        .nabla-gradient table { border-collapse: collapse; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
        .nabla-gradient th, .nabla-gradient td { padding: .2rem .8rem; border-bottom: 1px solid #e3e3e3; text-align: right; }
        .nabla-gradient th { font-weight: 500; color: #555; text-align: left; }
        .nabla-gradient td.formula { text-align: left; }
        .nabla-gradient .matrix th { text-align: right; }
        """

    private static let gradientScript = #"""
        window.NablaGradient = {
          render(container, answer) {
            const element = (tag, text, className) => {
              const node = document.createElement(tag);
              if (text !== undefined) node.textContent = text;
              if (className) node.className = className;
              return node;
            };
            const number = (x) => (x === null ? "not a number" : String(x));
            const entries = (object) => Object.entries(object || {});
            const y = answer.output;
            const root = element("div", undefined, "nabla-gradient");
            root.append(element("p", y + " = " + number(answer.value), "headline"));

            const list = (title, rows, cls) => {
              root.append(element("h2", title));
              const table = element("table", undefined, cls);
              for (const [label, value, name] of rows) {
                const row = table.insertRow();
                row.dataset.name = name;
                row.append(element("td", label, "formula"), element("td", "=", "equals"), element("td", number(value), "number"));
              }
              root.append(table);
            };
            list("Gradient of " + y, entries(answer.gradient).map(([x, v]) => ["d" + y + "/d" + x, v, x]), "gradient");
            list("Values", entries(answer.values).map(([x, v]) => [x, v, x]), "values");

            if (answer.hessian) {
              root.append(element("h2", "Hessian of " + y));
              const names = Object.keys(answer.hessian);
              const table = element("table", undefined, "matrix hessian");
              const head = table.insertRow();
              head.append(element("th", ""));
              for (const x of names) head.append(element("th", x));
              for (const [x, row] of entries(answer.hessian)) {
                const line = table.insertRow();
                line.append(element("th", x));
                for (const z of names) {
                  const cell = element("td", number(row[z]));
                  cell.title = "∂²" + y + "/∂" + x + "∂" + z;
                  line.append(cell);
                }
              }
              root.append(table);
            }
            container.append(root);
          },
        };
        """#
}
