"""The interactive explanation page (`nabla explain … --html FILE`, and the playground once it
draws with that page's renderer, `NablaExplain.render`), in a real browser.

Its tests go here: stepping through the forward and backward passes of the tutorial and
reading g = 47, dg/da = -432 and dg/do = -1 from the page; the keyboard (arrows, play/pause);
clicking a node and reading its inspector (statement, value, gradient, local partials, the
chain back to the output); the static graph's gradient nodes; the Hessian with order 2; the
"why is this gradient zero?" notes. Use the fixtures of conftest.py: `nabla` (the tool, to
write a page with `nabla explain … --html`), `browser` (open it with
`browser.new_page().goto(path.as_uri())`), `page` and `playground` (the playground, served),
and `screenshot` to save what a person would see, then look at it.
"""
