"""Password reset through Django's views, our templates and the configured mail backend."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_reset_by_email_sets_a_new_password(client):
    user = UserFactory(username="ines", email="ines@example.org")
    page = client.get("/login/")
    assert 'href="/password-reset/"' in page.text
    sent = client.post("/password-reset/", {"email": "ines@example.org"}, follow=True)
    assert "Check your email" in sent.text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ines@example.org"]
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.text and '<header class="site-header">' in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a fresh long passphrase", "new_password2": "a fresh long passphrase"},
        follow=True,
    )
    assert "Your password is changed" in done.text
    user.refresh_from_db()
    assert user.check_password("a fresh long passphrase")
    # The link works once.
    assert "This link does not work any more" in client.get(link, follow=True).text


def test_unknown_email_gets_the_same_answer_and_no_mail(client):
    sent = client.post("/password-reset/", {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in sent.text
    assert mail.outbox == []


def test_reset_form_needs_csrf():
    UserFactory(email="jo@example.org")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/password-reset/", {"email": "jo@example.org"}).status_code == 403
    assert mail.outbox == []
