// The page's CSS, every rule scoped to `.nabla-explain` so the page can be embedded in another.

extension ExplanationPage {
    /// The page's CSS: every rule applies inside an element of class `nabla-explain` (which
    /// ``script`` gives its container), so it can be embedded in another page (the playground)
    /// without touching the rest. Colours: orange for values (the forward pass), violet for
    /// gradients (the backward pass), blue inputs, a green output, dashed grey constants.
    public static var stylesheet: String { stylesheetSource }
}

private let stylesheetSource = #"""
.nabla-explain {
  --nx-ink: #1e293b; --nx-muted: #64748b; --nx-line: #94a3b8; --nx-panel: #ffffff; --nx-canvas: #f8fafc;
  --nx-border: #e2e8f0; --nx-forward: #c2410c; --nx-backward: #7c3aed; --nx-input: #2563eb; --nx-output: #15803d;
  --nx-note: #d97706;
  display: flex; flex-direction: column; height: 100%; min-height: 520px; box-sizing: border-box;
  color: var(--nx-ink); background: var(--nx-canvas);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
}
.nabla-explain *, .nabla-explain *::before, .nabla-explain *::after { box-sizing: border-box; }
.nabla-explain button { font: inherit; cursor: pointer; }
.nabla-explain .nx-header { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between;
  padding: 12px 18px; background: var(--nx-panel); border-bottom: 1px solid var(--nx-border); }
.nabla-explain h1 { margin: 0 0 6px; font-size: 18px; font-weight: 600; }
.nabla-explain .nx-brand { color: var(--nx-backward); font-weight: 700; }
.nabla-explain .nx-at { color: var(--nx-muted); font-weight: 400; }
.nabla-explain .nx-program { display: flex; flex-wrap: wrap; gap: 4px 6px; max-height: 64px; overflow: auto; }
.nabla-explain .nx-program code { padding: 1px 7px; background: #f1f5f9; border: 1px solid var(--nx-border); border-radius: 5px;
  font: 13px/1.5 ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; white-space: pre; }
