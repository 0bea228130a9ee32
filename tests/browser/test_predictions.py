"""Machine predictions in the reader, in Chromium at a desktop's and a phone's width: dashed
ranges tagged with model and score, reached by keyboard, accepted (y) and rejected (r) with one
key; the messages land in a live region inside the viewport."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Prediction, Span
from tests.factories import ArticleFactory, PredictionFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": (1440, 900), "phone": (360, 800)}
BODY = (
    "Leaders met on Monday. Officials said talks went well and prices fell 50% last year. "
    "Others disagree with that reading.\n\nThe ministry has not commented on the figures."
)


@pytest.fixture
def desk():
    reviewer = UserFactory()
    article = ArticleFactory(title="Talks and prices", body=BODY)
    project = ProjectFactory(reviewers=[reviewer], articles=[article])
    accepted = PredictionFactory(
        project=project,
        article=article,
        text="prices fell 50% last year",
        model_name="claimbuster-v2",
        score=0.91,
        label="Mostly True",
    )
    rejected = PredictionFactory(
        project=project,
        article=article,
        text="The ministry has not commented",
        model_name="factcheck-lm",
        score=0.42,
    )
    return {
        "reviewer": reviewer,
        "article": article,
        "project": project,
        "accepted": accepted,
        "rejected": rejected,
    }


def _before(page, selector: str) -> str:
    return page.evaluate(
        "(selector) => getComputedStyle(document.querySelector(selector), '::before').content",
        selector,
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_predictions_accepted_and_rejected_with_one_key(
    page, live_server, log_in, desk, assert_in_viewport, viewport
):
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))
    log_in(desk["reviewer"])
    page.goto(
        live_server.url + reverse("annotate:reader", args=[desk["project"].pk, desk["article"].pk])
    )
    first, second = desk["accepted"], desk["rejected"]

    # Dashed, not filled like a claim, and tagged with model and score (text and name).
    dashed = page.locator(f"#article-body .pred[data-predictions~='{first.pk}']")
    expect(dashed).to_have_text("prices fell 50% last year")
    expect(dashed).to_have_css("text-decoration-style", "dashed")
    tag = page.locator(f"#prediction-{first.pk}")
    assert "claimbuster-v2 · 0.91" in _before(page, f"#prediction-{first.pk}")
    expect(tag).to_have_attribute(
        "aria-label",
        "Prediction by claimbuster-v2, score 0.91, "
        "suggests Mostly True: “prices fell 50% last year”. "
        "Press y to accept, r to reject.",
    )
    expect(page.locator("#article-body .hl")).to_have_count(0)

    # Keyboard: p reaches the first prediction, y accepts it.
    page.keyboard.press("p")
    expect(tag).to_be_focused()
    expect(dashed).to_have_class("seg pred is-focused")
    page.keyboard.press("y")

    claim = page.locator("#article-body .hl")
    expect(claim).to_have_text("prices fell 50% last year")
    span = Span.objects.get()
    assert (span.quote, span.created_by) == ("prices fell 50% last year", desk["reviewer"])
    assert Prediction.objects.get(pk=first.pk).accepted_span == span
    expect(page.locator(f"#prediction-{first.pk}")).to_have_count(0)
    status = page.locator("#reader-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text("Claim highlighted from claimbuster-v2's prediction.")
    assert_in_viewport(status.locator(".message"))
    # The prediction's label is the accepter's starting point, not a submitted verdict.
    expect(page.get_by_role("radio", name="Mostly True")).to_be_checked()

    # The other one: p, then r rejects it; it is gone and the message is in view.
    page.keyboard.press("p")
    expect(page.locator(f"#prediction-{second.pk}")).to_be_focused()
    page.keyboard.press("r")

    expect(status).to_contain_text("factcheck-lm's prediction was rejected.")
    expect(page.locator(".pred-tag")).to_have_count(0)
    expect(page.locator("#article-body .pred")).to_have_count(0)
    assert_in_viewport(status.locator(".message"))
    assert Prediction.objects.get(pk=second.pk).rejected_by == desk["reviewer"]
    assert Span.objects.count() == 1


def test_tab_reaches_a_prediction_and_its_list_buttons_work_by_mouse(
    page, live_server, log_in, desk
):
    log_in(desk["reviewer"])
    page.goto(
        live_server.url + reverse("annotate:reader", args=[desk["project"].pk, desk["article"].pk])
    )
    first = desk["accepted"]
    page.locator("#article-title").click()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('pred-tag')"):
            break
    expect(page.locator(f"#prediction-{first.pk}")).to_be_focused()
    # Enter on the tag goes to its entry in the side list, where the buttons are.
    page.keyboard.press("Enter")
    expect(page.locator(f"#prediction-accept-{first.pk} button")).to_be_focused()

    page.locator(f"#prediction-reject-{desk['rejected'].pk} button").click()

    expect(page.locator("#reader-status")).to_contain_text("prediction was rejected")
    expect(page.locator(f"#prediction-{desk['rejected'].pk}")).to_have_count(0)
    expect(page.locator(f"#prediction-{first.pk}")).to_have_count(1)
