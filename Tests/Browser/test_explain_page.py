"""The interactive explanation page (`nabla explain … --html FILE`) in a real browser, opened
from disk: stepping through the tutorial's forward and backward passes and reading its numbers
from the page, the keyboard, the inspector of a clicked node, the static graph's gradient
nodes, the Hessian at order 2 and the notes on zero gradients.

The expected numbers are the tutorial's, worked out by hand there: at a = 2, o = 1,
b = -1, c = 1, d = 1, e = 8, f = 16, g = 47; dg/df = 3, dg/de = 6, dg/dc = 42, dg/dd = 2d·6 = 12,
dg/db = 42·2 + 12·5 = 144, dg/da = 144·(-3) = -432, dg/do = -1.
"""

import subprocess

import pytest

from conftest import TUTORIAL, TUTORIAL_AT, flat, screenshot

FORWARD = {"a": "2", "o": "1", "b": "-1", "c": "1", "d": "1", "e": "8", "f": "16", "g": "47"}
GRADIENT = {"g": "1", "f": "3", "e": "6", "c": "42", "d": "12", "b": "144", "a": "-432", "o": "-1"}


def explain(nabla, tmp_path, program, at, *options):
    """Writes the page of `nabla explain PROGRAM --at AT --html FILE` and returns its path."""
    path = tmp_path / "explain.html"
    subprocess.run([nabla, "explain", program, "--at", at, "--html", str(path), *options], check=True,
                   capture_output=True, text=True, timeout=60)
    return path


@pytest.fixture
def open_page(browser, nabla, tmp_path):
    """Opens the page for a program from disk, in a fresh 1400×900 page; nothing may be fetched
    (the page is one file) and no error may be logged."""
    contexts = []

    def opener(program, at, *options):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        errors, fetched = [], []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: fetched.append(request.url) if not request.url.startswith("file:") else None)
        page.goto(explain(nabla, tmp_path, program, at, *options).as_uri())
        page.wait_for_selector("svg#graph g.node")
        page.nabla_errors, page.nabla_fetched = errors, fetched
        return page

    yield opener
    for context in contexts:
        for page in context.pages:
            assert page.nabla_fetched == [], f"the page fetched {page.nabla_fetched}"
            assert page.nabla_errors == [], f"errors on the page: {page.nabla_errors}"
        context.close()


def step(page):
    """The steps taken in the view shown, and how many it has."""
    root = page.locator(".nabla-explain")
    return int(root.get_attribute("data-step")), int(root.get_attribute("data-steps"))


def shown(page, prefix, names):
    """The text of #PREFIX-NAME for each name (empty until the pass reaches it)."""
    return {name: page.text_content(f"#{prefix}-{name}").strip() for name in names}


def test_stepping_through_the_tutorial_reads_its_values_then_its_gradient(open_page):
    page = open_page(TUTORIAL.replace("\n", "; "), TUTORIAL_AT)
    assert step(page)[0] == 0
    assert all(text == "" for text in shown(page, "value", FORWARD).values())
    screenshot(page, "explain-ready")

    # The forward pass: one click a statement; the inputs come first.
    count = step(page)[1]
    for _ in range(len(FORWARD)):
        page.click("#step-forward")
    assert page.text_content("#step-phase") == "Forward pass"
    assert shown(page, "value", FORWARD) == FORWARD
    assert page.get_attribute('g.node[data-node="g"]', "data-value") == "47"
    assert all(text == "" for text in shown(page, "grad", GRADIENT).values())

    # The backward pass, to its end: every gradient as derived by hand.
    while step(page)[0] < count:
        page.click("#step-forward")
    assert page.text_content("#step-phase") == "Done"
    assert shown(page, "grad", GRADIENT) == GRADIENT
    # The header's summary says the same.
    assert "g = 47" in flat(page.inner_text("#result"))
    assert "dg/da = -432" in flat(page.inner_text("#result"))
    assert "dg/do = -1" in flat(page.inner_text("#result"))
    screenshot(page, "explain-done")


def test_the_sum_over_paths_is_shown_where_b_feeds_two_statements(open_page):
    page = open_page(TUTORIAL.replace("\n", "; "), TUTORIAL_AT)
    page.click("#step-end")
    # Back from the end until the step that completes dg/db.
    while "dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b" not in page.text_content("#step-text"):
        page.click("#step-back")
        assert step(page)[0] > 0
    assert page.text_content("#step-text").endswith("= 42·2 + 12·5 = 144")
    assert page.text_content("#grad-b").strip() == "144"
    # The edges into b show their local partials from the op catalogue.
    partials = {flat(page.text_content(f"#{page.get_attribute(f'g.edge[data-from=b][data-to={to}]', 'id').replace('edge', 'partial')}"))
                for to in ["c", "d"]}
    assert partials == {"∂c/∂b = 2", "∂d/∂b = 5"}
    screenshot(page, "explain-sum-over-paths")