.nabla-explain .nx-result-caption { font-size: 11px; color: var(--nx-muted); text-transform: uppercase; letter-spacing: .05em; }
.nabla-explain .nx-result { display: flex; flex-wrap: wrap; justify-content: flex-end; align-items: baseline; gap: 0 14px; max-width: 460px;
  text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.nabla-explain .nx-result-caption, .nabla-explain .nx-result-value { flex-basis: 100%; }
.nabla-explain .nx-result-value { font-size: 18px; font-weight: 600; color: var(--nx-forward); }
.nabla-explain .nx-result-grad { color: var(--nx-backward); }
.nabla-explain .nx-toolbar { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; padding: 8px 18px;
  background: var(--nx-panel); border-bottom: 1px solid var(--nx-border); }
.nabla-explain .nx-views, .nabla-explain .nx-controls, .nabla-explain .nx-zoom { display: flex; gap: 6px; align-items: center; }
.nabla-explain .nx-toolbar button { padding: 5px 11px; border: 1px solid #cbd5e1; border-radius: 6px; background: #fff; color: var(--nx-ink); }
.nabla-explain .nx-toolbar button:hover { background: #f1f5f9; }
.nabla-explain .nx-toolbar button:focus-visible { outline: 2px solid var(--nx-input); outline-offset: 1px; }
.nabla-explain .nx-views button[aria-pressed="true"] { background: var(--nx-ink); border-color: var(--nx-ink); color: #fff; }
.nabla-explain #play { min-width: 92px; font-weight: 600; }
.nabla-explain #play[aria-pressed="true"] { background: #fef3c7; border-color: #f59e0b; }
.nabla-explain #step-slider { width: 180px; accent-color: var(--nx-backward); }
.nabla-explain .nx-counter { min-width: 70px; color: var(--nx-muted); font-variant-numeric: tabular-nums; }
.nabla-explain .nx-stepbar { display: flex; gap: 12px; align-items: baseline; padding: 8px 18px; min-height: 40px;
  background: #fff; border-bottom: 1px solid var(--nx-border); }
.nabla-explain .nx-phase { flex: none; padding: 2px 10px; border-radius: 999px; background: #e2e8f0; font-size: 12px; font-weight: 600;
  text-transform: uppercase; letter-spacing: .04em; }
.nabla-explain .nx-phase[data-phase="forward"] { background: #ffedd5; color: var(--nx-forward); }
.nabla-explain .nx-phase[data-phase="backward"] { background: #ede9fe; color: var(--nx-backward); }
.nabla-explain .nx-steptext { font: 15px/1.4 ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.nabla-explain .nx-main { flex: 1; display: flex; min-height: 0; }
.nabla-explain .nx-canvas { flex: 1; display: flex; flex-direction: column; min-width: 0; }
.nabla-explain .nx-graph { display: block; flex: 1; width: 100%; min-height: 0; cursor: grab; touch-action: none; user-select: none; }
.nabla-explain .nx-graph.panning { cursor: grabbing; }
.nabla-explain .nx-background { fill: transparent; }
.nabla-explain .nx-side { width: 360px; flex: none; overflow: auto; padding: 12px; background: #f1f5f9; border-left: 1px solid var(--nx-border); }
.nabla-explain .nx-panel { background: var(--nx-panel); border: 1px solid var(--nx-border); border-radius: 8px; padding: 10px 12px; margin-bottom: 12px; }
.nabla-explain .nx-panel h2 { margin: 0 0 6px; font-size: 15px; }
.nabla-explain .nx-panel h3 { margin: 10px 0 4px; font-size: 13px; color: var(--nx-muted); text-transform: uppercase; letter-spacing: .04em; }
.nabla-explain .nx-panel p { margin: 4px 0; }
.nabla-explain .nx-muted { color: var(--nx-muted); }
.nabla-explain .nx-inspector { border-color: var(--nx-backward); box-shadow: 0 2px 8px rgba(124, 58, 237, .15); }
.nabla-explain .nx-inspector-head { display: flex; align-items: center; gap: 8px; }
.nabla-explain .nx-inspector-head h2 { margin: 0; font-size: 18px; }
.nabla-explain #inspector-close { margin-left: auto; border: none; background: none; font-size: 20px; line-height: 1; color: var(--nx-muted); }
.nabla-explain .nx-kind { font-size: 11px; padding: 1px 7px; border-radius: 999px; background: #e2e8f0; text-transform: uppercase; letter-spacing: .04em; }
.nabla-explain .nx-facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 10px; margin: 8px 0 0; }
.nabla-explain .nx-facts dt { color: var(--nx-muted); }
.nabla-explain .nx-facts dd { margin: 0; overflow-wrap: anywhere; }
.nabla-explain .nx-formula, .nabla-explain .nx-list, .nabla-explain .nx-derivation {
  font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
.nabla-explain .nx-list { margin: 0; padding-left: 20px; }
.nabla-explain .nx-list li { cursor: pointer; overflow-wrap: anywhere; }
.nabla-explain .nx-list li:hover { background: #f1f5f9; }
.nabla-explain .nx-list li.user { color: var(--nx-muted); }
.nabla-explain .nx-chain li.self { font-weight: 700; color: var(--nx-backward); }
.nabla-explain .nx-note { margin-top: 10px; padding: 8px 10px; border-left: 4px solid var(--nx-note); background: #fffbeb; border-radius: 4px; }
.nabla-explain .nx-note p { margin: 4px 0 0; }
.nabla-explain .nx-notes { margin: 0; padding: 0; list-style: none; }
.nabla-explain .nx-notes li { padding: 6px 8px; margin-bottom: 6px; border-left: 4px solid var(--nx-note); background: #fffbeb; border-radius: 4px; cursor: pointer; }
.nabla-explain .nx-notes li:hover { background: #fef3c7; }
.nabla-explain .nx-hessian { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.nabla-explain .nx-hessian th, .nabla-explain .nx-hessian td { padding: 3px 10px; border: 1px solid var(--nx-border); text-align: right; }
.nabla-explain .nx-hessian td { color: var(--nx-backward); }
.nabla-explain .nx-derivation { margin: 8px 0 0; white-space: pre-wrap; font-size: 12px; }
.nabla-explain summary { cursor: pointer; font-weight: 600; }
.nabla-explain .nx-legend { flex: none; display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 6px 18px;
  background: #fff; border-top: 1px solid var(--nx-border); font-size: 12px; }
.nabla-explain .nx-legend-item { display: inline-flex; align-items: center; gap: 5px; }
.nabla-explain .nx-swatch { display: inline-block; width: 16px; height: 12px; border-radius: 3px; border: 1.5px solid var(--nx-line); background: #fff; }
.nabla-explain .nx-badge-swatch { display: inline-block; width: 16px; height: 16px; border-radius: 50%; background: var(--nx-note); color: #fff;
  font-weight: 700; font-size: 11px; text-align: center; line-height: 16px; }
.nabla-explain .nx-v { color: var(--nx-forward); font-weight: 600; }
.nabla-explain .nx-g { color: var(--nx-backward); font-weight: 600; }

/* The graph. */
.nabla-explain .node { cursor: pointer; }
.nabla-explain .node:focus { outline: none; }
.nabla-explain .nx-box { fill: #fff; stroke: var(--nx-line); stroke-width: 1.5; }
.nabla-explain .kind-input .nx-box, .nabla-explain .nx-swatch.kind-input { fill: #dbeafe; background: #dbeafe; stroke: var(--nx-input); border-color: var(--nx-input); }
.nabla-explain .kind-output .nx-box, .nabla-explain .nx-swatch.kind-output { fill: #dcfce7; background: #dcfce7; stroke: var(--nx-output); border-color: var(--nx-output); }
.nabla-explain .kind-constant .nx-box, .nabla-explain .kind-unused .nx-box, .nabla-explain .nx-swatch.kind-constant {
  fill: #f1f5f9; background: #f1f5f9; stroke: #94a3b8; border-color: #94a3b8; stroke-dasharray: 4 3; border-style: dashed; }
.nabla-explain .kind-operation .nx-box { stroke: #cbd5e1; }
.nabla-explain .kind-gradient .nx-box, .nabla-explain .nx-swatch.kind-gradient { fill: #f3e8ff; background: #f3e8ff; stroke: #a855f7; border-color: #a855f7; }
.nabla-explain .nx-text { font-size: 13px; font-weight: 600; fill: var(--nx-ink); }
.nabla-explain .nx-valueline, .nabla-explain .nx-gradline { font-size: 12.5px; font-variant-numeric: tabular-nums; }
.nabla-explain .nx-key { fill: var(--nx-muted); font-weight: 400; }
.nabla-explain svg .nx-v { fill: var(--nx-forward); }
.nabla-explain svg .nx-g { fill: var(--nx-backward); }
.nabla-explain .node:not(.computed) .nx-valueline, .nabla-explain .node:not(.has-gradient) .nx-gradline { opacity: .45; }
.nabla-explain .node.computed .nx-box { stroke-width: 2; }
.nabla-explain .node.final:not(.kind-input):not(.kind-output) .nx-box { stroke: #8b5cf6; }
.nabla-explain .node.current-forward .nx-box { stroke: var(--nx-forward); stroke-width: 3.5; filter: drop-shadow(0 0 6px rgba(194, 65, 12, .45)); }
.nabla-explain .node.current-backward .nx-box { stroke: var(--nx-backward); stroke-width: 3.5; filter: drop-shadow(0 0 6px rgba(124, 58, 237, .45)); }
.nabla-explain .node.selected .nx-box { stroke: var(--nx-ink); stroke-width: 3; }
.nabla-explain .node:focus-visible .nx-box { stroke: var(--nx-input); stroke-width: 3; }
.nabla-explain .nx-badge circle { fill: var(--nx-note); stroke: #fff; stroke-width: 1.5; }
.nabla-explain .nx-badge text { fill: #fff; font-size: 12px; font-weight: 700; }
.nabla-explain .nx-line { fill: none; stroke: var(--nx-line); stroke-width: 1.5; }
.nabla-explain .edge.dashed .nx-line { stroke-dasharray: 5 4; stroke: #cbd5e1; }
.nabla-explain .edge.used .nx-line { stroke: #a78bfa; stroke-width: 2; }
.nabla-explain .edge.far .nx-line { stroke-opacity: .3; stroke-width: 1; }
.nabla-explain .edge.current .nx-line { stroke: var(--nx-backward); stroke-width: 3.5; stroke-opacity: 1; }
.nabla-explain .nx-arrowhead { fill: var(--nx-line); }
.nabla-explain .nx-arrowhead.used { fill: #a78bfa; }
.nabla-explain .nx-arrowhead.current { fill: var(--nx-backward); }
.nabla-explain .nx-partial { font-size: 12px; fill: var(--nx-backward); paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
.nabla-explain .edge.current .nx-partial { font-weight: 700; font-size: 13px; }
"""#
