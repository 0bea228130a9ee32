"""The review queue in Chromium: submit-and-next with Ctrl+Enter from the rationale field,
Skip with a reason, "N left in your queue" counting down, at a desktop's and a phone's width."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Skip, Verdict
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLAIMS = ["Prices fell", "wages rose", "rents doubled", "exports grew"]


@pytest.fixture
def queue():
    reviewer = UserFactory()
    article = ArticleFactory(
        title="The economy",
        body="Prices fell in May. Officials said wages rose. Critics said rents doubled. "
        "The minister said exports grew.\n" + "Filler paragraph about the weather.\n" * 120,
    )
    project = ProjectFactory(
        name="Economy desk",
        reviewers=[reviewer, UserFactory()],
        articles=[article],
        sources_required=False,
        blind_review=False,
    )
    spans = [SpanFactory(project=project, article=article, text=text) for text in CLAIMS]
    return {"reviewer": reviewer, "project": project, "spans": spans}


def _left(page, count: int) -> None:
    left = page.locator("#queue-left")
    expect(left).to_have_text(f"{count} left in your queue")
    expect(left).to_be_in_viewport()


def _judge_with_ctrl_enter(page, claim: str, rationale: str) -> None:
    expect(page.locator("#panel .claim-quote")).to_have_text(claim)
    page.keyboard.press("1")  # the scale's first label
    page.get_by_label("Rationale").fill(rationale)
    with page.expect_navigation():
        page.get_by_label("Rationale").press("Control+Enter")


def test_reviewer_moves_through_the_queue_with_ctrl_enter_and_skips_one(
    page, live_server, log_in, queue
):
    reviewer, project = queue["reviewer"], queue["project"]
    log_in(reviewer)
    page.goto(live_server.url + reverse("annotate:project", args=[project.pk]))
    page.get_by_role("button", name="Start reviewing").click()
    page.wait_for_url(re.compile(r".*queue=1.*"))

    _left(page, 4)
    expect(page.get_by_role("button", name="Submit and next")).to_be_visible()
    _judge_with_ctrl_enter(page, CLAIMS[0], "The index shows it.")
    _left(page, 3)
    _judge_with_ctrl_enter(page, CLAIMS[1], "Payroll data agree.")
    _left(page, 2)

    # At a phone's width, scrolled to the end of the article: the count and Skip stay in view.
    page.set_viewport_size({"width": 360, "height": 740})
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    _left(page, 2)
    skip = page.get_by_role("button", name="Skip")
    expect(skip).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.locator("#panel .claim-quote")).to_have_text(CLAIMS[2])
    page.get_by_label("Why skip? (optional)").fill("Outside my beat")
    with page.expect_navigation():
        skip.click()
    _left(page, 1)

    page.set_viewport_size({"width": 1440, "height": 900})
    _judge_with_ctrl_enter(page, CLAIMS[3], "Customs figures.")
    expect(page.get_by_role("heading", name="Queue done")).to_be_visible()
    expect(page.locator("#queue-done")).to_contain_text("0 left in your queue")

    spans = queue["spans"]
    judged = Verdict.objects.filter(reviewer=reviewer, status=Verdict.Status.SUBMITTED)
    assert sorted(judged.values_list("span", flat=True)) == sorted(
        s.pk for s in (spans[0], spans[1], spans[3])
    )
    assert list(Skip.objects.values_list("span", "reason")) == [(spans[2].pk, "Outside my beat")]


def test_x_skips_outside_text_fields(page, live_server, log_in, queue):
    log_in(queue["reviewer"])
    page.goto(live_server.url + reverse("annotate:project", args=[queue["project"].pk]))
    page.get_by_role("button", name="Start reviewing").click()
    page.wait_for_url(re.compile(r".*queue=1.*"))

    page.get_by_label("Rationale").fill("x")  # typed into text: no skip
    expect(page.get_by_label("Rationale")).to_have_value("x")
    page.locator("#panel-heading").click()
    with page.expect_navigation():
        page.keyboard.press("x")
    _left(page, 3)
    assert Skip.objects.get().span == queue["spans"][0]


def _message_in_view(page, assert_in_viewport, text: str) -> None:
    """The message is in the live region, inside the viewport and not covered (the queue bar)."""
    message = page.locator("#reader-status .message")
    expect(message).to_have_text(text)
    assert_in_viewport(message)
    assert message.evaluate(
        """(element) => {
          const box = element.getBoundingClientRect();
          const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
          return element.contains(top);
        }"""
    )


@pytest.mark.parametrize("viewport", [(1440, 900), (360, 800)])
def test_submit_and_skip_messages_are_announced_in_view(
    page, live_server, log_in, queue, assert_in_viewport, viewport
):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    log_in(queue["reviewer"])
    page.goto(live_server.url + reverse("annotate:project", args=[queue["project"].pk]))
    page.get_by_role("button", name="Start reviewing").click()
    page.wait_for_url(re.compile(r".*queue=1.*"))
    expect(page.locator("#reader-status")).to_have_attribute("aria-live", "polite")

    _judge_with_ctrl_enter(page, CLAIMS[0], "The index shows it.")
    _message_in_view(page, assert_in_viewport, "Your verdict was submitted.")

    page.locator("#panel-heading").click()
    with page.expect_navigation():
        page.keyboard.press("x")
    _message_in_view(page, assert_in_viewport, "Claim skipped: it goes to another reviewer.")