def test_the_keyboard_steps_and_plays(open_page):
    page = open_page(TUTORIAL.replace("\n", "; "), TUTORIAL_AT)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert step(page)[0] == 2
    page.keyboard.press("ArrowLeft")
    assert step(page)[0] == 1
    page.keyboard.press("End")
    assert step(page)[0] == step(page)[1]
    assert page.text_content("#grad-a").strip() == "-432"
    page.keyboard.press("Home")
    assert step(page)[0] == 0
    # Space plays: the steps advance by themselves, and space again pauses.
    page.keyboard.press(" ")
    # (Polled from here: the page's Content-Security-Policy forbids evaluating script text.)
    for _ in range(100):
        if step(page)[0] >= 2:
            break
        page.wait_for_timeout(100)
    assert step(page)[0] >= 2
    page.keyboard.press(" ")
    paused = step(page)[0]
    page.wait_for_timeout(1_500)
    assert step(page)[0] == paused


def test_clicking_a_node_opens_its_inspector(open_page):
    page = open_page(TUTORIAL.replace("\n", "; "), TUTORIAL_AT)
    page.keyboard.press("End")
    assert page.is_hidden("#inspector")
    page.click('g.node[data-node="b"]')
    assert page.is_visible("#inspector")
    assert page.get_attribute("#inspector", "data-node") == "b"
    assert page.text_content("#inspector-statement") == "b = 5 - 3a"
    assert page.text_content("#inspector-value") == "-1"
    assert page.text_content("#inspector-gradient") == "dg/db = 144"
    assert page.text_content("#inspector-total") == "dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144"
    partials = [flat(text) for text in page.locator("#inspector-partials li").all_text_contents()]
    assert partials[0] == "∂b/∂a = -3"
    assert any(text.startswith("∂c/∂b = 2") for text in partials)
    assert any(text.startswith("∂d/∂b = 5") for text in partials)
    chain = [flat(text) for text in page.locator("#inspector-chain li").all_text_contents()]
    assert chain[0] == "dg/dg = 1 (the seed)"
    assert chain[-1] == "dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144"
    screenshot(page, "explain-inspector")
    page.keyboard.press("Escape")
    assert page.is_hidden("#inspector")


def test_the_static_graph_shows_its_gradient_nodes_and_the_tape_its_records(open_page):
    page = open_page(TUTORIAL.replace("\n", "; "), TUTORIAL_AT)
    page.click("#view-backward-graph")
    assert page.get_attribute(".nabla-explain", "data-view") == "backward-graph"
    assert page.get_attribute("#view-backward-graph", "aria-pressed") == "true"
    page.click("#step-end")
    gradient_nodes = page.locator('g.node[data-kind="gradient"]')
    assert gradient_nodes.count() > 0
    # Running the static graph computes the gradients as ordinary values.
    assert page.get_attribute('g.node[data-node="dg/da"]', "data-value") == "-432"
    assert page.get_attribute('g.node[data-node="dg/do"]', "data-value") == "-1"
    screenshot(page, "explain-backward-graph")

    page.click("#view-tape")
    assert page.get_attribute(".nabla-explain", "data-view") == "tape"
    page.click("#step-end")
    assert page.text_content("#step-phase") == "Done"
    assert page.get_attribute('g.node[data-node="g"]', "data-gradient") == "1"


def test_order_two_shows_the_hessian(open_page):
    # d²g/da² = 6·2·(dd/da)² = 12·225 = 2700; g is linear in o.
    page = open_page(TUTORIAL.replace("\n", "; "), TUTORIAL_AT, "--order", "2")
    assert page.is_visible("#hessian")
    assert {cell: page.text_content(f"#hessian-{cell}") for cell in ["a-a", "a-o", "o-a", "o-o"]} == \
        {"a-a": "2700", "a-o": "0", "o-a": "0", "o-o": "0"}


def test_zero_gradients_say_why(open_page):
    page = open_page("y = relu(x) + abs(z) + max(p, q) + 0*w", "x=-1, z=0, p=1, q=1, w=2")
    page.keyboard.press("End")
    notes = {item.get_attribute("data-node"): item.get_attribute("data-reasons")
             for item in page.locator("#notes li").all()}
    assert "relu" in notes["x"]
    assert "abs" in notes["z"]
    assert "tie" in notes["p"] and "tie" in notes["q"]
    assert "x" in notes and page.text_content("#grad-x").strip() == "0"
    page.click('g.node[data-node="x"]')
    assert "relu(x) has slope 0 where x ≤ 0" in page.text_content("#inspector-note")
    screenshot(page, "explain-zero-gradients")
