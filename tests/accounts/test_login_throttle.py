"""Login attempts are throttled per account and per client IP (django-axes, AXES_* settings)."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture
def limit(settings) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def _log_in(username: str, password: str, ip: str = "198.51.100.7"):
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": password})


def test_account_locked_after_n_failures_even_from_other_addresses(limit):
    alice = UserFactory(username="alice")
    for n in range(limit - 1):
        assert _log_in("alice", "wrong", ip=f"198.51.100.{n + 1}").status_code == 200
    # The N-th failure already answers with the lockout page.
    assert _log_in("alice", "wrong", ip="198.51.100.99").status_code == 429
    locked = _log_in("alice", PASSWORD, ip="203.0.113.9")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert int(locked["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in locked.wsgi_request.session
    # Other accounts from other addresses are unaffected.
    UserFactory(username="bob")
    assert _log_in("bob", PASSWORD, ip="203.0.113.10").status_code == 302
    assert alice.pk  # the account itself is untouched: only its logins are paused


def test_address_locked_after_n_failures_on_any_accounts(limit):
    UserFactory(username="carol")
    for n in range(limit):
        _log_in(f"guess{n}", "wrong", ip="192.0.2.50")
    assert _log_in("carol", PASSWORD, ip="192.0.2.50").status_code == 429
    assert _log_in("carol", PASSWORD, ip="192.0.2.51").status_code == 302


def test_success_resets_the_count(limit):
    UserFactory(username="dora")
    for _ in range(2):
        for _ in range(limit - 1):
            assert _log_in("dora", "wrong").status_code == 200
        assert _log_in("dora", PASSWORD).status_code == 302


def test_lockout_ends_after_the_cool_off(limit):
    UserFactory(username="erin")
    for _ in range(limit):
        _log_in("erin", "wrong")
    assert _log_in("erin", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    assert _log_in("erin", PASSWORD).status_code == 302


def test_lockout_page_is_styled(limit):
    for _ in range(limit):
        _log_in("frank", "wrong")
    page = _log_in("frank", "wrong")
    assert page.status_code == 429
    assert '<header class="site-header">' in page.text
    assert "paused for 15 minutes" in page.text
    assert 'href="/password-reset/"' in page.text


def test_test_client_login_is_throttled_too(limit):
    UserFactory(username="gina")
    assert Client().login(username="gina", password=PASSWORD)
    for _ in range(limit):
        assert not Client().login(username="gina", password="wrong")
    assert not Client().login(username="gina", password=PASSWORD)


def test_admin_login_is_throttled_too(limit):
    UserFactory(username="hank", is_staff=True)
    client = Client(REMOTE_ADDR="198.51.100.80")
    for _ in range(limit):
        client.post("/admin/login/", {"username": "hank", "password": "wrong"})
    refused = client.post("/admin/login/", {"username": "hank", "password": PASSWORD})
    assert refused.status_code == 429
