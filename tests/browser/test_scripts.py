"""Right-to-left and other scripts in Chromium. In the Arabic UI (<html lang="ar" dir="rtl">,
the layout mirrored) an Arabic article and an English one with Arabic, Latin and digits in one
paragraph are highlighted with the mouse and the keyboard (a claim's boundaries too); Hindi, Thai,
Japanese and Chinese selections snap to the words Intl.Segmenter finds, never splitting a letter
from its marks. The stored quote is always `body[start:end]` and what the browser selected.

`make screenshots` (UPDATE_SCREENSHOTS=1) writes the Arabic reader at 1440 and 360 px to
docs/screenshots/; otherwise they go to a temporary folder, the layout checks still run."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Span
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scripts"
MIXED = (
    "Officials said in Amman that «التضخم تراجع إلى 3.2%» in November 2024, down from 4.1% "
    "in October, according to Reuters.\n\n"
    "The ministry will keep subsidies on bread and fuel until the end of 2025."
)


def _article(script: str, language: str):
    record = json.loads((FIXTURES / f"{script}.jsonl").read_text(encoding="utf-8"))
    return ArticleFactory(
        title=record["title"], body=record["body"], publisher=record["publisher"], language=language
    )


@pytest.fixture
def desk():
    reviewer = UserFactory(username="reviewer1")  # named: the screenshots show it
    articles = {
        "ar": _article("ar", "ar"),
        "en": ArticleFactory(title="Inflation eases, the minister says", body=MIXED, language="en"),
        **{script: _article(script, script) for script in ("hi", "th", "ja", "zh")},
    }
    project = ProjectFactory(
        name="Economy desk", reviewers=[reviewer], articles=list(articles.values())
    )
    return {"reviewer": reviewer, "project": project, "articles": articles}


@pytest.fixture
def arabic_ui(page, live_server):
    """The UI language Arabic, as the language switcher's cookie sets it."""
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": live_server.url}]
    )


def _open(page, live_server, desk, script: str) -> None:
    article = desk["articles"][script]
    page.goto(live_server.url + reverse("annotate:reader", args=[desk["project"].pk, article.pk]))


def _drag(page, start: dict, end: dict, *, alt: bool = False) -> None:
    if alt:
        page.keyboard.down("Alt")
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(end["x"], end["y"], steps=8)
    page.mouse.up()
    if alt:
        page.keyboard.up("Alt")


def _highlight(page) -> Span:
    """Enter on the open control creates the claim; the one new span, checked against the body
    and against what the browser had selected."""
    selected = page.evaluate("() => window.getSelection().toString()")
    before = set(Span.objects.values_list("pk", flat=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    span = Span.objects.exclude(pk__in=before).select_related("article").get()
    assert span.quote == span.article.body[span.start : span.end] == selected
    return span


def _no_horizontal_scroll(page) -> None:
    layout = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert layout[0] <= layout[1], layout


# --- the Arabic UI --------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [1440, 360])
def test_screenshots_arabic_ui_mirrors_the_reader_without_horizontal_scroll(
    page, live_server, log_in, desk, arabic_ui, width, tmp_path
):
    article = desk["articles"]["ar"]
    claim = SpanFactory(
        project=desk["project"],
        article=article,
        text="معدّل التضخم تراجع إلى 3.2% في نوفمبر",
        created_by=desk["reviewer"],
    )
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 800})
    log_in(desk["reviewer"])
    _open(page, live_server, desk, "ar")
    page.goto(f"{page.url}?span={claim.pk}")
    expect(page.locator("#panel")).to_be_visible()

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    body = page.locator("#article-body")
    expect(body).to_have_attribute("dir", "rtl")
    _no_horizontal_scroll(page)
    text, side = (
        page.locator(".reader-text").bounding_box(),
        page.locator(".reader-side").bounding_box(),
    )
    if width > 1024:  # two columns: the claims column mirrored to the left of the article
        assert side["x"] + side["width"] <= text["x"], (side, text)
    else:  # one column: everything flush with the right edge, where Arabic lines start
        assert abs((text["x"] + text["width"]) - (side["x"] + side["width"])) < 2, (side, text)
    # The brand, first in the header, sits at the right.
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] + brand["width"] > width - 40, brand

    target = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=target / f"reader-ar-{width}.png")
    assert (target / f"reader-ar-{width}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_arabic_article_by_mouse_snaps_to_words(
    page, live_server, log_in, desk, arabic_ui, char_point
):
    passage = "الحكومة ستُبقي على دعم الخبز"
    log_in(desk["reviewer"])
    _open(page, live_server, desk, "ar")
    # From inside the first word to inside the last: right to left on the screen.
    start, end = char_point(passage, 3), char_point(passage, len(passage) - 2)
    assert start["x"] > end["x"]
    _drag(page, start, end)
    expect(page.locator("#span-form-quote")).to_have_text(passage)
    span = _highlight(page)
    assert span.quote == passage
    assert span.start == desk["articles"]["ar"].body.index(passage)


