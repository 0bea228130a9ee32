"""Invitations through their services: invitation_create, invitation_accept, invitation_revoke."""

import datetime
import hashlib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.errors import InvitationRefused
from annotate.models import Invitation
from annotate.projects import services
from annotate.projects.selectors import invitation_by_token
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.project(reviewers=["reviewer"], viewers=["viewer"], articles=[]),
]


def _link(token: str) -> str:
    return f"https://desk.example/review/invitations/{token}/"


def _invite(project, editor, **fields) -> tuple[Invitation, str]:
    invitation, link = services.invitation_create(
        project=project, actor=editor, accept_url=_link, **fields
    )
    return invitation, link.split("/invitations/")[1].rstrip("/")


def test_create_stores_a_hash_not_the_token_and_mails_the_link(
    project, editor, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        _, token = _invite(project, editor, email="new@example.org")
    stored = Invitation.objects.get()
    assert stored.role == "reviewer"  # the default
    assert stored.token_hash != token and token not in stored.token_hash
    raw = token.rsplit(":", 1)[0]
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    lifetime = stored.expires_at - stored.created_at
    assert datetime.timedelta(days=7) == settings.INVITATION_MAX_AGE
    assert abs(lifetime - settings.INVITATION_MAX_AGE) < datetime.timedelta(seconds=5)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
    assert _link(token) in mail.outbox[0].body
    assert project.name in mail.outbox[0].subject


def test_create_without_email_sends_no_mail(project, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = _invite(project, editor, role="viewer")
    assert invitation.email == "" and invitation.role == "viewer"
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["reviewer", "viewer", "outsider"])
def test_only_editors_invite(project, who, request):
    with pytest.raises(PermissionDenied):
        _invite(project, request.getfixturevalue(who), email="x@example.org")
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [({"email": "not an address"}, "email"), ({"role": "owner"}, "role")],
)
def test_create_refuses_bad_input(project, editor, fields, error):
    with pytest.raises(ValidationError) as refused:
        _invite(project, editor, **fields)
    assert error in refused.value.message_dict
    assert not Invitation.objects.exists()


def test_a_new_invitation_to_the_same_address_revokes_the_pending_one(project, editor):
    first, first_token = _invite(project, editor, email="Twice@example.org")
    _invite(project, editor, email="twice@example.org")
    first.refresh_from_db()
    assert first.revoked_at is not None
    with pytest.raises(InvitationRefused, match="revoked"):
        invitation_by_token(token=first_token)


def test_accept_as_a_new_person_makes_the_account_and_the_membership(project, editor):
    invitation, token = _invite(project, editor, email="nina@example.org")
    membership = services.invitation_accept(
        token=token, username="nina", password="a long fresh passphrase"
    )
    assert membership.role == "reviewer" and membership.project == project
    nina = membership.user
    assert nina.username == "nina" and nina.email == "nina@example.org"
    assert nina.check_password("a long fresh passphrase")
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina and invitation.accepted_at is not None


def test_accepting_twice_is_refused(project, editor):
    _, token = _invite(project, editor)
    members = project.memberships.count()
    services.invitation_accept(token=token, username="once", password="a long fresh passphrase")
    with pytest.raises(InvitationRefused, match="already been used") as refused:
        services.invitation_accept(token=token, user=UserFactory())
    assert refused.value.http_status == 410
    assert project.memberships.count() == members + 1


def test_expired_invitation_is_refused(project, editor):
    invitation, token = _invite(project, editor)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(InvitationRefused, match="expired") as refused:
        services.invitation_accept(token=token, user=UserFactory())
    assert refused.value.http_status == 410


def test_revoked_invitation_is_refused(project, editor):
    invitation, token = _invite(project, editor)
    services.invitation_revoke(invitation=invitation, actor=editor)
    with pytest.raises(InvitationRefused, match="revoked"):
        services.invitation_accept(token=token, user=UserFactory())


def test_accept_keeps_the_username_and_password_rules(project, editor, reviewer):
    _, token = _invite(project, editor)
    with pytest.raises(ValidationError) as taken:
        services.invitation_accept(
            token=token, username=reviewer.username, password="a long fresh passphrase"
        )
    assert "username" in taken.value.message_dict
    with pytest.raises(ValidationError) as weak:
        services.invitation_accept(token=token, username="newbie", password="123")
    assert "password" in weak.value.message_dict
    # Refusals leave the invitation usable.
    assert invitation_by_token(token=token).accepted_at is None


def test_a_member_cannot_use_an_invitation_meant_for_someone_else(project, editor, reviewer):
    _, token = _invite(project, editor, role="editor")
    with pytest.raises(ValidationError, match="already a member"):
        services.invitation_accept(token=token, user=reviewer)
    assert project.memberships.get(user=reviewer).role == "reviewer"


def test_an_existing_user_accepts_with_the_invited_role(project, editor):
    newcomer = UserFactory()
    _, token = _invite(project, editor, role="viewer")
    services.invitation_accept(token=token, user=newcomer)
    assert project.memberships.get(user=newcomer).role == "viewer"


@pytest.mark.parametrize("who", ["reviewer", "viewer", "outsider"])
def test_only_editors_revoke(project, editor, who, request):
    invitation, _ = _invite(project, editor)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(invitation=invitation, actor=request.getfixturevalue(who))
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_an_accepted_invitation_cannot_be_revoked(project, editor):
    invitation, token = _invite(project, editor)
    services.invitation_accept(token=token, user=UserFactory())
    with pytest.raises(ValidationError, match="already accepted"):
        services.invitation_revoke(invitation=invitation, actor=editor)


# The project and editor fixtures are shared by the examples, as intended: each makes its own.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=120))
def test_any_other_token_is_refused_as_unknown(project, editor, text):
    """A made-up or altered link is refused as unknown (404), never an error nor a join."""
    _, token = _invite(project, editor)
    for candidate in (text, token + text if text else token[:-1], text + token):
        if candidate == token:
            continue
        with pytest.raises(InvitationRefused) as refused:
            invitation_by_token(token=candidate)
        assert refused.value.http_status == 404
