"""Layout at a phone's and a desktop's width, and the documentation screenshots.

`make screenshots` (UPDATE_SCREENSHOTS=1) writes docs/screenshots/*.png from the demo data;
otherwise the same pages are shot into a temporary folder, so the test still guards them.
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Project, Span
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (e.className && typeof e.className === "string"
                   ? "." + e.className.trim().split(/\\s+/).join(".") : "")
                + (e.closest(".verdict-card") ? " in .verdict-card" : "")
                + " right=" + Math.round(e.getBoundingClientRect().right));
  return { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
}"""


def _no_horizontal_scroll(page) -> None:
    layout = page.evaluate(OVERFLOW)
    assert layout["scrollWidth"] <= layout["width"], layout


LONG_URL = (
    "https://statistics.example.org/releases/2021/consumer-prices/"
    "annual-inflation-by-category-and-region-final-revision.html?table=7&region=all"
)


def _busy_claim(*, source_title: str) -> dict:
    """A claim with long words and URLs, and two disagreeing verdicts citing a long URL."""
    editor, first, second = UserFactory(), UserFactory(), UserFactory()
    body = (
        "Breaking 👋🇺🇦: the “minister” said café prices fell 50%. "
        f"See {LONG_URL} for the tables. "
        "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenhersteller disagree.\n\n"
        + "A second paragraph about the numbers. "
        * 12
    )
    article = ArticleFactory(title="Prices, the minister and a very long address", body=body)
    project = ProjectFactory(
        name="Prices desk", editors=[editor], reviewers=[first, second], articles=[article]
    )
    span = SpanFactory(project=project, article=article, text="the “minister” said café prices")
    for reviewer, label in ((first, "Mostly True"), (second, "False")):
        verdict = VerdictFactory(span=span, reviewer=reviewer, label=label)
        SourceFactory(verdict=verdict, title=source_title, url=LONG_URL)
    return {"editor": editor, "project": project, "article": article, "span": span}


def _open_claim(page, live_server, claim) -> None:
    url = reverse("annotate:reader", args=[claim["project"].pk, claim["article"].pk])
    page.goto(f"{live_server.url}{url}?span={claim['span'].pk}#panel")
    expect(page.locator("#panel .disagreement .verdict-card")).to_have_count(2)


@pytest.mark.parametrize("width", [360, 1440])
def test_no_horizontal_scrolling(page, live_server, log_in, select_text, width):
    claim = _busy_claim(source_title="Consumer prices 2021, table 7")
    page.set_viewport_size({"width": width, "height": 800})
    log_in(claim["editor"])
    expect(page.get_by_role("link", name="Prices desk")).to_be_visible()
    _no_horizontal_scroll(page)

    _open_claim(page, live_server, claim)
    _no_horizontal_scroll(page)

    page.get_by_role("button", name="Add source").click()  # a source row, with its date field
    select_text("café prices fell 50%.")  # the highlight form
    expect(page.locator("#span-form")).to_be_visible()
    _no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [360, 1440])
def test_untitled_source_with_long_url_fits(page, live_server, log_in, width):
    claim = _busy_claim(source_title="")
    page.set_viewport_size({"width": width, "height": 800})
    log_in(claim["editor"])
    _open_claim(page, live_server, claim)

    expect(page.get_by_role("link", name=LONG_URL)).to_have_count(2)
    _no_horizontal_scroll(page)
    side = page.evaluate(
        "() => [document.querySelector('.reader-side').scrollWidth,"
        " document.querySelector('.reader-side').clientWidth]"
    )
    assert side[0] <= side[1], side


def _demo_data(settings) -> None:
    """What `make run` loads: the seed articles, the demo users and annotations."""
    call_command("import_articles", str(Path(django_settings.BASE_DIR) / "seeds"), verbosity=0)
    settings.DEBUG = True  # create_demo_users refuses otherwise: the passwords are published
    call_command("create_demo_users", stdout=io.StringIO())
    settings.DEBUG = False
    call_command("load_demo", stdout=io.StringIO())


def test_screenshots_of_dashboard_and_reader(page, live_server, settings, tmp_path):
    _demo_data(settings)
    target = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("editor-demo-2021")
    page.get_by_role("button", name="Log in").click()
    project = Project.objects.get(slug="biden-putin-2021")
    expect(page.get_by_role("link", name=project.name)).to_be_visible()
    _no_horizontal_scroll(page)
    page.screenshot(path=target / "dashboard.png")

    # A contested claim: two reviewers disagree, the editor's adjudication form is open.
    span = Span.objects.get(project=project, quote__startswith="The West has repeatedly said")
    url = reverse("annotate:reader", args=[project.pk, span.article_id])
    page.goto(f"{live_server.url}{url}?span={span.pk}#panel")
    expect(page.locator("#panel-heading .badge")).to_have_text("contested")
    expect(page.locator("#panel .disagreement .verdict-card")).to_have_count(2)
    # The highlighted claim mid-screen; the claim panel beside it is sticky.
    page.locator("#article-body .is-selected").first.evaluate(
        "(e) => e.scrollIntoView({ block: 'center' })"
    )
    _no_horizontal_scroll(page)
    page.screenshot(path=target / "reader.png")

    for name in ("dashboard.png", "reader.png"):
        assert (target / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
