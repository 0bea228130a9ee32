"""Blind review, adjudication of contested claims and project isolation, in Chromium."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Adjudication, Verdict
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def claim():
    editor, first, second = UserFactory(), UserFactory(), UserFactory()
    article = ArticleFactory(
        title="Summit in Geneva", body="The envoy said talks went well. Others disagree."
    )
    project = ProjectFactory(
        name="Summit desk", editors=[editor], reviewers=[first, second], articles=[article]
    )
    span = SpanFactory(project=project, article=article, text="talks went well", created_by=first)
    return {
        "editor": editor,
        "first": first,
        "second": second,
        "project": project,
        "article": article,
        "span": span,
    }


def _reader(live_server, claim) -> str:
    url = reverse("annotate:reader", args=[claim["project"].pk, claim["article"].pk])
    return f"{live_server.url}{url}?span={claim['span'].pk}#panel"


def _submitted(claim, reviewer, label, url):
    verdict = VerdictFactory(
        span=claim["span"], reviewer=reviewer, label=label, rationale=f"{label}, says {url}."
    )
    SourceFactory(verdict=verdict, url=url, title=f"Evidence for {label}")
    return verdict


def test_blind_review_hides_others_until_own_verdict_is_submitted(page, live_server, log_in, claim):
    first, second = claim["first"], claim["second"]
    _submitted(claim, first, "Mostly True", "https://example.org/readout")
    log_in(second)
    page.goto(_reader(live_server, claim))
    others = page.get_by_role("region", name="Other reviewers")

    expect(page.locator("#blind-note")).to_have_text(
        "Blind review: other reviewers' verdicts appear once you submit yours."
    )
    expect(page.get_by_role("article", name=f"Verdict by {first.username}")).to_have_count(0)
    expect(page.get_by_text("Mostly True, says")).to_have_count(0)
    expect(page.locator("a[href='https://example.org/readout']")).to_have_count(0)

    page.get_by_role("radio", name="Mostly False", exact=True).check()
    page.get_by_label("Rationale").fill("The readout says talks were tense.")
    page.get_by_role("button", name="Add source").click()
    page.get_by_label("URL").fill("https://example.org/transcript")
    page.get_by_role("button", name="Submit").click()

    expect(page.locator("#reader-status")).to_have_text("Your verdict was submitted.")
    expect(page.locator("#blind-note")).to_have_count(0)
    card = others.get_by_role("article", name=f"Verdict by {first.username}")
    expect(card).to_be_visible()
    expect(card.locator(".label-badge")).to_have_text("Mostly True")
    link = card.get_by_role("link", name="Evidence for Mostly True")
    expect(link).to_have_attribute("href", "https://example.org/readout")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    expect(page.locator("#panel-heading .badge")).to_have_text("contested")
    verdict = Verdict.objects.get(reviewer=second)
    assert (verdict.label, verdict.status) == ("Mostly False", Verdict.Status.SUBMITTED)
    assert [s.url for s in verdict.sources.all()] == ["https://example.org/transcript"]


def test_editor_adjudicates_a_contested_claim(page, live_server, log_in, claim):
    editor = claim["editor"]
    first = _submitted(claim, claim["first"], "True", "https://example.org/a")
    second = _submitted(claim, claim["second"], "False", "https://example.org/b")
    log_in(editor)

    page.get_by_role("link", name="Contested claims").click()
    expect(page.get_by_role("heading", name="Contested claims")).to_be_visible()
    card = page.locator(".card").filter(has_text="talks went well")
    expect(card.locator(".label-badge")).to_have_text(["True", "False"])
    card.get_by_role("link", name="open in the reader to adjudicate").click()

    panel = page.locator("#panel")
    expect(panel.locator("#panel-heading .badge")).to_have_text("contested")
    form = page.locator("#adjudication-form")
    form.locator("input[name='adjudicate-label'][value='Half True']").check()
    form.locator("textarea[name='adjudicate-rationale']").fill("Both readouts are partly right.")
    form.get_by_role("button", name="Record final verdict").click()

    expect(page.locator("#reader-status")).to_have_text("The final verdict is recorded.")
    expect(panel.locator("#panel-heading .badge")).to_have_text("adjudicated")
    expect(panel.locator(".adjudication")).to_contain_text("Final verdict: Half True")
    expect(page.locator("#span-list .badge")).to_have_text("adjudicated")
    expect(page.locator("#verdict-form")).to_have_count(0)  # verdicts are closed now
    adjudication = Adjudication.objects.get(span=claim["span"])
    assert (adjudication.label, adjudication.editor) == ("Half True", editor)
    assert adjudication.rationale == "Both readouts are partly right."
    assert set(adjudication.considered_verdicts.all()) == {first, second}

    page.goto(live_server.url + reverse("annotate:contested", args=[claim["project"].pk]))
    expect(page.get_by_text("No contested claims")).to_be_visible()


def test_adjudication_labels_choose_the_final_verdict(page, live_server, log_in, claim, console):
    console.allow(r"status of 400")
    _submitted(claim, claim["first"], "True", "https://example.org/a")
    _submitted(claim, claim["second"], "False", "https://example.org/b")
    log_in(claim["editor"])
    page.goto(_reader(live_server, claim))
    form = page.locator("#adjudication-form")

    duplicates = page.evaluate(
        """() => { const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
                   return ids.filter((id, i) => ids.indexOf(id) !== i); }"""
    )
    form.locator("label.scale-choice", has_text="Half True").click()
    checked_here = form.locator("input[name='adjudicate-label'][value='Half True']").is_checked()
    checked_in_verdict_form = page.locator(
        "#verdict-form input[name=label][value='Half True']"
    ).is_checked()

    assert (duplicates, checked_here, checked_in_verdict_form) == ([], True, False)
    assert form.get_by_role("radio", name="Half True").count() == 1


def test_member_of_another_project_gets_404_on_the_reader(
    page, live_server, log_in, claim, console
):
    console.allow(r"status of 404")
    outsider = UserFactory()
    ProjectFactory(name="Other desk", reviewers=[outsider])
    log_in(outsider)

    response = page.goto(_reader(live_server, claim))

    assert response.status == 404
    expect(page.get_by_text("talks went well")).to_have_count(0)
    expect(page.get_by_text("Summit in Geneva")).to_have_count(0)
    # Nor does the queue, the span or the contested list give the project away.
    for url in (
        reverse("annotate:project", args=[claim["project"].pk]),
        reverse("annotate:contested", args=[claim["project"].pk]),
        reverse("annotate:history", args=[claim["span"].pk]),
    ):
        assert page.goto(live_server.url + url).status == 404, url
    assert not Verdict.objects.exists()


@pytest.mark.parametrize("width", [1440, 360])
def test_a_refused_verdict_shows_its_error_in_view(
    page, live_server, log_in, claim, console, width
):
    """A source URL the server refuses: after the reload, the error is where the eye is."""
    console.allow("status of 400")  # the refused form answers 400
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})
    log_in(claim["second"])
    page.goto(_reader(live_server, claim))
    page.get_by_role("radio", name="Mostly False", exact=True).check()
    page.get_by_role("button", name="Add source").click()
    page.get_by_label("URL").fill("javascript:alert(1)")
    page.get_by_role("button", name="Submit").click()

    error = page.locator("#panel form .form-errors").first
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(page.get_by_label("URL")).to_be_focused()
    assert not Verdict.objects.filter(reviewer=claim["second"]).exists()
