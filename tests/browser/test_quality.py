"""The review-quality page with the demo project, in Chromium."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotate.models import Project
from tests.browser.test_layout import _demo_data, _no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1440])
def test_quality_page_with_the_demo_project(page, live_server, settings, width):
    _demo_data(settings)
    project = Project.objects.get(slug="biden-putin-2021")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("editor-demo-2021")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Review quality").first.click()

    expect(page.get_by_role("heading", name="Review quality")).to_be_visible()
    expect(page.locator(".alpha-figure")).to_contain_text("Krippendorff's α")
    expect(page.locator(".alpha-reading")).not_to_be_empty()
    expect(page.locator("svg").first).to_be_visible()
    # The reviewers' table lists both demo reviewers by name.
    reviewers = page.get_by_role("region", name="Reviewers", exact=True)
    expect(reviewers).to_contain_text("reviewer1")
    expect(reviewers).to_contain_text("reviewer2")
    _no_horizontal_scroll(page)

    # A most-contested claim opens in the reader.
    contested = page.get_by_role("region", name="Most contested claims").get_by_role("link").first
    contested.click()
    expect(page.locator("#panel")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/review/projects/{project.pk}/articles/\d+/\?span=\d+"))


def test_quality_page_refuses_reviewers(page, live_server, settings, console):
    _demo_data(settings)
    project = Project.objects.get(slug="biden-putin-2021")
    console.allow(r"status of 403")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("reviewer1")
    page.get_by_label("Password").fill("reviewer1-demo-2021")
    page.get_by_role("button", name="Log in").click()
    response = page.goto(f"{live_server.url}{reverse('annotate:quality', args=[project.pk])}")
    assert response.status == 403
