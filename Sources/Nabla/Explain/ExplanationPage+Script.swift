// The page's JavaScript: draws an explanation into an element (see the comment at its top for
// the ids and data attributes a test can read, and the keys).

extension ExplanationPage {
    /// The page's JavaScript, self-contained (no library, nothing fetched). It defines
    /// `window.NablaExplain.render(container, explanation)`, which draws everything for the
    /// parsed ``Explanation/json`` into `container`: the header, the toolbar (views, steps, zoom),
    /// the graph (pan by dragging, zoom with the wheel), the inspector, the notes on zero
    /// gradients and the Hessian. Calling it again replaces what it drew. Its opening comment
    /// lists the stable ids and data attributes (`#step-forward`, `data-node="g"`, `#value-g`,
    /// `#grad-a`, `#inspector`, …) and the keys (← → step, space play/pause).
    public static var script: String { scriptSource }
}

private let scriptSource = #"""
/*
 * Nabla's explanation page: draws an explanation (the JSON of `nabla explain --html`, or of the
 * playground's POST /api/explain) into an element, with nothing fetched from anywhere.
 *
 *   NablaExplain.render(container, explanation)
 *     Draws everything into `container` (header, toolbar, graph, side panels). Calling it again
 *     replaces what it drew, so a playground can call it on every edit. Returns the page object.
 *
 * Stable hooks, for people and for browser tests (ids are unique in the document):
 *   container[data-view]            the view shown: statements | tape | backward-graph
 *   container[data-step]            the steps taken in that view (0 = none), [data-steps] how many
 *   #view-statements, #view-tape, #view-backward-graph   view switches (aria-pressed="true" when shown)
 *   #step-reset, #step-back, #play, #step-forward, #step-end, #step-slider   step controls
 *   #step-counter                    "3 / 25"; #step-phase: Forward pass | Backward pass | Ready | Done
 *   #step-text                       what the current step does, in the tutorial's notation
 *   #zoom-in, #zoom-out, #fit        zoom; drag the graph to pan, the mouse wheel zooms
 *   svg#graph                        the graph of the current view
 *   g.node[data-node=ID]             a node (id "node-ID"); [data-kind]; [data-value], [data-gradient]
 *                                    once shown; classes computed, has-gradient, final, current, noted
 *   #value-ID                        the node's value once the forward pass has reached it, else empty
 *   #grad-ID                         the node's gradient so far in the backward pass, else empty
 *   g.edge[data-from=ID][data-to=ID] an edge (id "edge-K"); #partial-K its local partial, shown once
 *                                    the backward pass has used it (class "used")
 *   #inspector                       the clicked node's inspector (hidden until a click):
 *     [data-node], #inspector-title, #inspector-kind, #inspector-statement, #inspector-value,
 *     #inspector-gradient, #inspector-total, #inspector-partials (li), #inspector-chain (li),
 *     #inspector-note, #inspector-close
 *   #notes                           "Why is this gradient zero?": li[data-node] per note
 *   #hessian                         the Hessian (order 2): td#hessian-X-Y
 *   #legend, #program, #result, #view-summary, #derivation
 * Keys: ← → step, space play/pause, Home End first/last step, + − zoom, F fit, Esc close the
 * inspector. Keys typed into form fields are left alone.
 */
