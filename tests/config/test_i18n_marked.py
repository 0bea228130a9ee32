"""Issue 17, the Python side: what the API and a form answer in English is a msgid makemessages
extracts, so the es, pt-BR, fr and ar catalogs can translate it.

That an `Accept-Language: es` request gets the Spanish text needs LocaleMiddleware and the
catalogs (the `i18n` branch); its test belongs with them."""

import pytest
from django.test import Client

from annotate.projects.services import invitation_create
from tests.i18n import extracted_msgids

pytestmark = pytest.mark.django_db


def test_an_api_field_error_and_the_error_detail_are_marked(api_as, reviewer, span, assert_error):
    response = api_as(reviewer).post(
        "/api/v1/verdicts/",
        {"span": span.pk, "status": "submitted", "version": 0, "label": "Pinocchios"},
    )

    body = assert_error(response, 400, "validation_error", "label")
    assert body["errors"]["label"] == ["“Pinocchios” is not on this project's scale."]
    assert "“%(label)s” is not on this project's scale." in extracted_msgids(
        "annotate/review/services/verdicts.py"
    )
    assert body["detail"] == "Invalid input."
    assert "Invalid input." in extracted_msgids("config/api/errors.py")


def test_an_unknown_api_path_answers_a_marked_detail():
    response = Client().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["detail"] == "No such endpoint."
    assert "No such endpoint." in extracted_msgids("config/api/views.py")


def test_a_form_error_and_a_form_label_are_marked(project, editor):
    _, link = invitation_create(
        project=project, actor=editor, accept_url=lambda token: f"/review/invitations/{token}/"
    )

    page = Client().post(link, {"username": "xan", "password": "x" * 20, "password_again": "y"})

    assert page.status_code == 400
    assert "The two passwords differ." in page.text
    assert "Password again" in page.text
    marked = extracted_msgids("annotate/web/forms.py")
    assert {"The two passwords differ.", "Password again"} <= marked


def test_a_message_with_a_count_is_marked_with_its_plural():
    marked = extracted_msgids("annotate/webhooks/delivery.py")

    assert {
        "Disabled automatically after %(limit)s failed attempt in a row.",
        "Disabled automatically after %(limit)s failed attempts in a row.",
        "The endpoint had been failing for %(minutes)s minute.",
        "The endpoint had been failing for %(minutes)s minutes.",
    } <= marked
