"""The language of the pages: the user's preference, then the switcher's cookie, then
Accept-Language, then English; the settings page and the header's switcher."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken, Profile
from accounts.services import profile_language_set, token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/settings/"
SWITCH_URL = "/i18n/setlang/"
HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def page_language(response) -> str:
    assert response.status_code == 200, response.status_code
    return HTML_LANG.search(response.text).group(1)


def test_english_without_any_hint(client):
    response = client.get("/login/")
    assert page_language(response) == "en"
    assert response["Content-Language"] == "en"


def test_accept_language_chooses_a_shipped_language(client):
    assert page_language(client.get("/login/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")) == "es"
    assert page_language(client.get("/login/", HTTP_ACCEPT_LANGUAGE="pt-BR")) == "pt-br"


def test_accept_language_of_an_unshipped_language_falls_back_to_english(client):
    assert page_language(client.get("/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")) == "en"


def test_switcher_cookie_beats_accept_language(client):
    response = client.post(SWITCH_URL, {"language": "fr", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert page_language(client.get("/login/", HTTP_ACCEPT_LANGUAGE="es")) == "fr"


def test_switcher_of_a_logged_in_user_stores_the_preference(logged_in_client, user):
    response = logged_in_client.post(SWITCH_URL, {"language": "ar", "next": "/settings/"})
    assert response.status_code == 302
    assert Profile.objects.get(user=user).preferred_language == "ar"
    assert page_language(logged_in_client.get(SETTINGS_URL)) == "ar"


def test_preference_beats_cookie_and_accept_language(logged_in_client, user):
    logged_in_client.post(SETTINGS_URL, {"preferred_language": "pt-br"})
    logged_in_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = logged_in_client.get(SETTINGS_URL, HTTP_ACCEPT_LANGUAGE="es")
    assert page_language(response) == "pt-br"
    assert response["Content-Language"] == "pt-br"


def test_preference_follows_the_user_to_a_new_login(client):
    user = UserFactory()
    profile_language_set(user=user, language="es")
    response = client.post(
        "/login/", {"username": user.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert page_language(client.get(SETTINGS_URL, HTTP_ACCEPT_LANGUAGE="fr")) == "es"


def test_browser_choice_hands_back_to_cookie_and_accept_language(logged_in_client, user):
    logged_in_client.post(SETTINGS_URL, {"preferred_language": "ar"})
    response = logged_in_client.post(SETTINGS_URL, {"preferred_language": ""}, follow=True)
    assert Profile.objects.get(user=user).preferred_language == ""
    assert page_language(logged_in_client.get(SETTINGS_URL, HTTP_ACCEPT_LANGUAGE="fr")) == "fr"
    assert "Your settings are saved." in response.text


def test_settings_page_shows_the_choice_in_each_language_own_name(logged_in_client):
    response = logged_in_client.get(SETTINGS_URL)
    assert response.status_code == 200
    # Each language in its own name, the same in the settings form and the header's switcher.
    for code, name in (("es", "español"), ("pt-br", "Português Brasileiro"), ("ar", "العربيّة")):
        assert response.text.count(f'<option value="{code}"') == 2
        assert response.text.count(f">{name}</option>") == 2
    assert 'id="language-switcher"' in response.text


def test_settings_page_refuses_an_unknown_language(logged_in_client, user):
    response = logged_in_client.post(SETTINGS_URL, {"preferred_language": "xx"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Profile.objects.filter(user=user).exists()


def test_settings_page_asks_an_anonymous_visitor_to_log_in(client):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.post(SETTINGS_URL, {"preferred_language": "es"}).status_code == 302
    assert not Profile.objects.exists()


def test_settings_page_changes_only_the_own_profile(client):
    alice, bob = UserFactory(), UserFactory()
    profile_language_set(user=bob, language="fr")
    client.force_login(alice)
    client.post(SETTINGS_URL, {"preferred_language": "es"})
    assert Profile.objects.get(user=alice).preferred_language == "es"
    assert Profile.objects.get(user=bob).preferred_language == "fr"


def test_switcher_refuses_an_unknown_language(logged_in_client, user):
    response = logged_in_client.post(SWITCH_URL, {"language": "xx", "next": "/login/"})
    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not Profile.objects.filter(user=user).exists()


def test_switcher_answers_only_posts(client):
    assert client.get(SWITCH_URL, {"language": "es"}).status_code == 405


def test_switcher_and_settings_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(SWITCH_URL, {"language": "es"}).status_code == 403
    assert client.post(SETTINGS_URL, {"preferred_language": "es"}).status_code == 403
    assert not Profile.objects.filter(user=user).exists()


def test_switcher_does_not_redirect_off_site(client):
    response = client.post(SWITCH_URL, {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_preference_costs_pages_no_query(client, django_assert_max_num_queries):
    """The preference lives in the session: a page asks the database as often with it as
    without it: session, user, and the settings page's own read of the profile."""
    user = UserFactory()
    client.force_login(user)
    with CaptureQueriesContext(connection) as without:
        client.get(SETTINGS_URL)
    queries_without = len(without)  # read now: the next request clears the log
    assert queries_without <= 3
    client.post(SETTINGS_URL, {"preferred_language": "fr"})
    with django_assert_max_num_queries(queries_without):
        assert page_language(client.get(SETTINGS_URL)) == "fr"


def test_javascript_catalog_is_served_from_the_site_per_language(client):
    response = client.get("/jsi18n/fr/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"django.gettext = function" in response.content
    assert b'"DECIMAL_SEPARATOR": ","' in response.content  # French formats, whatever the header
    assert "max-age=3600" in response["Cache-Control"]
    assert client.get("/jsi18n/xx/").status_code == 404
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="es")
    assert '<script src="/jsi18n/es/" defer></script>' in page.text


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "4 Dec 2021, 17:05 UTC"),
        ("es", "04/12/2021 17:05 UTC"),
        ("fr", "04/12/2021 17:05 UTC"),
    ],
)
def test_dates_in_pages_follow_the_language(logged_in_client, user, language, shown):
    token, _key = token_create(user=user, name="notebook")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=datetime.datetime(2021, 12, 4, 17, 5, tzinfo=datetime.UTC)
    )
    page = logged_in_client.get("/tokens/", HTTP_ACCEPT_LANGUAGE=language).text
    assert shown in page
