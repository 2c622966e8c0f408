// The editor's style and code: everything on the page but the renderer's drawing.

extension PlaygroundPage {
    static let stylesheet = """
        :root { color-scheme: light; --accent: #1f5fbf; --error: #b3261e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; background: #fafafa; }
        header { padding: 1rem 1.5rem .2rem; }
        header h1 { margin: 0 0 .3rem; font-size: 1.35rem; }
        header p { margin: 0; color: #555; max-width: 60rem; }
        code, pre, textarea, input, select { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        main { display: flex; flex-wrap: wrap; gap: 1.5rem; padding: 1rem 1.5rem 2rem; align-items: flex-start; }
        .editor { flex: 1 1 26rem; display: flex; flex-direction: column; gap: .4rem; }
        .answer { flex: 1 1 26rem; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .6rem 1.2rem 1.2rem; }
        label { font-weight: 600; font-size: .9rem; color: #333; }
        textarea { width: 100%; min-height: 12rem; resize: vertical; padding: .6rem; font-size: 15px; line-height: 1.5;
                   border: 1px solid #bbb; border-radius: 6px; tab-size: 4; }
        .inputs { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin-top: .3rem; }
        .inputs input { flex: 1 1 8rem; min-width: 6rem; padding: .35rem .5rem; font-size: 15px; border: 1px solid #bbb; border-radius: 6px; }
        .inputs select { padding: .3rem; font-size: 14px; }
        textarea:focus, input:focus, select:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
        .error { border-left: 4px solid var(--error); background: #fdecea; padding: .4rem .8rem; border-radius: 4px; margin-top: .4rem; }
        .error-title { margin: 0 0 .2rem; font-weight: 600; color: var(--error); }
        .error pre { margin: 0; white-space: pre; overflow-x: auto; font-size: 14px; }
        .status { margin: .2rem 0 .6rem; font-size: .9rem; color: #2e7d32; }
        body[data-state="pending"] .status { color: #555; }
        body[data-state="error"] .status { color: var(--error); font-weight: 600; }
        #result { transition: opacity .15s; }
        #result.stale { opacity: .4; }
        """

    /// The editor's code. It reads `NablaPlaygroundRenderer` (the renderer's function, as a path
    /// from `window`), set just before it.
    static let editorScript = #"""
        (() => {
          "use strict";
          const $ = (id) => document.getElementById(id);
          const program = $("program"), at = $("at"), order = $("order");
          const errorBox = $("error"), errorTitle = $("error-title"), errorText = $("error-text");
          const status = $("status"), result = $("result");
          const render = NablaPlaygroundRenderer.split(".").reduce((object, key) => (object ? object[key] : undefined), window);
          let timer = 0, sequence = 0, controller = null, hasResult = false;

          // The state is on <body data-state>: pending (an answer is awaited), ok (the answer shown
          // is for what is typed), error (it is not, and the error says why).
          function setState(state, text) {
            document.body.dataset.state = state;
            status.textContent = text;
            result.classList.toggle("stale", state !== "ok");
          }

          function showError(answer) {
            const titles = { program: "Error in the program", at: "Error in the input values", order: "Error in the order",
                             output: "Error in the output" };
            errorTitle.textContent = titles[answer.field] || "Error";
            errorText.textContent = answer.text || answer.error || "unknown error";
            errorBox.dataset.field = answer.field || "";
            errorBox.hidden = false;
            setState("error", hasResult ? "Not updated: the answer below is for the last program that worked."
                                        : "Not updated: see the error.");
          }

          function schedule() {
            clearTimeout(timer);
            setState("pending", "Working out…");
            timer = setTimeout(update, 250);
          }

          async function update() {
            const id = ++sequence;
            if (controller) controller.abort();
            controller = new AbortController();
            const request = { program: program.value, at: at.value, order: Number(order.value) };
            let response, answer;
            try {
              response = await fetch("/api/explain", {
                method: "POST", headers: { "Content-Type": "application/json" },
                body: JSON.stringify(request), signal: controller.signal,
              });
              answer = await response.json();
            } catch (error) {
              if (id !== sequence) return;
              showError({ error: "cannot reach the playground's server (is nabla serve still running?): " + error.message });
              return;
            }
            if (id !== sequence) return;  // a newer request is on its way
            if (!response.ok) { showError(answer); return; }
            const fresh = document.createElement("div");
            try {
              render(fresh, answer);
            } catch (error) {
              showError({ error: "the page could not draw the answer: " + error.message });
              return;
            }
            result.replaceChildren(fresh);
            hasResult = true;
            errorBox.hidden = true;
            setState("ok", "Up to date.");
          }

          if (typeof render !== "function") {
            showError({ error: "the page's renderer " + NablaPlaygroundRenderer + " is missing" });
            return;
          }
          program.addEventListener("input", schedule);
          at.addEventListener("input", schedule);
          order.addEventListener("change", schedule);
          update();
        })();
        """#
}
