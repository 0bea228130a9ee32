"""Highlighting in Chromium: the floating "Highlight claim" control by mouse and by keyboard (select
mode) on the longest seed article at a desktop's and a phone's width, word snapping, code-point
offsets with emoji and combining marks, adjusting and deleting a claim."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Span
from annotate.review import services
from corpus.models import Article
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": (1440, 900), "phone": (360, 800)}
# An emoji (1 code point, 2 UTF-16 units), a flag (2 code points, 4 units), curly quotes and an
# é written as e + a combining acute accent (2 code points): the browser's offsets and Python's
# differ by 3 after "Breaking 👋🇺🇦".
BODY = (
    "Breaking 👋🇺🇦: the “minister” said cafe\u0301 prices fell 50%. Officials disagree.\n\n"
    "Second paragraph: the ministry has not commented on the figures."
)
LONG_PASSAGE = "more resources from Western Eurasia to its Eastern half"


@pytest.fixture
def seed_desk():
    """The longest seed article (what `make run` imports) in a project of one reviewer."""
    call_command("import_articles", str(Path(django_settings.BASE_DIR) / "seeds"), verbosity=0)
    longest = max(Article.objects.all(), key=lambda article: len(article.body))
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer], articles=[longest])
    return {"reviewer": reviewer, "article": longest, "project": project}


@pytest.fixture
def desk():
    reviewer = UserFactory()
    editor = UserFactory()
    article = ArticleFactory(title="Prices and the minister", body=BODY)
    project = ProjectFactory(reviewers=[reviewer], editors=[editor], articles=[article])
    return {"reviewer": reviewer, "editor": editor, "article": article, "project": project}


def reader_url(live_server, desk, span=None) -> str:
    url = live_server.url + reverse(
        "annotate:reader", args=[desk["project"].pk, desk["article"].pk]
    )
    return f"{url}?span={span.pk}#panel" if span else url


def drag(page, edges) -> None:
    page.mouse.move(edges["from"]["x"], edges["from"]["y"])
    page.mouse.down()
    page.mouse.move(edges["to"]["x"], edges["to"]["y"], steps=8)
    page.mouse.up()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_mouse_selection_on_longest_seed_offers_control_in_view_and_enter_creates(
    page, live_server, log_in, seed_desk, text_edges, viewport, assert_in_viewport
):
    body = seed_desk["article"].body
    assert len(body) > 10_000 and LONG_PASSAGE in body
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))
    log_in(seed_desk["reviewer"])
    page.goto(reader_url(live_server, seed_desk))
    # Drag from inside "more" to inside "half": the selection snaps to the whole words.
    partial = LONG_PASSAGE[2:-2]
    page.evaluate(
        """(quote) => {
          const body = document.getElementById("article-body");
          const text = body.firstElementChild.firstChild;  // no claims yet: one text node
          const range = document.createRange();
          range.setStart(text, text.data.indexOf(quote));
          range.collapse(true);
          window.scrollBy(0, range.getBoundingClientRect().top - window.innerHeight / 2);
        }""",
        partial,
    )
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 2_000  # deep in the article, far above the old form's place

    drag(page, text_edges(partial))

    control = page.locator("#span-form")
    assert_in_viewport(control)
    expect(page.locator("#span-form-quote")).to_have_text(LONG_PASSAGE)
    expect(control.get_by_role("button", name="Highlight claim")).to_be_focused()
    assert page.evaluate("window.scrollY") == scrolled
    with page.expect_navigation():
        page.keyboard.press("Enter")

    span = Span.objects.get()
    start = body.index(LONG_PASSAGE)
    assert (span.start, span.end, span.quote) == (start, start + len(LONG_PASSAGE), LONG_PASSAGE)
    assert span.created_by == seed_desk["reviewer"]
    expect(page.locator("#panel .claim-quote")).to_have_text(LONG_PASSAGE)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_keyboard_only_select_mode_on_longest_seed_highlights_a_claim(
    page, live_server, log_in, seed_desk, viewport, assert_in_viewport
):
    body = seed_desk["article"].body
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))
    log_in(seed_desk["reviewer"])
    page.goto(reader_url(live_server, seed_desk))
    toggle = page.get_by_role("button", name="Select mode")
    expect(toggle).to_be_visible()

    page.keyboard.press("v")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    for _ in range(6):  # six sentences into the article: well below the first screen
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")

    control = page.locator("#span-form")
    assert_in_viewport(control)
    expect(control.get_by_role("button", name="Highlight claim")).to_be_focused()
    quote = page.locator("#span-form-quote").inner_text()
    assert quote and quote == quote.strip()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    span = Span.objects.get()
    assert span.quote == body[span.start : span.end] == quote
    assert span.start > 0


def test_escape_closes_the_control_without_a_claim(page, live_server, log_in, desk, select_text):
    log_in(desk["reviewer"])
    page.goto(reader_url(live_server, desk))
    select_text("Officials disagree.")
    control = page.locator("#span-form")
    expect(control.get_by_role("button", name="Highlight claim")).to_be_focused()

    page.keyboard.press("Escape")

    expect(control).to_be_hidden()
    assert page.evaluate("window.getSelection().isCollapsed")
    assert not Span.objects.exists()


def test_keyboard_selection_over_emoji_and_paragraphs_keeps_code_point_offsets(
    page, live_server, log_in, desk
):
    log_in(desk["reviewer"])
    page.goto(reader_url(live_server, desk))

    page.keyboard.press("v")  # the caret starts on the first word
    for _ in range(4):  # "Breaking", "👋", "🇺🇦", ":"
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#select-status")).to_contain_text("Select mode")
    page.keyboard.press("Enter")
    expect(page.locator("#span-form-quote")).to_have_text("Breaking 👋🇺🇦:")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first = Span.objects.get()
    assert (first.start, first.end, first.quote) == (0, 13, "Breaking 👋🇺🇦:")

    # A sentence then into the next paragraph: over the combining accent and the break.
    page.keyboard.press("v")
    for _ in range(2):
        page.keyboard.press("ArrowDown")  # to the ends of the first and second sentences
    for _ in range(3):  # ".", "disagree", "Officials": punctuation counts as a word
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowDown")  # to the end of that sentence
    page.keyboard.press("Shift+ArrowRight")  # and the next paragraph's first word
    page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    second = Span.objects.exclude(pk=first.pk).get()
    assert second.quote == "Officials disagree.\n\nSecond"
    assert BODY[second.start : second.end] == second.quote
    assert second.start == BODY.index("Officials")


def test_mouse_selection_snaps_over_combining_marks_unless_alt(
    page, live_server, log_in, desk, text_edges
):
    log_in(desk["reviewer"])
    page.goto(reader_url(live_server, desk))

    drag(page, text_edges("aid caf"))  # inside "said" to inside "café" (e + U+0301)
    expect(page.locator("#span-form-quote")).to_have_text("said cafe\u0301")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    span = Span.objects.get()
    assert span.quote == BODY[span.start : span.end] == "said cafe\u0301"
    assert span.end - span.start == 10  # the accent is a code point of its own

    page.keyboard.down("Alt")
    drag(page, text_edges("ices fe"))
    page.keyboard.up("Alt")
    expect(page.locator("#span-form-quote")).to_have_text("ices fe")


def test_adjust_own_claim_end_and_start_by_keyboard(
    page, live_server, log_in, desk, assert_in_viewport
):
    span = SpanFactory(
        project=desk["project"],
        article=desk["article"],
        created_by=desk["reviewer"],
        text="prices fell",
    )
    log_in(desk["reviewer"])
    page.goto(reader_url(live_server, desk, span))
    expect(page.get_by_role("button", name="Adjust boundaries")).to_be_visible()

    page.keyboard.press("a")
    page.keyboard.press("Shift+ArrowRight")  # the end takes "50"
    page.keyboard.press("o")
    page.keyboard.press("Shift+ArrowLeft")  # the start takes "café"
    page.keyboard.press("Enter")
    control = page.locator("#bounds-form")
    assert_in_viewport(control)
    expect(page.locator("#bounds-form-quote")).to_have_text("cafe\u0301 prices fell 50")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    span.refresh_from_db()
    assert span.quote == BODY[span.start : span.end] == "cafe\u0301 prices fell 50"
    assert span.history.first().history_user == desk["reviewer"]
    expect(page.locator("#panel .claim-quote")).to_have_text("cafe\u0301 prices fell 50")


def test_adjust_is_not_offered_once_a_verdict_is_submitted(page, live_server, log_in, desk):
    span = SpanFactory(
        project=desk["project"], article=desk["article"], created_by=desk["reviewer"]
    )
    services.verdict_submit(
        span=span,
        reviewer=desk["reviewer"],
        expected_version=0,
        label=desk["project"].labels[0],
        sources=[services.SourceInput(url="https://example.org/")],
    )
    log_in(desk["reviewer"])
    page.goto(reader_url(live_server, desk, span))

    expect(page.locator("#panel .claim-quote")).to_be_visible()
    expect(page.get_by_role("button", name="Adjust boundaries")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete claim")).to_have_count(0)


def test_delete_own_claim_after_confirmation(page, live_server, log_in, desk):
    span = SpanFactory(
        project=desk["project"], article=desk["article"], created_by=desk["reviewer"]
    )
    log_in(desk["reviewer"])
    page.goto(reader_url(live_server, desk, span))

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete claim").click()
    assert Span.objects.filter(pk=span.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Delete claim").click()

    expect(page.locator("#reader-status")).to_have_text("The highlight was deleted.")
    assert not Span.objects.exists()
    assert Span.history.filter(id=span.pk).latest().history_type == "-"


def test_editor_deletes_a_reviewed_claim_after_confirmation(page, live_server, log_in, desk):
    span = SpanFactory(
        project=desk["project"], article=desk["article"], created_by=desk["reviewer"]
    )
    services.verdict_submit(
        span=span,
        reviewer=desk["reviewer"],
        expected_version=0,
        label=desk["project"].labels[0],
        sources=[services.SourceInput(url="https://example.org/")],
    )
    log_in(desk["editor"])
    page.goto(reader_url(live_server, desk, span))
    expect(page.get_by_role("button", name="Adjust boundaries")).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Delete claim").click()

    assert not Span.objects.exists()
    assert Span.history.filter(id=span.pk).latest().history_user == desk["editor"]


def test_adjust_own_claim_with_the_mouse(
    page, live_server, log_in, desk, text_edges, assert_in_viewport
):
    span = SpanFactory(
        project=desk["project"], article=desk["article"], created_by=desk["reviewer"], text="fell"
    )
    log_in(desk["reviewer"])
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(reader_url(live_server, desk, span))

    page.get_by_role("button", name="Adjust boundaries").click()
    drag(page, text_edges("rices fell 5"))  # snaps to "prices fell 50"
    control = page.locator("#bounds-form")
    assert_in_viewport(control)
    expect(page.locator("#bounds-form-quote")).to_have_text("prices fell 50")
    with page.expect_navigation():
        control.get_by_role("button", name="Save boundaries").click()

    span.refresh_from_db()
    assert span.quote == BODY[span.start : span.end] == "prices fell 50"
    assert not Span.objects.exclude(pk=span.pk).exists()  # moved, not a new claim
