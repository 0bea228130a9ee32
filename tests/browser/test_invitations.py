"""People: an editor invites a reviewer by email on the Members page, the reviewer joins through
the link with a new password and opens the review queue; at a desktop's and a phone's width."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Membership
from tests.browser.test_layout import _no_horizontal_scroll
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "a long fresh passphrase"


@pytest.mark.parametrize("width", [1440, 360])
def test_invited_reviewer_joins_through_the_link_and_reviews(page, live_server, log_in, width):
    editor = UserFactory()
    article = ArticleFactory()
    project = ProjectFactory(
        name="Invitation desk", editors=[editor], reviewers=[], viewers=[], articles=[article]
    )
    SpanFactory(project=project, article=article, created_by=editor)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(editor)

    page.goto(live_server.url + reverse("annotate:members", args=[project.pk]))
    invitee = page.get_by_label("Username or email")
    invitee.scroll_into_view_if_needed()
    expect(invitee).to_be_in_viewport()
    expect(page.get_by_label("Role")).to_have_value("reviewer")
    _no_horizontal_scroll(page)
    invitee.fill("rita@example.org")
    page.get_by_role("button", name="Invite or save role").click()

    shown = page.get_by_label("Invitation link")
    expect(shown).to_be_in_viewport()
    link = shown.input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/review/invitations/[^/]+/", link)
    expect(page.locator("#invitations")).to_contain_text("rita@example.org")
    _no_horizontal_scroll(page)
    assert mail.outbox[-1].to == ["rita@example.org"] and link in mail.outbox[-1].body

    page.get_by_role("button", name=f"Log out {editor.username}").click()
    page.goto(link)
    expect(page.get_by_role("heading", name="Join “Invitation desk”")).to_be_visible()
    _no_horizontal_scroll(page)
    page.get_by_label("Username", exact=True).fill("rita")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_label("Password again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create account and join").click()

    page.wait_for_url(live_server.url + reverse("annotate:project", args=[project.pk]))
    expect(page.locator(".messages")).to_contain_text("you joined as reviewer")
    page.get_by_role("button", name="Start reviewing").click()
    page.wait_for_url(re.compile(r".*queue=1.*"))
    expect(page.locator("#panel")).to_be_visible()
    assert Membership.objects.get(project=project, user__username="rita").role == "reviewer"
