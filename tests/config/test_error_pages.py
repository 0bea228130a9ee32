"""403, 404, 500 and a failed CSRF check answer with pages in the app's layout and navigation."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from config.unavailable import server_error

pytestmark = pytest.mark.django_db

NAV = '<nav aria-label="Main">'


def test_404_page_has_the_layout_and_navigation(logged_in_client):
    page = logged_in_client.get("/review/projects/999999/")
    assert page.status_code == 404
    assert NAV in page.text and "Log out" in page.text
    assert "Nothing here" in page.text


def test_404_page_for_an_anonymous_visitor(client):
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert "Nothing here" in page.text and '<header class="site-header">' in page.text


def test_403_page_says_why_with_navigation(reviewer, project):
    client = Client()
    client.force_login(reviewer)
    page = client.post(
        reverse("annotate:members", args=[project.pk]), {"invitee": "x", "role": "viewer"}
    )
    assert page.status_code == 403
    assert NAV in page.text and "Log out" in page.text
    assert "Only the project&#x27;s editors manage it." in page.text


def test_500_page_has_navigation_and_asks_no_query(client, monkeypatch, user):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("annotate.projects.selectors.projects_for_user", broken)
    client.raise_request_exception = False
    client.force_login(user)
    page = client.get(reverse("annotate:dashboard"))
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert NAV in page.text and 'href="/review/"' in page.text


def test_500_page_renders_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/review/")
    with django_assert_num_queries(0):
        page = server_error(request)
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    # No language switcher: without a request there is no CSRF token for its form to send.
    assert 'id="language-switcher"' not in page.content.decode()


def test_csrf_failure_page_is_styled():
    page = Client(enforce_csrf_checks=True).post("/login/", {"username": "a", "password": "b"})
    assert page.status_code == 403
    assert "This form has expired" in page.text and NAV in page.text