(function () {
  'use strict';
  if (window.NablaExplain) { return; }

  // The SVG namespace, from the HTML parser (no address written here).
  var probe = document.createElement('div');
  probe.innerHTML = '<svg></svg>';
  var SVGNS = probe.firstChild.namespaceURI;

  var active = null;

  function html(tag, attributes, text) {
    var e = document.createElement(tag);
    setAll(e, attributes);
    if (text != null) { e.textContent = text; }
    return e;
  }
  function svg(tag, attributes, text) {
    var e = document.createElementNS(SVGNS, tag);
    setAll(e, attributes);
    if (text != null) { e.textContent = text; }
    return e;
  }
  function setAll(e, attributes) {
    if (!attributes) { return; }
    Object.keys(attributes).forEach(function (k) {
      if (attributes[k] != null) { e.setAttribute(k, attributes[k]); }
    });
  }
  // Numbers as Nabla prints them: the shortest text that reads back as the same double.
  function fmt(x) {
    if (x == null) { return '—'; }
    if (Object.is(x, -0)) { return '-0'; }
    return String(x);
  }
  function factor(x) { var t = fmt(x); return t.charAt(0) === '-' ? '(' + t + ')' : t; }

  function Page(container, data, previous) {
    this.container = container;
    this.data = data;
    this.views = data.views || [];
    this.viewIndex = 0;
    this.steps = this.views.map(function () { return 0; });
    // Redrawn for a new explanation (a playground edit): stay on the same view and step.
    var keep = previous ? this.views.findIndex(function (v) { return v.id === previous.view; }) : -1;
    if (keep >= 0) { this.steps[keep] = Math.min(previous.step, this.views[keep].steps.length); }
    this.timer = null;
    this.selected = null;
    this.zoom = { x: 0, y: 0, k: 1 };
    this.build();
    this.showView(Math.max(0, keep));
  }

  Page.prototype.destroy = function () {
    this.pause();
    if (active === this) { active = null; }
  };

  Page.prototype.build = function () {
    var self = this, data = this.data, c = this.container;
    c.classList.add('nabla-explain');

    // Header: the program, and the result as nabla grad prints it.
    var header = html('header', { 'class': 'nx-header' });
    var heading = html('div', { 'class': 'nx-heading' });
    var h1 = html('h1', { id: 'nx-title' });
    h1.appendChild(html('span', { 'class': 'nx-brand' }, '∇ Nabla'));
    h1.appendChild(document.createTextNode(' explains ' + data.output));
    var inputs = Object.keys(data.gradient || {});
    if (inputs.length) {
      h1.appendChild(html('span', { 'class': 'nx-at' }, ' at ' + inputs.map(function (k) { return k + ' = ' + fmt(data.values[k]); }).join(', ')));
    }
    heading.appendChild(h1);
    var program = html('div', { id: 'program', 'class': 'nx-program', 'aria-label': 'The program' });
    (data.program || []).forEach(function (line) { program.appendChild(html('code', null, line)); });
    heading.appendChild(program);
    header.appendChild(heading);
    var result = html('div', { id: 'result', 'class': 'nx-result', title: 'What nabla grad prints for this program' });
    result.appendChild(html('div', { 'class': 'nx-result-caption' }, 'Result'));
    result.appendChild(html('div', { 'class': 'nx-result-value' }, data.output + ' = ' + fmt(data.value)));
    inputs.forEach(function (k) {
      result.appendChild(html('div', { 'class': 'nx-result-grad' }, 'd' + data.output + '/d' + k + ' = ' + fmt(data.gradient[k])));
    });
    header.appendChild(result);
    c.appendChild(header);

    // Toolbar: views, steps, zoom.
    var bar = html('div', { id: 'nabla-toolbar', 'class': 'nx-toolbar', role: 'toolbar' });
    var views = html('div', { 'class': 'nx-views', role: 'group', 'aria-label': 'View' });
    this.viewButtons = this.views.map(function (v, k) {
      var b = html('button', { type: 'button', id: 'view-' + v.id, 'data-view': v.id, 'aria-pressed': 'false', title: v.summary }, v.title);
      b.addEventListener('mousedown', function (e) { e.preventDefault(); });
      b.addEventListener('click', function () { self.showView(k); });
      views.appendChild(b);
      return b;
    });
    bar.appendChild(views);
    var controls = html('div', { 'class': 'nx-controls', role: 'group', 'aria-label': 'Steps' });
    function button(id, label, title, action) {
      var b = html('button', { type: 'button', id: id, title: title, 'aria-label': title }, label);
      b.addEventListener('mousedown', function (e) { e.preventDefault(); });   // keep the keys for the page
      b.addEventListener('click', action);
      controls.appendChild(b);
      return b;
    }
    button('step-reset', '«', 'First step (Home)', function () { self.pause(); self.go(0); });
    button('step-back', '‹ Back', 'Step back (←)', function () { self.pause(); self.go(self.step() - 1); });
    this.playButton = button('play', '▶ Play', 'Play or pause (space)', function () { self.toggle(); });
    button('step-forward', 'Next ›', 'Step forward (→)', function () { self.pause(); self.go(self.step() + 1); });
    button('step-end', '»', 'Last step (End)', function () { self.pause(); self.go(self.stepCount()); });
    this.slider = html('input', { type: 'range', id: 'step-slider', min: '0', max: '0', value: '0', 'aria-label': 'Step' });
    this.slider.addEventListener('input', function () { self.pause(); self.go(Number(self.slider.value)); });
    controls.appendChild(this.slider);
    this.counter = html('span', { id: 'step-counter', 'class': 'nx-counter', 'aria-live': 'polite' }, '0 / 0');
    controls.appendChild(this.counter);
    bar.appendChild(controls);
    var zoom = html('div', { 'class': 'nx-zoom', role: 'group', 'aria-label': 'Zoom' });
    [['zoom-out', '−', 'Zoom out (−)', function () { self.zoomBy(1 / 1.25); }],
     ['fit', 'Fit', 'Fit the whole graph (F)', function () { self.fit(); }],
     ['zoom-in', '+', 'Zoom in (+)', function () { self.zoomBy(1.25); }]].forEach(function (z) {
      var b = html('button', { type: 'button', id: z[0], title: z[2], 'aria-label': z[2] }, z[1]);
      b.addEventListener('mousedown', function (e) { e.preventDefault(); });
      b.addEventListener('click', z[3]);
      zoom.appendChild(b);
    });
    bar.appendChild(zoom);
    c.appendChild(bar);

    var stepBar = html('div', { 'class': 'nx-stepbar' });
    this.phase = html('span', { id: 'step-phase', 'class': 'nx-phase' }, 'Ready');
    this.stepText = html('span', { id: 'step-text', 'class': 'nx-steptext', 'aria-live': 'polite' }, '');
    stepBar.appendChild(this.phase);
    stepBar.appendChild(this.stepText);
    c.appendChild(stepBar);

    // The graph and the side panels.
    var main = html('div', { 'class': 'nx-main' });
    var canvas = html('div', { 'class': 'nx-canvas' });
    this.svg = svg('svg', { id: 'graph', 'class': 'nx-graph', role: 'img', 'aria-label': 'The computation graph' });
    canvas.appendChild(this.svg);
    canvas.appendChild(this.legend());
    main.appendChild(canvas);
    var side = html('aside', { 'class': 'nx-side' });
    this.inspector = html('section', { id: 'inspector', 'class': 'nx-panel nx-inspector', hidden: 'hidden', 'aria-label': 'Inspector' });
    side.appendChild(this.inspector);
    side.appendChild(this.notesPanel());
    if (data.hessian) { side.appendChild(this.hessianPanel()); }
    var about = html('section', { 'class': 'nx-panel' });
    about.appendChild(html('h2', null, 'This view'));
    this.summary = html('p', { id: 'view-summary' }, '');
    about.appendChild(this.summary);
    side.appendChild(about);
    if (data.derivation) {
      var d = html('section', { 'class': 'nx-panel' });
      var details = html('details');
      details.appendChild(html('summary', null, 'The derivation as text (nabla explain)'));
      details.appendChild(html('pre', { id: 'derivation', 'class': 'nx-derivation' }, data.derivation));
      d.appendChild(details);
      side.appendChild(d);
    }
    main.appendChild(side);
    c.appendChild(main);
    this.panAndZoom();
  };

  Page.prototype.legend = function () {
    var legend = html('div', { id: 'legend', 'class': 'nx-legend', 'aria-label': 'Legend' });
    [['input', 'input'], ['statement', 'statement / operation'], ['output', 'output'], ['constant', 'constant or unused'],
     ['gradient', 'gradient node (backward graph)']].forEach(function (entry) {
      var item = html('span', { 'class': 'nx-legend-item' });
      item.appendChild(html('span', { 'class': 'nx-swatch kind-' + entry[0] }));
      item.appendChild(document.createTextNode(entry[1]));
      legend.appendChild(item);
    });
    var f = html('span', { 'class': 'nx-legend-item' });
    f.appendChild(html('span', { 'class': 'nx-v' }, 'value'));
    f.appendChild(document.createTextNode(' forward pass'));
    legend.appendChild(f);
    var b = html('span', { 'class': 'nx-legend-item' });
    b.appendChild(html('span', { 'class': 'nx-g' }, 'gradient'));
    b.appendChild(document.createTextNode(' backward pass'));
    legend.appendChild(b);
    var q = html('span', { 'class': 'nx-legend-item' });
    q.appendChild(html('span', { 'class': 'nx-badge-swatch' }, '?'));
    q.appendChild(document.createTextNode(' why the gradient is zero'));
    legend.appendChild(q);
    return legend;
  };

  Page.prototype.notesPanel = function () {
    var self = this, notes = this.data.notes || [];
    var panel = html('section', { id: 'notes', 'class': 'nx-panel' });
    panel.appendChild(html('h2', null, 'Why is this gradient zero?'));
    if (!notes.length) {
      panel.appendChild(html('p', { 'class': 'nx-muted' }, 'No gradient here is zero or missing.'));
      return panel;
    }
    var list = html('ul', { 'class': 'nx-notes' });
    notes.forEach(function (note) {
      var li = html('li', { 'data-node': note.node, 'data-reasons': note.reasons.join(' '), tabindex: '0' });
      li.appendChild(html('strong', null, note.node));
      li.appendChild(html('span', null, ' ' + note.text));
      function open() { self.showView(0); self.select(note.node); }
      li.addEventListener('click', open);
      li.addEventListener('keydown', function (e) { if (e.key === 'Enter') { open(); } });
      list.appendChild(li);
    });
    panel.appendChild(list);
    return panel;
  };

  Page.prototype.hessianPanel = function () {
    var h = this.data.hessian, names = Object.keys(h), out = this.data.output;
    var panel = html('section', { id: 'hessian', 'class': 'nx-panel' });
    panel.appendChild(html('h2', null, 'Hessian of ' + out));
    panel.appendChild(html('p', { 'class': 'nx-muted' }, '∂²' + out + '/∂x∂y: the second derivatives (order 2), as nabla grad --order 2 prints them.'));
    var table = html('table', { 'class': 'nx-hessian' });
    var head = html('tr');
    head.appendChild(html('th'));
    names.forEach(function (n) { head.appendChild(html('th', { scope: 'col' }, n)); });
    table.appendChild(head);
    names.forEach(function (row) {
      var tr = html('tr');
      tr.appendChild(html('th', { scope: 'row' }, row));
      names.forEach(function (col) { tr.appendChild(html('td', { id: 'hessian-' + row + '-' + col }, fmt(h[row][col]))); });
      table.appendChild(tr);
    });
    panel.appendChild(table);
    return panel;
  };

  Page.prototype.view = function () { return this.views[this.viewIndex]; };
  Page.prototype.step = function () { return this.steps[this.viewIndex]; };
  Page.prototype.stepCount = function () { var v = this.view(); return v ? v.steps.length : 0; };
  Page.prototype.hasBackward = function () { var v = this.view(); return !!v && v.steps.some(function (s) { return s.phase === 'backward'; }); };

  Page.prototype.showView = function (k) {
    if (!this.views.length) { return; }
    k = Math.max(0, Math.min(this.views.length - 1, k));
    var changed = k !== this.viewIndex || !this.nodeElements;
    this.viewIndex = k;
    var v = this.view();
    this.container.setAttribute('data-view', v.id);
    this.viewButtons.forEach(function (b, j) { b.setAttribute('aria-pressed', j === k ? 'true' : 'false'); });
    this.summary.textContent = v.summary;
    if (changed) {
      this.pause();
      this.drawGraph();
      this.fit(true);
    }
    this.go(this.step());
    if (this.selected && this.index[this.selected] != null) { this.select(this.selected); } else { this.closeInspector(); }
  };

  // The graph: edges under nodes; each node a box with its text, value and gradient lines.
  Page.prototype.drawGraph = function () {
    var self = this, v = this.view(), out = this.data.output, backward = this.hasBackward();
    while (this.svg.firstChild) { this.svg.removeChild(this.svg.firstChild); }
    var defs = svg('defs');
    [['nx-arrow', 'nx-arrowhead'], ['nx-arrow-used', 'nx-arrowhead used'], ['nx-arrow-current', 'nx-arrowhead current']].forEach(function (m) {
      var marker = svg('marker', { id: m[0], viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '9', markerHeight: '9',
        markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' });
      marker.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', 'class': m[1] }));
      defs.appendChild(marker);
    });
    this.svg.appendChild(defs);
    this.background = svg('rect', { 'class': 'nx-background', x: '0', y: '0', width: '100%', height: '100%' });
    this.svg.appendChild(this.background);
    this.viewport = svg('g', { id: 'viewport' });
    this.svg.appendChild(this.viewport);
    var edgeLayer = svg('g', { 'class': 'nx-edges' }), nodeLayer = svg('g', { 'class': 'nx-nodes' });
    this.viewport.appendChild(edgeLayer);
    this.viewport.appendChild(nodeLayer);

    this.index = {};
    v.nodes.forEach(function (n, k) { self.index[n.id] = k; });
    this.edgeElements = v.edges.map(function (e, k) {
      var p = e.points, d = 'M' + p[0] + ',' + p[1];
      // A long edge drawn straight (past the layout's budget of bends) is drawn faint, as it may cross nodes.
      var far = p.length === 4 && p[2] - p[0] > 600;
      var g = svg('g', { 'class': 'edge' + (e.gradient || !backward ? '' : ' dashed') + (far ? ' far' : ''), id: 'edge-' + k,
        'data-edge': String(k), 'data-from': e.from, 'data-to': e.to });
      for (var i = 2; i < p.length; i += 2) {
        var x0 = p[i - 2], y0 = p[i - 1], x1 = p[i], y1 = p[i + 1], mx = (x0 + x1) / 2;
        d += y0 === y1 ? ' L' + x1 + ',' + y1 : ' C' + mx + ',' + y0 + ' ' + mx + ',' + y1 + ' ' + x1 + ',' + y1;
      }
      var path = svg('path', { 'class': 'nx-line', d: d, 'marker-end': 'url(#nx-arrow)' });
      g.appendChild(path);
      // The label sits in the gap after the operand's column, where the line starts.
      var at = midpoint(p.slice(0, 4));
      var label = svg('text', { 'class': 'nx-partial', id: 'partial-' + k, x: String(at[0]), y: String(at[1] - 5), 'text-anchor': 'middle' });
      g.appendChild(label);
      if (e.partial) { g.appendChild(svg('title', null, e.partial)); }
      edgeLayer.appendChild(g);
      return { g: g, path: path, label: label, state: '' };
    });
    this.nodeElements = v.nodes.map(function (n) {
      var noted = n.note ? ' noted' : '';
      var g = svg('g', { 'class': 'node kind-' + n.kind + noted, id: 'node-' + n.id, 'data-node': n.id, 'data-kind': n.kind,
        transform: 'translate(' + n.x + ',' + n.y + ')', tabindex: '0', role: 'button', 'aria-label': n.text });
      g.appendChild(svg('title', null, n.text + (n.note ? '\n' + n.note.text : '')));
      g.appendChild(svg('rect', { 'class': 'nx-box', width: String(n.width), height: String(n.height), rx: '8', ry: '8' }));
      var text = svg('text', { 'class': 'nx-text', x: '10', y: '19' }, n.text);
      g.appendChild(text);
      var valueLine = svg('text', { 'class': 'nx-valueline', x: '10', y: '37' });
      valueLine.appendChild(svg('tspan', { 'class': 'nx-key' }, 'value '));
      var value = svg('tspan', { 'class': 'nx-v', id: 'value-' + n.id });
      valueLine.appendChild(value);
      g.appendChild(valueLine);
      var grad = null;
      if (backward) {
        var gradLine = svg('text', { 'class': 'nx-gradline', x: '10', y: '55' });
        gradLine.appendChild(svg('tspan', { 'class': 'nx-key' }, n.gradient == null ? 'no gradient' : 'd' + out + '/d' + n.label + ' '));
        grad = svg('tspan', { 'class': 'nx-g', id: 'grad-' + n.id });
        gradLine.appendChild(grad);
        g.appendChild(gradLine);
      }
      if (n.note) {
        var badge = svg('g', { 'class': 'nx-badge', transform: 'translate(' + n.width + ',0)' });
        badge.appendChild(svg('circle', { r: '9' }));
        badge.appendChild(svg('text', { 'text-anchor': 'middle', y: '4' }, '?'));
        g.appendChild(badge);
      }
      g.addEventListener('click', function (e) { e.stopPropagation(); self.select(n.id); });
      g.addEventListener('keydown', function (e) { if (e.key === 'Enter') { self.select(n.id); } });
      nodeLayer.appendChild(g);
      return { g: g, text: text, value: value, grad: grad, state: '' };
    });
    // Text longer than its box is cut with an ellipsis (the inspector shows all of it).
    v.nodes.forEach(function (n, k) { fitText(self.nodeElements[k].text, n.text, n.width - 20); });
  };

  function midpoint(p) {
    var lengths = [], total = 0;
    for (var i = 2; i < p.length; i += 2) {
      var l = Math.hypot(p[i] - p[i - 2], p[i + 1] - p[i - 1]);
      lengths.push(l);
      total += l;
    }
    var half = total / 2;
    for (var j = 0; j < lengths.length; j++) {
      if (half <= lengths[j] || j === lengths.length - 1) {
        var t = lengths[j] ? half / lengths[j] : 0;
        var k = 2 * j;
        return [p[k] + (p[k + 2] - p[k]) * t, p[k + 1] + (p[k + 3] - p[k + 1]) * t];
      }
      half -= lengths[j];
    }
    return [p[0], p[1]];
  }

  function fitText(element, text, width) {
    if (!element.getComputedTextLength || element.getComputedTextLength() <= width) { return; }
    var low = 0, high = text.length;
    while (low < high) {
      var mid = Math.ceil((low + high) / 2);
      element.textContent = text.slice(0, mid) + '…';
      if (element.getComputedTextLength() <= width) { low = mid; } else { high = mid - 1; }
    }
    element.textContent = text.slice(0, low) + '…';
  }

  // Steps: the state after `s` steps is replayed from the start, so any step can be shown.
  Page.prototype.go = function (s) {
    var v = this.view();
    if (!v) { return; }
    var count = v.steps.length;
    s = Math.max(0, Math.min(count, s));
    this.steps[this.viewIndex] = s;
    var values = {}, grads = {}, finals = {}, used = {};
    for (var k = 0; k < s; k++) {
      var step = v.steps[k];
      if (step.phase === 'forward') { values[step.node] = step.value; } else {
        grads[step.node] = step.gradient;
        finals[step.node] = step.final;
        if (step.edge != null) { used[step.edge] = true; }
      }
    }
    var current = s > 0 ? v.steps[s - 1] : null;
    var self = this;
    v.nodes.forEach(function (n, k) {
      var e = self.nodeElements[k];
      var hasValue = Object.prototype.hasOwnProperty.call(values, n.id), hasGrad = Object.prototype.hasOwnProperty.call(grads, n.id);
      var isCurrent = current && current.node === n.id;
      var state = [hasValue ? values[n.id] : '', hasGrad ? grads[n.id] : '', finals[n.id] ? 1 : 0, isCurrent ? current.phase : ''].join('|');
      if (state === e.state) { return; }
      e.state = state;
      e.value.textContent = hasValue ? fmt(values[n.id]) : '';
      if (hasValue) { e.g.setAttribute('data-value', fmt(values[n.id])); } else { e.g.removeAttribute('data-value'); }
      if (e.grad) { e.grad.textContent = hasGrad ? fmt(grads[n.id]) : ''; }
      if (hasGrad) { e.g.setAttribute('data-gradient', fmt(grads[n.id])); } else { e.g.removeAttribute('data-gradient'); }
      e.g.classList.toggle('computed', hasValue);
      e.g.classList.toggle('has-gradient', hasGrad);
      e.g.classList.toggle('final', !!finals[n.id]);
      e.g.classList.toggle('current', !!isCurrent);
      e.g.classList.toggle('current-forward', !!isCurrent && current.phase === 'forward');
      e.g.classList.toggle('current-backward', !!isCurrent && current.phase === 'backward');
    });
    v.edges.forEach(function (edge, k) {
      var e = self.edgeElements[k];
      var isUsed = !!used[k], isCurrent = !!current && current.edge === k;
      var state = (isUsed ? 'u' : '') + (isCurrent ? 'c' : '');
      if (state === e.state) { return; }
      e.state = state;
      e.g.classList.toggle('used', isUsed);
      e.g.classList.toggle('current', isCurrent);
      e.label.textContent = isUsed && edge.partial ? edge.partial : '';
      e.path.setAttribute('marker-end', isCurrent ? 'url(#nx-arrow-current)' : isUsed ? 'url(#nx-arrow-used)' : 'url(#nx-arrow)');
    });
    this.container.setAttribute('data-step', String(s));
    this.container.setAttribute('data-steps', String(count));
    this.counter.textContent = s + ' / ' + count;
    this.slider.max = String(count);
    this.slider.value = String(s);
    var firstBackward = v.steps.findIndex(function (st) { return st.phase === 'backward'; });
    if (!current) {
      this.phase.textContent = 'Ready';
      this.stepText.textContent = 'Press → (or Next) to run the forward pass one node at a time' + (firstBackward >= 0 ? ', then the backward pass.' : '.');
    } else {
      this.phase.textContent = s === count ? 'Done' : current.phase === 'forward' ? 'Forward pass' : 'Backward pass';
      this.phase.setAttribute('data-phase', current.phase);
      this.stepText.textContent = current.text;
      if (s === count) { this.stepText.textContent = current.text + '   (last step)'; }
    }
    if (current) { this.reveal(current.node); }
  };

  Page.prototype.toggle = function () { if (this.timer) { this.pause(); } else { this.play(); } };
  Page.prototype.play = function () {
    var self = this;
    if (this.step() >= this.stepCount()) { this.go(0); }
    this.playButton.textContent = '❚❚ Pause';
    this.playButton.setAttribute('aria-pressed', 'true');
    this.container.setAttribute('data-playing', 'true');
    this.timer = setInterval(function () {
      if (self.step() >= self.stepCount()) { self.pause(); return; }
      self.go(self.step() + 1);
    }, 700);
  };
  Page.prototype.pause = function () {
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
    if (this.playButton) {
      this.playButton.textContent = '▶ Play';
      this.playButton.setAttribute('aria-pressed', 'false');
    }
    this.container.removeAttribute('data-playing');
  };

  // The inspector: everything about one node of the current view.
  Page.prototype.select = function (id) {
    var v = this.view(), k = this.index[id];
    if (k == null) { return; }
    var self = this, n = v.nodes[k], out = this.data.output, ins = this.inspector;
    this.selected = id;
    this.nodeElements.forEach(function (e, j) { e.g.classList.toggle('selected', j === k); });
    while (ins.firstChild) { ins.removeChild(ins.firstChild); }
    ins.removeAttribute('hidden');
    ins.setAttribute('data-node', id);
    var head = html('div', { 'class': 'nx-inspector-head' });
    head.appendChild(html('h2', { id: 'inspector-title' }, n.label));
    head.appendChild(html('span', { id: 'inspector-kind', 'class': 'nx-kind kind-' + n.kind }, n.kind));
    var close = html('button', { type: 'button', id: 'inspector-close', 'aria-label': 'Close the inspector', title: 'Close (Esc)' }, '×');
    close.addEventListener('click', function () { self.closeInspector(); });
    head.appendChild(close);
    ins.appendChild(head);
    var list = html('dl', { 'class': 'nx-facts' });
    function fact(term, id, text, cls) {
      list.appendChild(html('dt', null, term));
      list.appendChild(html('dd', { id: id, 'class': cls || null }, text));
    }
    fact('Statement', 'inspector-statement', n.text, 'nx-formula');
    fact('Value', 'inspector-value', fmt(n.value), 'nx-v');
    if (this.hasBackward()) {
      fact('Gradient', 'inspector-gradient', 'd' + out + '/d' + n.label + ' = ' + (n.gradient == null ? 'none' : fmt(n.gradient)), 'nx-g');
    }
    if (n.total) { fact('Sum over paths', 'inspector-total', n.total, 'nx-formula'); }
    ins.appendChild(list);

    var partials = html('ul', { id: 'inspector-partials', 'class': 'nx-list' });
    // Its own partials (with respect to its operands) first, then its users'.
    var mine = v.edges.filter(function (e) { return e.partial && e.to === id; });
    var theirs = v.edges.filter(function (e) { return e.partial && e.from === id; });
    mine.concat(theirs).forEach(function (e) {
      var other = e.to === id ? e.from : e.to, label = v.nodes[self.index[other]].label;
      var li = html('li', { 'data-node': other, 'class': e.to === id ? 'operand' : 'user' },
        e.partial + (e.to === id ? '' : '   (' + label + ' uses ' + n.label + ')'));
      li.addEventListener('click', function () { self.select(other); });
      partials.appendChild(li);
    });
    if (partials.firstChild) {
      ins.appendChild(html('h3', null, 'Local partial derivatives'));
      ins.appendChild(partials);
    }

    // The chain back to the output: the totals of every value this one reaches, output first.
    if (this.hasBackward()) {
      var users = {};
      v.edges.forEach(function (e) { if (e.gradient) { (users[e.from] = users[e.from] || []).push(e.to); } });
      var seen = {}, stack = [id], reached = [];
      seen[id] = true;
      while (stack.length) {
        var x = stack.pop();
        reached.push(x);
        (users[x] || []).forEach(function (u) { if (!seen[u]) { seen[u] = true; stack.push(u); } });
      }
      reached.sort(function (a, b) { return self.index[b] - self.index[a]; });
      var chain = html('ol', { id: 'inspector-chain', 'class': 'nx-list nx-chain' });
      reached.forEach(function (r) {
        var m = v.nodes[self.index[r]];
        var text = m.total || ('d' + out + '/d' + m.label + ' = ' + (m.gradient == null ? 'none' : fmt(m.gradient)));
        var li = html('li', { 'data-node': r, 'class': r === id ? 'self' : null }, text);
        li.addEventListener('click', function () { self.select(r); });
        chain.appendChild(li);
      });
      ins.appendChild(html('h3', null, 'The chain back to ' + out));
      ins.appendChild(chain);
    }
    var noteBox = html('div', { id: 'inspector-note', 'class': 'nx-note' });
    if (n.note) {
      noteBox.appendChild(html('strong', null, n.note.reasons.indexOf('tie') >= 0 && n.note.reasons.length === 1 ? 'Why is this gradient split?' : 'Why is this gradient zero?'));
      noteBox.appendChild(html('p', null, n.note.text));
      noteBox.setAttribute('data-reasons', n.note.reasons.join(' '));
    } else {
      noteBox.setAttribute('hidden', 'hidden');
    }
    ins.appendChild(noteBox);
  };

  Page.prototype.closeInspector = function () {
    this.selected = null;
    this.inspector.setAttribute('hidden', 'hidden');
    this.inspector.removeAttribute('data-node');
    if (this.nodeElements) { this.nodeElements.forEach(function (e) { e.g.classList.remove('selected'); }); }
  };

  // Pan (drag) and zoom (wheel, buttons), as a transform of the viewport group.
  Page.prototype.panAndZoom = function () {
    var self = this, drag = null;
    this.svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var r = self.svg.getBoundingClientRect();
      self.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    this.svg.addEventListener('pointerdown', function (e) {
      if (e.target.closest && e.target.closest('.node')) { return; }
      drag = { x: e.clientX, y: e.clientY, zx: self.zoom.x, zy: self.zoom.y };
      self.svg.setPointerCapture(e.pointerId);
      self.svg.classList.add('panning');
    });
    this.svg.addEventListener('pointermove', function (e) {
      if (!drag) { return; }
      self.zoom.x = drag.zx + e.clientX - drag.x;
      self.zoom.y = drag.zy + e.clientY - drag.y;
      self.applyZoom();
    });
    function end() { drag = null; self.svg.classList.remove('panning'); }
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
  };
  Page.prototype.size = function () {
    var r = this.svg.getBoundingClientRect();
    return { w: r.width || 800, h: r.height || 500 };
  };
  Page.prototype.applyZoom = function () {
    if (this.viewport) { this.viewport.setAttribute('transform', 'translate(' + this.zoom.x + ',' + this.zoom.y + ') scale(' + this.zoom.k + ')'); }
  };
  Page.prototype.zoomBy = function (f, cx, cy) {
    var s = this.size();
    if (cx == null) { cx = s.w / 2; cy = s.h / 2; }
    var k = Math.max(0.05, Math.min(4, this.zoom.k * f));
    f = k / this.zoom.k;
    this.zoom.x = cx - (cx - this.zoom.x) * f;
    this.zoom.y = cy - (cy - this.zoom.y) * f;
    this.zoom.k = k;
    this.applyZoom();
  };
  // Fits the whole graph; `readable`: no smaller than text can be read, from the left (the
  // steps then pan to the node they are at).
  Page.prototype.fit = function (readable) {
    var v = this.view(), s = this.size();
    if (!v) { return; }
    var k = Math.max(0.05, Math.min(s.w / Math.max(1, v.width), s.h / Math.max(1, v.height), 1.6));
    if (readable && k < 0.8) {
      k = 0.8;
      this.zoom = { k: k, x: 0, y: v.height * k < s.h ? (s.h - v.height * k) / 2 : 0 };
    } else {
      this.zoom = { k: k, x: (s.w - v.width * k) / 2, y: Math.max(0, (s.h - v.height * k) / 2) };
    }
    this.applyZoom();
  };
  // Pans so that a node is in sight (when it is not).
  Page.prototype.reveal = function (id) {
    var k = this.index[id];
    if (k == null) { return; }
    var n = this.view().nodes[k], s = this.size(), z = this.zoom;
    var x0 = z.x + n.x * z.k, y0 = z.y + n.y * z.k, x1 = x0 + n.width * z.k, y1 = y0 + n.height * z.k;
    if (x0 >= 0 && y0 >= 0 && x1 <= s.w && y1 <= s.h) { return; }
    z.x += s.w / 2 - (x0 + x1) / 2;
    z.y += s.h / 2 - (y0 + y1) / 2;
    this.applyZoom();
  };

  Page.prototype.onKey = function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target, tag = t && t.tagName ? t.tagName.toLowerCase() : '';
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || (t && t.isContentEditable)) { return; }
    if (tag === 'button' && (e.key === ' ' || e.key === 'Enter')) { return; }
    switch (e.key) {
      case 'ArrowRight': this.pause(); this.go(this.step() + 1); break;
      case 'ArrowLeft': this.pause(); this.go(this.step() - 1); break;
      case ' ': case 'Spacebar': this.toggle(); break;
      case 'Home': this.pause(); this.go(0); break;
      case 'End': this.pause(); this.go(this.stepCount()); break;
      case '+': case '=': this.zoomBy(1.25); break;
      case '-': case '_': this.zoomBy(1 / 1.25); break;
      case 'f': case 'F': this.fit(false); break;
      case 'Escape': this.closeInspector(); break;
      default: return;
    }
    e.preventDefault();
  };

  document.addEventListener('keydown', function (e) {
    if (active && active.container.isConnected) { active.onKey(e); }
  });

  function render(container, explanation) {
    if (!container) { throw new Error('NablaExplain.render needs a container element'); }
    var previous = null, old = container.nablaExplainPage;
    if (old) {
      if (old.view()) { previous = { view: old.view().id, step: old.step() }; }
      old.destroy();
    }
    while (container.firstChild) { container.removeChild(container.firstChild); }
    var page = new Page(container, explanation, previous);
    container.nablaExplainPage = page;
    active = page;
    return page;
  }

  window.NablaExplain = { render: render };
})();
"""#
