"""Exports are data, not pages: the same bytes whatever language the page is in (the switcher's
cookie, Accept-Language or the user's preference)."""

import re

import pytest
from django.conf import settings

from accounts.services import profile_language_set
from datasets.exporters import formats
from tests.datasets.test_views import page_url

pytestmark = pytest.mark.django_db


# The datasheet says when it was made: an ISO time, whatever the language, masked here.
EXPORTED_AT = re.compile(rb"Exported at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return EXPORTED_AT.sub(b"Exported at: <time>", content)


def download(client, project, **params) -> bytes:
    return body(client.get(page_url(project), params))


@pytest.mark.parametrize("fmt", formats())
@pytest.mark.parametrize("artifact", ["data", "datasheet"])
def test_export_page_gives_the_same_bytes_in_french(client, known, fmt, artifact):
    client.force_login(known.editor)
    params = {"format": fmt, "artifact": artifact, "salt": "x"}
    english = download(client, known.project, **params)

    french_header = client.get(page_url(known.project), params, HTTP_ACCEPT_LANGUAGE="fr")
    assert french_header["Content-Language"] == "fr"  # the request did run in French
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    by_cookie = download(client, known.project, **params)
    profile_language_set(user=known.editor, language="fr")
    client.force_login(known.editor)  # the preference is read at login
    by_preference = download(client, known.project, **params)

    assert english
    assert by_cookie == english
    assert by_preference == english
    assert body(french_header) == english


def test_export_api_gives_the_same_bytes_in_french(api_as, known):
    client = api_as(known.editor)
    url = f"/api/v1/projects/{known.project.pk}/export/?format=csv&salt=x"
    english = b"".join(client.get(url).streaming_content)
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert french["Content-Language"] == "fr"
    assert b"".join(french.streaming_content) == english
