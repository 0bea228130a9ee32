"""Exports are data, not pages: the same bytes whatever language the requester reads (issue 17).

French here is a pseudo-translation: every text that goes through gettext comes out «wrapped».
No real catalog is needed for a label or message leaking into an export to show."""

import datetime

import pytest
from django.utils import translation
from django.utils.translation import trans_real
from rest_framework.test import APIClient

import datasets.responses
from accounts.services import token_create
from annotate.models import Verdict

pytestmark = pytest.mark.django_db

EXPORTED_AT = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def pseudo_french(monkeypatch):
    french = trans_real.translation("fr")
    monkeypatch.setattr(french, "gettext", lambda message: f"«{message}»")
    monkeypatch.setattr(
        french, "ngettext", lambda singular, plural, n: f"«{singular if n == 1 else plural}»"
    )


def _download(user, project, query: str) -> bytes:
    _, key = token_create(user=user, name="locale test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get(f"/api/v1/projects/{project.pk}/export/?{query}")
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize(
    "query",
    [
        "format=csv",
        "format=native&salt=x",
        "format=w3c",
        "format=csv&artifact=datasheet&status=agreed",
    ],
)
def test_an_export_is_byte_identical_under_a_french_locale(
    known, pseudo_french, monkeypatch, query
):
    # The datasheet states when it was made: the same instant for both downloads.
    monkeypatch.setattr(datasets.responses.timezone, "now", lambda: EXPORTED_AT)
    english = _download(known.editor, known.project, query)

    with translation.override("fr"):
        assert str(Verdict.Status.SUBMITTED.label) == "«Submitted»"  # the pseudo-locale is live
        french = _download(known.editor, known.project, query)

    assert french == english
