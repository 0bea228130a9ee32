"""The editor's desk in Chromium: a new project with a custom scale made through the form, then
the claims table and one bulk action, at a desktop's width and at a phone's (360 px)."""

import pytest
from playwright.sync_api import expect

from annotate.models import Assignment, Membership, Project
from tests.factories import ArticleFactory, SpanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_PAGE_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _in_view_width(page, locator) -> None:
    """Visible, and not cut off at the right edge (the user can reach it by scrolling down)."""
    expect(locator).to_be_visible()
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box


@pytest.mark.parametrize("width", [1440, 360])
def test_an_editor_creates_a_project_then_assigns_claims_in_the_table(
    page, live_server, log_in, width
):
    page.set_viewport_size({"width": width, "height": 900})
    editor = UserFactory(is_staff=True)
    reviewer = UserFactory()
    log_in(editor)

    new = page.get_by_role("link", name="New project").first
    _in_view_width(page, new)
    new.click()
    page.get_by_label("Name").fill("Debate desk")
    page.get_by_label("Slug").fill("debate-desk")
    page.get_by_role("group", name="Project").get_by_label("Description").fill(
        "Claims from the <b>debate</b>."
    )
    page.get_by_label("Reviews per claim (k)").fill("1")
    page.get_by_label("Scale", exact=True).select_option("custom")
    page.get_by_label("Ordinal scale").check()
    for row, (label, description, fever) in enumerate(
        [("Accurate", "Matches the record.", "SUPPORTS"), ("Wrong", "Contradicts it.", "REFUTES")]
    ):
        page.locator(f"#id_scale-{row}-label").fill(label)
        page.locator(f"#id_scale-{row}-description").fill(description)
        page.locator(f"#id_scale-{row}-fever").select_option(fever)
    assert page.evaluate(NO_PAGE_SCROLL)
    submit = page.get_by_role("button", name="Create project")
    _in_view_width(page, submit)
    submit.click()
    expect(page.get_by_role("heading", name="Debate desk")).to_be_visible()
    expect(page.get_by_text("Claims from the <b>debate</b>.")).to_be_visible()  # escaped

    project = Project.objects.get(slug="debate-desk")
    assert project.labels == ["Accurate", "Wrong"] and project.scale_is_ordinal
    assert project.fever_mapping == {"Accurate": "SUPPORTS", "Wrong": "REFUTES"}
    Membership.objects.create(project=project, user=reviewer, role="reviewer")
    article = ArticleFactory(
        title="A debate with a very long headline about inflation figures and prices",
        body="Prices fell last year. Wages rose faster than ever. Rents stayed flat.",
    )
    spans = [
        SpanFactory(project=project, article=article, text=text, created_by=editor)
        for text in ("Prices fell last year.", "Wages rose faster than ever.")
    ]

    page.reload()
    table_link = page.get_by_role("link", name="Claims table")
    _in_view_width(page, table_link)
    table_link.click()
    expect(page.get_by_role("heading", name="Claims")).to_be_visible()
    page.get_by_label(f"Select claim {spans[1].pk}").check()
    page.get_by_label("With the ticked claims").select_option("assign")
    page.get_by_label("Reviewer (to assign)").select_option(label=reviewer.username)
    apply = page.get_by_role("button", name="Apply")
    _in_view_width(page, apply)
    assert page.evaluate(NO_PAGE_SCROLL)
    apply.click()
    expect(page.get_by_text(f"1 claim assigned to {reviewer.username}.")).to_be_visible()
    assert list(Assignment.objects.values_list("span_id", "reviewer_id")) == [
        (spans[1].pk, reviewer.pk)
    ]
    # The table scrolls inside its own box, the page does not.
    assert page.evaluate(NO_PAGE_SCROLL)
    expect(page.locator(".table-scroll")).to_be_visible()
