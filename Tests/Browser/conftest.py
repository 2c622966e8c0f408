"""Fixtures for the browser tests: the `nabla` tool, a `nabla serve` running on a free port,
and headless Chromium (Debian's `chromium`, driven by Playwright for Python; Playwright's own
browser downloads are never used).

Run them with `.ci/check-browser`, which installs what they need. Environment:
  NABLA                       the `nabla` executable (default: the debug build's)
  NABLA_BROWSER_SCREENSHOTS   where screenshots are written (default: .build/browser-screenshots)
"""

import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("NABLA_BROWSER_SCREENSHOTS", ROOT / ".build" / "browser-screenshots"))

# The tutorial's program, one statement a line, and its input values.
TUTORIAL = "b = 5 - 3a\nc = 2b + 3\nd = 5b + 6\ne = 7c + d^2\nf = 2e\ng = 3f - o"
TUTORIAL_AT = "a=2, o=1"


@pytest.fixture(scope="session")
def nabla():
    """The `nabla` executable."""
    path = os.environ.get("NABLA") or str(ROOT / ".build" / "debug" / "nabla")
    assert os.access(path, os.X_OK), f"no nabla at {path}: build it first (swift build), or set NABLA"
    return path


@pytest.fixture(scope="session")
def playground(nabla):
    """The URL of a `nabla serve --port 0` that runs for the session; stopped with Ctrl-C
    (SIGINT) at the end, which must exit with status 130."""
    process = subprocess.Popen([nabla, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()))
    reader.start()
    reader.join(timeout=60)
    assert line and line[0].startswith("nabla serve: listening on http://127.0.0.1:"), f"nabla serve printed {line!r}"
    yield line[0].strip().removeprefix("nabla serve: listening on ")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    assert process.stderr.read() == "nabla serve: stopped\n"


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium: the system's, never one Playwright downloads."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "no chromium: install Debian's chromium package (apt-get install chromium)"
    with sync_playwright() as playwright:
        # Chromium's sandbox refuses to start as root (as CI runs).
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, playground):
    """A fresh page (1280×900) on the playground; every request it makes must go to the
    playground's own server (the page is self-contained), and it must log no error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    origin = urlparse(playground).netloc
    elsewhere, errors = [], []
    page.on("request", lambda request: None if urlparse(request.url).netloc == origin else elsewhere.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(playground)
    yield page
    context.close()
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"
    # A 4xx answer of the API is logged by Chromium as a failed resource; nothing else may be.
    assert [e for e in errors if "Failed to load resource" not in e] == [], f"errors on the page: {errors}"


def screenshot(page, name):
    """Saves a screenshot of the whole page as NAME.png in the screenshots folder; its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def flat(text):
    """Text with every run of white space (tabs between table cells, new lines) as one space."""
    return " ".join(text.split())
