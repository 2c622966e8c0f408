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
    editor = page.locator("#program")
    editor.fill("")
    editor.press_sequentially(program)
    values = page.locator("#at")
    values.fill("")
    values.press_sequentially(at)


def test_typing_the_tutorial_shows_its_value_and_gradient(page):
    # Start from another program, so that what is read below is the update.
    type_program(page, "y = x^2", "x=3")
    settle(page, "ok")
    assert "y = 9" in flat(page.inner_text("#result"))

    type_program(page, TUTORIAL, TUTORIAL_AT)
    assert page.get_attribute("body", "data-state") == "pending"
    settle(page, "ok")
    result = flat(page.inner_text("#result"))
    # The tutorial's numbers, derived by hand there: g = 47, dg/da = -432, dg/do = -1.
    assert "g = 47" in result
    assert "dg/da = -432" in result
    assert "dg/do = -1" in result
    assert page.inner_text("#status") == "Up to date."
    assert page.is_hidden("#error")
    screenshot(page, "playground-tutorial")


def test_a_syntax_error_is_shown_with_its_caret_and_the_old_answer_marked(page):
    settle(page, "ok")
    type_program(page, "b = 5 - 3a\nc = 2b *", "a=2")
    settle(page, "error")
    assert page.inner_text("#error-title") == "Error in the program"
    assert page.text_content("#error-text") == "line 2, column 9: expected an expression after '*'\n  c = 2b *\n          ^"
    # The last answer stays, dimmed, and the status says it is not for this program.
    assert "stale" in page.get_attribute("#result", "class")
    assert page.inner_text("#status") == "Not updated: the answer below is for the last program that worked."
    screenshot(page, "playground-syntax-error")

    page.locator("#program").press_sequentially(" 2")
    settle(page, "ok")
    assert "stale" not in (page.get_attribute("#result", "class") or "")
    assert page.is_hidden("#error")
    # c = 2b·2 with b = 5 - 6 = -1.
    assert "c = -4" in flat(page.inner_text("#result"))


def test_a_domain_error_and_a_bad_input_value_are_shown_where_they_are(page):
    settle(page, "ok")
    type_program(page, "u = x + 1\ny = log(u - 3)", "x=1")
    settle(page, "error")
    assert page.text_content("#error-text") == ("line 2, column 1: log(-1) is undefined (nan) in 'y = log(u - 3)'\n"
                                                "  y = log(u - 3)\n  ^^^^^^^^^^^^^^")
    page.locator("#at").fill("x=one")
    settle(page, "error")
    assert page.inner_text("#error-title") == "Error in the input values"
    assert page.text_content("#error-text") == "at x=one: 'one' is not a decimal number (write values as 2, -0.5 or 1e-3)"


def test_order_two_adds_the_hessian(page):
    settle(page, "ok")
    page.select_option("#order", "2")
    settle(page, "ok")
    # d²g/da² = -180·dd/da = -180·(-15) = 2700; g is linear in o.
    rows = [flat(row) for row in page.locator(".hessian tr").all_inner_texts()]
    assert rows == ["a o", "a 2700 0", "o 0 0"]
    screenshot(page, "playground-hessian")
