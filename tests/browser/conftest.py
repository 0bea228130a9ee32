"""Browser tests: Debian's Chromium driven by pytest-playwright against Django's live_server.

Playwright's sync API runs an asyncio event loop in this thread, so Django's guard against
synchronous database access from async code would trip on every factory call in a test.
The live server runs in a thread of this process: `settings` overrides reach it too. It
answers on http://localhost, which Chromium treats as a secure context, so the Secure session
and CSRF cookies of a DEBUG-off site stick without overriding SESSION/CSRF_COOKIE_SECURE.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.ci import on_ci

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright's own browser downloads are not available here."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if on_ci():
            pytest.fail(f"{message} (CI=true: a missing browser fails the run)", pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


@dataclass
class ConsoleLog:
    """Console errors and uncaught exceptions of a page; `allow()` expected ones (a 404)."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(page, console):
    """pytest-playwright's page, failing the test on console errors (CSP violations included)
    or uncaught exceptions. base.html's icon is a data: URL, so no favicon 404 to ignore."""
    page.set_default_timeout(5_000)
    page.set_default_navigation_timeout(10_000)
    page.on(
        "console",
        lambda message: (
            console.errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: console.errors.append(f"pageerror: {error}"))
    yield page
    assert not console.unexpected(), console.unexpected()


@pytest.fixture
def assert_in_viewport(page):
    """`assert_in_viewport(locator)`: visible and wholly inside the viewport, no scrolling."""

    def assert_in_viewport(locator) -> None:
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        width, height = page.evaluate("[document.documentElement.clientWidth, window.innerHeight]")
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, box

    return assert_in_viewport


@pytest.fixture
def log_in(page, live_server):
    """Log a user in through the real login form, as a person would; lands on the dashboard."""

    def log_in(user, *, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/login/")
        # By field name, not label: some tests log in with the pages in another language.
        page.locator("#id_username").fill(user.get_username())
        page.locator("#id_password").fill(password)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(f"{live_server.url}/review/")

    return log_in


# The DOM points of the first and last character of the `occurrence`-th `quote` in
# #article-body's text, found in UTF-16 units as the DOM counts them.
_LOCATE = """
function locate(quote, occurrence) {
  const body = document.getElementById("article-body");
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) {
    nodes.push({ node: walker.currentNode, at: text.length });
    text += walker.currentNode.data;
  }
  let start = -1;
  for (let n = 0; n < occurrence; n++) start = text.indexOf(quote, start + 1);
  if (start < 0) throw new Error(`not in the body: ${quote}`);
  const end = start + quote.length;
  const point = (index, isEnd) => {
    for (const { node, at } of nodes) {
      const inside = isEnd
        ? index > at && index <= at + node.data.length
        : index >= at && index < at + node.data.length;
      if (inside) return [node, index - at];
    }
    throw new Error(`no text node at ${index}`);
  };
  return { start: point(start, false), end: point(end, true) };
}
"""

_SELECT = (
    "([quote, occurrence]) => {"
    + _LOCATE
    + """
  const { start, end } = locate(quote, occurrence);
  const range = document.createRange();
  range.setStart(...start);
  range.setEnd(...end);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  // The reader listens to mouseup and keyup on the body, as after a drag or Shift+arrows.
  document.getElementById("article-body")
    .dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  return selection.toString();
}"""
)

_EDGES = (
    "([quote, occurrence]) => {"
    + _LOCATE
    + """
  const { start, end } = locate(quote, occurrence);
  const box = (node, offset) => {
    const range = document.createRange();
    range.setStart(node, offset);
    range.setEnd(node, offset + 1);
    return range.getBoundingClientRect();
  };
  const first = box(...start);
  const last = box(end[0], end[1] - 1);
  return {
    from: { x: first.left + 1, y: first.top + first.height / 2 },
    to: { x: last.right - 1, y: last.top + last.height / 2 },
  };
}"""
)


@pytest.fixture
def select_text(page):
    """Select a passage of the article body with a DOM Range, then tell the reader (mouseup);
    returns the selection's text as the browser reports it."""

    def select_text(quote: str, occurrence: int = 1) -> str:
        return page.evaluate(_SELECT, [quote, occurrence])

    return select_text


@pytest.fixture
def text_edges(page):
    """Viewport points just inside a passage's first and last characters, for a mouse drag."""

    def text_edges(quote: str, occurrence: int = 1) -> dict:
        return page.evaluate(_EDGES, [quote, occurrence])

    return text_edges


_CHAR_POINT = (
    "([quote, occurrence, index]) => {"
    + _LOCATE
    + """
  const { start } = locate(quote, occurrence);
  const range = document.createRange();
  range.setStart(start[0], start[1] + index);
  range.setEnd(start[0], start[1] + index + 1);
  const box = range.getBoundingClientRect();
  const rtl = getComputedStyle(start[0].parentElement).direction === "rtl";
  return { x: rtl ? box.right - 1 : box.left + 1, y: box.top + box.height / 2 };
}"""
)


@pytest.fixture
def char_point(page):
    """A viewport point just inside the start of the character at UTF-16 `index` of a passage
    (its right edge in right-to-left text), for mouse drags."""

    def char_point(quote: str, index: int, occurrence: int = 1) -> dict:
        return page.evaluate(_CHAR_POINT, [quote, occurrence, index])

    return char_point