def test_arabic_article_by_keyboard_left_arrow_reads_forward(
    page, live_server, log_in, desk, arabic_ui
):
    log_in(desk["reviewer"])
    _open(page, live_server, desk, "ar")
    page.keyboard.press("v")  # the caret on the first word, at the right
    expect(page.locator("#select-status")).to_contain_text(
        "وضع التحديد"
    )  # "Select mode", in the ar catalog
    for _ in range(3):
        page.keyboard.press("Shift+ArrowLeft")  # ← is forward in right-to-left text
    page.keyboard.press("Enter")
    expect(page.locator("#span-form-quote")).to_have_text("قالَ وزيرُ المالية")
    span = _highlight(page)
    assert (span.start, span.quote) == (0, "قالَ وزيرُ المالية")


def test_adjust_arabic_claim_boundaries_by_keyboard(
    page, live_server, log_in, desk, arabic_ui, assert_in_viewport
):
    article = desk["articles"]["ar"]
    span = SpanFactory(
        project=desk["project"], article=article, created_by=desk["reviewer"], text="دعم الخبز"
    )
    log_in(desk["reviewer"])
    _open(page, live_server, desk, "ar")
    page.goto(f"{page.url}?span={span.pk}")
    page.keyboard.press("a")
    page.keyboard.press("Shift+ArrowLeft")  # the end takes the next word, والوقود
    page.keyboard.press("o")
    page.keyboard.press("Shift+ArrowRight")  # the start takes the previous one, على
    page.keyboard.press("Enter")
    assert_in_viewport(page.locator("#bounds-form"))
    expect(page.locator("#bounds-form-quote")).to_have_text("على دعم الخبز والوقود")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    span.refresh_from_db()
    assert span.quote == article.body[span.start : span.end] == "على دعم الخبز والوقود"


def test_english_article_in_arabic_ui_mixed_paragraph(
    page, live_server, log_in, desk, arabic_ui, char_point
):
    log_in(desk["reviewer"])
    _open(page, live_server, desk, "en")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    body = page.locator("#article-body")
    expect(body).to_have_attribute("dir", "ltr")
    assert body.evaluate("(e) => getComputedStyle(e).direction") == "ltr"

    # The mouse, left to right over Latin words.
    _drag(page, char_point("said in Amman", 1), char_point("said in Amman", 11))
    expect(page.locator("#span-form-quote")).to_have_text("said in Amman")
    first = _highlight(page)
    assert (first.start, first.end) == (MIXED.index("said"), MIXED.index(" that"))

    # The keyboard, from Latin into the Arabic quotation and its digits: → is forward here.
    page.keyboard.press("v")  # the caret on "Officials"
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # past "Officials", "said", "in", "Amman"
    for _ in range(8):  # "that", "«", three Arabic words, "3.2", "%", "»"
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("#span-form-quote")).to_have_text("that «التضخم تراجع إلى 3.2%»")
    second = _highlight(page)
    assert second.quote == "that «التضخم تراجع إلى 3.2%»"
    assert second.start == MIXED.index("that")


# --- scripts with marks, and without spaces ---------------------------------------------------


def test_hindi_selection_keeps_vowel_signs_with_their_letters(
    page, live_server, log_in, desk, char_point
):
    log_in(desk["reviewer"])
    _open(page, live_server, desk, "hi")
    _drag(page, char_point("वायु गुणवत्ता", 1), char_point("वायु गुणवत्ता", 9))
    expect(page.locator("#span-form-quote")).to_have_text("वायु गुणवत्ता")
    assert _highlight(page).quote == "वायु गुणवत्ता"

    # Exact characters (Alt) ending between त्त and its vowel sign ा: the sign comes along.
    page.evaluate(
        """(quote) => {
          const body = document.getElementById("article-body");
          const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(quote);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(walker.currentNode, at);
            range.setEnd(walker.currentNode, at + quote.length);
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
            body.dispatchEvent(new MouseEvent("mouseup", { bubbles: true, altKey: true }));
            return;
          }
        }""",
        "सूचकांक 45",
    )
    expect(page.locator("#span-form-quote")).to_have_text("सूचकांक 45")
    page.keyboard.press("Escape")


@pytest.mark.parametrize(
    ("script", "passage", "inside"),
    [
        # From inside เครื่อง ("machine") to inside สูบ ("pump"): เครื่อง | สูบ | น้ำ
        ("th", "เครื่องสูบ", (2, 9)),
        ("ja", "最低賃金", (1, 3)),  # 最低 | 賃金
        ("zh", "国内生产总值", (1, 5)),  # 国内 | 生产 | 总值
    ],
)
def test_scripts_without_spaces_snap_to_words(
    page, live_server, log_in, desk, char_point, script, passage, inside
):
    log_in(desk["reviewer"])
    _open(page, live_server, desk, script)
    _drag(page, char_point(passage, inside[0]), char_point(passage, inside[1]))
    expect(page.locator("#span-form-quote")).to_have_text(passage)
    span = _highlight(page)
    assert span.quote == passage
    assert span.start == desk["articles"][script].body.index(passage)
