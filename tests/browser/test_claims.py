"""Claims across articles in Chromium: highlight a passage, see the claim it may state, confirm
it and see the claim's verdict in the panel (desktop and phone widths, keyboard and mouse); an
editor closes a new appearance with the claim's verdict and a reviewer's queue passes it over."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotate.claims import services as claim_services
from annotate.claims.models import Appearance, MatchDecision
from annotate.models import Adjudication, Span
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": (1440, 900), "phone": (360, 800)}
CLAIM = "Russia has amassed 100,000 troops at the border."
# Seven words: a person confirms it; it is never linked automatically (8 words or fewer).
PASSAGE = "Russia amassed 100,000 troops at the border"


@pytest.fixture
def desk():
    """A claim settled as False, founded in one article; a second article says it again."""
    reviewer, editor = UserFactory(), UserFactory()
    first = ArticleFactory(title="Troops gather", body=f"Reports came in. {CLAIM} More later.")
    second = ArticleFactory(
        title="Border tension", body=f"Diplomats met. Officials say {PASSAGE} this week."
    )
    project = ProjectFactory(
        reviewers=[reviewer], editors=[editor], articles=[first, second], reviews_per_claim=1
    )
    founding = SpanFactory(project=project, article=first, created_by=editor, text=CLAIM)
    claim = claim_services.claim_create(actor=editor, span=founding)
    claim = claim_services.claim_verdict_set(actor=editor, claim=claim, label="False")
    return {
        "reviewer": reviewer,
        "editor": editor,
        "project": project,
        "second": second,
        "claim": claim,
    }


def reader_url(live_server, project, article, span=None) -> str:
    url = live_server.url + reverse("annotate:reader", args=[project.pk, article.pk])
    return f"{url}?span={span.pk}#panel" if span else url


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _within_width(page, locator) -> None:
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    width = page.evaluate("document.documentElement.clientWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box


def _not_covered(page, locator) -> None:
    """Scrolled to the bottom edge of the window, as a user scrolling down meets it, the control
    is what a tap there reaches: not under the messages pinned to narrow screens' bottom."""
    assert locator.evaluate(
        """control => {
            control.scrollIntoView({block: "end"});
            const box = control.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return control.contains(hit);
        }"""
    ), locator


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_highlight_suggests_the_claim_confirm_shows_its_verdict(
    page, live_server, log_in, desk, select_text, viewport
):
    project, claim = desk["project"], desk["claim"]
    project.blind_review = False  # the verdict shows at once; blind review: tests/annotate/web
    project.save()
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))
    log_in(desk["reviewer"])
    page.goto(reader_url(live_server, project, desk["second"]))

    assert select_text(PASSAGE) == PASSAGE
    page.keyboard.press("Enter")  # the Highlight claim control has the keyboard

    suggestion = page.locator(f"#claim-suggestion-{claim.pk}")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text(CLAIM)
    expect(suggestion).to_contain_text("score")
    expect(suggestion).to_contain_text("shared numbers: 100000")
    expect(suggestion).to_contain_text("already checked: False")
    span = Span.objects.get(article=desk["second"])
    assert MatchDecision.objects.filter(span=span, claim=claim, decision="shown").count() == 1
    confirm = suggestion.get_by_role("button", name=f"Confirm claim {claim.pk}")
    reject = suggestion.get_by_role("button", name=f"Reject claim {claim.pk}")
    for control in (confirm, reject, page.locator("#claim-new")):
        _within_width(page, control)
        _not_covered(page, control)
    _no_horizontal_scroll(page)
    last = page.locator("#panel button:visible, #panel a:visible").last
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    _not_covered(page, last)  # the page's last control, scrolled to the end

    if viewport == "desktop":  # by keyboard: c to the suggestion, y to confirm it
        page.locator("#panel-heading").click()
        page.keyboard.press("c")
        expect(suggestion).to_be_focused()
        page.keyboard.press("y")
    else:
        confirm.click()

    expect(page.locator("#reader-status")).to_contain_text(f"Linked to claim #{claim.pk}.")
    checked = page.locator("#claim-checked")
    expect(checked).to_contain_text("Already checked: False, 2 appearances, adjudicated")
    expect(page.locator("#claim-link")).to_have_attribute(
        "href", reverse("annotate:claim", args=[claim.pk])
    )
    _within_width(page, checked)
    _no_horizontal_scroll(page)
    appearance = Appearance.objects.get(span=span)
    assert (appearance.claim_id, appearance.linked_by) == (claim.pk, desk["reviewer"])


def test_editor_closes_an_appearance_with_the_claims_verdict_and_the_queue_skips_it(
    page, live_server, log_in, desk
):
    project, claim, editor = desk["project"], desk["claim"], desk["editor"]
    repeat = SpanFactory(project=project, article=desk["second"], created_by=editor, text=PASSAGE)
    claim_services.appearance_link(actor=editor, span=repeat, claim=claim)
    other = ArticleFactory(title="Gas prices", body="Gas prices rose by a third in winter.")
    project.articles.add(other)
    unrelated = SpanFactory(project=project, article=other, created_by=editor)

    log_in(editor)
    page.goto(reader_url(live_server, project, desk["second"], repeat))
    page.get_by_role("button", name="Close with the claim's verdict (False)").click()

    expect(page.locator("#reader-status")).to_contain_text("Closed with the claim's final verdict.")
    expect(page.locator("#claim-reused")).to_contain_text(
        f"closed with the claim's verdict by {editor.get_username()}"
    )
    expect(page.locator("#panel-heading")).to_contain_text("adjudicated")
    adjudication = Adjudication.objects.get(span=repeat)
    assert (adjudication.label, adjudication.editor) == ("False", editor)
    assert Appearance.objects.get(span=repeat).verdict_reused_by == editor

    page.context.clear_cookies()
    log_in(desk["reviewer"])
    page.goto(live_server.url + reverse("annotate:project", args=[project.pk]))
    page.get_by_role("button", name="Start reviewing").click()
    # Neither appearance of the settled claim: the unrelated claim comes first.
    page.wait_for_url(f"**?span={unrelated.pk}&queue=1#panel")
    expect(page.locator("#queue-left")).to_contain_text("1 left in your queue")
