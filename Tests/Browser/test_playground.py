"""The playground of `nabla serve` in a real browser: typing a program and its input values
updates the page; errors are shown with their caret, and an answer that is not for what is
typed is never shown as if it were."""

from conftest import TUTORIAL, TUTORIAL_AT, flat, screenshot


def settle(page, state):
    """Waits until the page has answered what is typed: its state is `state` (ok or error)."""
    page.wait_for_selector(f'body[data-state="{state}"]', timeout=20_000)


def type_program(page, program, at):
    """Types `program` into the editor and `at` into the input values, as a person would:
    key by key, so that the page sees every intermediate text."""
    editor = page.locator("#playground-program")
    editor.fill("")
    editor.press_sequentially(program)
    values = page.locator("#playground-at")
    values.fill("")
    values.press_sequentially(at)


def test_typing_the_tutorial_shows_its_value_and_gradient(page):
    # Start from another program, so that what is read below is the update.
    type_program(page, "y = x^2", "x=3")
    settle(page, "ok")
    assert "y = 9" in flat(page.inner_text("#result"))
    assert page.locator("svg#graph g.node").count() == 2

    type_program(page, TUTORIAL, TUTORIAL_AT)
    assert page.get_attribute("body", "data-state") == "pending"
    settle(page, "ok")
    result = flat(page.inner_text("#result"))
    # The tutorial's numbers, derived by hand there: g = 47, dg/da = -432, dg/do = -1.
    assert "g = 47" in result
    assert "dg/da = -432" in result
    assert "dg/do = -1" in result
    assert page.inner_text("#playground-status") == "Up to date."
    assert page.is_hidden("#playground-error")
    # The graph of what was typed, to step through: its last step shows every gradient.
    assert page.locator("svg#graph g.node").count() == 8
    page.click("#step-end")
    assert page.text_content("#grad-b").strip() == "144"
    assert page.text_content("#grad-a").strip() == "-432"
    # No id of the editor's is repeated by the explanation drawn beside it.
    assert page.evaluate("(() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
                         " return ids.length === new Set(ids).size; })()")
    screenshot(page, "playground-tutorial")


def test_typing_keeps_the_view_and_step_and_updates_the_numbers(page):
    settle(page, "ok")
    page.click("#view-tape")
    page.click("#step-end")
    assert page.text_content("#grad-a").strip() == "-432"
    # a = 3: by hand, d = 31 - 45 = -14, dg/da = -5832 + 2700·3 = 2268.
    page.locator("#playground-at").fill("a=3, o=1")
    settle(page, "ok")
    assert page.get_attribute(".nabla-explain", "data-view") == "tape"
    root = page.locator(".nabla-explain")
    assert root.get_attribute("data-step") == root.get_attribute("data-steps")
    assert page.text_content("#grad-a").strip() == "2268"
    # The keyboard steps the graph, but not while the user types in the editor.
    page.locator("#playground-program").press("ArrowLeft")
    assert root.get_attribute("data-step") == root.get_attribute("data-steps")
    page.click("svg#graph")
    page.keyboard.press("ArrowLeft")
    assert int(root.get_attribute("data-step")) == int(root.get_attribute("data-steps")) - 1


def test_a_syntax_error_is_shown_with_its_caret_and_the_old_answer_marked(page):
    settle(page, "ok")
    type_program(page, "b = 5 - 3a\nc = 2b *", "a=2")
    settle(page, "error")
    assert page.inner_text("#playground-error-title") == "Error in the program"
    assert page.text_content("#playground-error-text") == "line 2, column 9: expected an expression after '*'\n  c = 2b *\n          ^"
    # The last answer stays, dimmed, and the status says it is not for this program.
    assert "stale" in page.get_attribute("#playground-answer", "class")
    assert page.inner_text("#playground-status") == "Not updated: the answer below is for the last program that worked."
    screenshot(page, "playground-syntax-error")

    page.locator("#playground-program").press_sequentially(" 2")
    settle(page, "ok")
    assert "stale" not in (page.get_attribute("#playground-answer", "class") or "")
    assert page.is_hidden("#playground-error")
    # c = 2b·2 with b = 5 - 6 = -1.
    assert "c = -4" in flat(page.inner_text("#result"))


def test_a_domain_error_and_a_bad_input_value_are_shown_where_they_are(page):
    settle(page, "ok")
    type_program(page, "u = x + 1\ny = log(u - 3)", "x=1")
    settle(page, "error")
    assert page.text_content("#playground-error-text") == ("line 2, column 1: log(-1) is undefined (nan) in 'y = log(u - 3)'\n"
                                                "  y = log(u - 3)\n  ^^^^^^^^^^^^^^")
    page.locator("#playground-at").fill("x=one")
    settle(page, "error")
    assert page.inner_text("#playground-error-title") == "Error in the input values"
    assert page.text_content("#playground-error-text") == "at x=one: 'one' is not a decimal number (write values as 2, -0.5 or 1e-3)"


def test_order_two_adds_the_hessian(page):
    settle(page, "ok")
    page.select_option("#playground-order", "2")
    settle(page, "ok")
    # d²g/da² = 6·2·(dd/da)² = 12·225 = 2700; g is linear in o.
    assert {cell: page.text_content(f"#hessian-{cell}") for cell in ["a-a", "a-o", "o-a", "o-o"]} == \
        {"a-a": "2700", "a-o": "0", "o-a": "0", "o-o": "0"}
    screenshot(page, "playground-hessian")
