"""The Members page's invitations and the invitation link's page, through the test client."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotate.models import Invitation
from annotate.projects import services
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.project(articles=[])]

PASSPHRASE = "a long fresh passphrase"


def _client(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _members(project) -> str:
    return reverse("annotate:members", args=[project.pk])


def _invite(project, editor, **fields) -> tuple[Invitation, str]:
    invitation, link = services.invitation_create(
        project=project,
        actor=editor,
        accept_url=lambda token: f"/review/invitations/{token}/",
        **fields,
    )
    return invitation, link


def test_role_defaults_to_reviewer(project, editor):
    page = _client(editor).get(_members(project)).text
    assert re.search(r'<option value="reviewer" selected>', page)
    assert not re.search(r'<option value="editor" selected>', page)


def test_editor_invites_by_email_and_sees_the_link_once(
    project, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = _client(editor).post(
            _members(project), {"invitee": "ola@example.org", "role": "reviewer"}
        )
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    link = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', page.text).group(1)
    assert link.startswith("http://testserver/review/invitations/")
    assert mail.outbox[0].to == ["ola@example.org"] and link in mail.outbox[0].body
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "ola@example.org",
        "reviewer",
        editor,
    )
    # Listed as pending; the link is not on the page any more.
    again = _client(editor).get(_members(project)).text
    assert "ola@example.org" in again and link not in again


def test_blank_invitee_makes_a_link_to_share(project, editor):
    page = _client(editor).post(_members(project), {"invitee": "", "role": "viewer"})
    assert page.status_code == 200 and "Share this link" in page.text
    assert Invitation.objects.get().role == "viewer"
    assert mail.outbox == []


def test_existing_username_is_added_directly(project, editor):
    newcomer = UserFactory(username="pat")
    response = _client(editor).post(_members(project), {"invitee": "pat", "role": "reviewer"})
    assert response.status_code == 302
    assert project.memberships.get(user=newcomer).role == "reviewer"
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("invitee", "message"),
    [("nobody-by-that-name", "No user with this name."), ("bad@", "Enter a valid email")],
)
def test_unknown_username_or_bad_email_is_a_field_error(project, editor, invitee, message):
    page = _client(editor).post(_members(project), {"invitee": invitee, "role": "reviewer"})
    assert page.status_code == 400 and message in page.text
    assert not Invitation.objects.exists()


def test_invitee_length_limit(project, editor):
    page = _client(editor).post(
        _members(project), {"invitee": "a" * 250 + "@example.org", "role": "reviewer"}
    )
    assert page.status_code == 400 and "at most 254 characters" in page.text
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)])
def test_only_editors_invite(project, who, status, request):
    client = _client(request.getfixturevalue(who))
    response = client.post(_members(project), {"invitee": "q@example.org", "role": "editor"})
    assert response.status_code == status
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)])
def test_only_editors_revoke(project, editor, who, status, request):
    invitation, _ = _invite(project, editor, email="r@example.org")
    url = reverse("annotate:invitation-revoke", args=[project.pk, invitation.pk])
    assert _client(request.getfixturevalue(who)).post(url).status_code == status
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_editor_revokes_and_the_link_stops_working(project, editor):
    invitation, link = _invite(project, editor, email="s@example.org")
    url = reverse("annotate:invitation-revoke", args=[project.pk, invitation.pk])
    response = _client(editor).post(url, follow=True)
    assert "its link no longer works" in response.text
    assert "s@example.org" not in response.text.split("Pending invitations")[1]
    refused = _client().get(link)
    assert refused.status_code == 410 and "revoked" in refused.text


def test_revoke_of_another_projects_invitation_is_404(project, editor, make_project):
    other = make_project(editors=[UserFactory()], reviewers=[], viewers=[])
    invitation, _ = _invite(other, other.memberships.get().user)
    url = reverse("annotate:invitation-revoke", args=[project.pk, invitation.pk])
    assert _client(editor).post(url).status_code == 404


def test_revoke_of_an_impossible_id_is_404(project, editor):
    url = f"/review/projects/{project.pk}/invitations/{2**70}/revoke/"
    assert _client(editor).post(url).status_code == 404


def test_members_see_pending_invitations_without_revoke_buttons(project, editor, viewer):
    _invite(project, editor, email="t@example.org")
    page = _client(viewer).get(_members(project)).text
    assert "t@example.org" in page
    assert "Revoke" not in page and 'id="member-form"' not in page


@pytest.mark.parametrize("n", [1, 30])
def test_members_page_queries_stay_flat(project, editor, n, django_assert_max_num_queries):
    for i in range(n):
        _invite(project, editor, email=f"p{i}@example.org")
    client = _client(editor)
    with django_assert_max_num_queries(8):
        page = client.get(_members(project))
    assert page.text.count("@example.org</td>") == n


def test_csrf_is_enforced_on_every_invitation_form(project, editor):
    invitation, link = _invite(project, editor)
    editor_client = _client(editor, enforce_csrf_checks=True)
    assert editor_client.post(_members(project), {"invitee": "u@example.org"}).status_code == 403
    revoke = reverse("annotate:invitation-revoke", args=[project.pk, invitation.pk])
    assert editor_client.post(revoke).status_code == 403
    anonymous = Client(enforce_csrf_checks=True)
    form = {"username": "vic", "password": PASSPHRASE, "password_again": PASSPHRASE}
    assert anonymous.post(link, form).status_code == 403
    newcomer = _client(UserFactory(), enforce_csrf_checks=True)
    assert newcomer.post(link).status_code == 403
    assert (
        Invitation.objects.get().accepted_at is None and Invitation.objects.get().revoked_at is None
    )


def test_new_person_sets_a_password_and_lands_in_the_project(project, editor):
    _, link = _invite(project, editor, email="wyn@example.org")
    client = Client()
    page = client.get(link)
    assert page.status_code == 200 and project.name in page.text and "reviewer" in page.text
    response = client.post(
        link, {"username": "wyn", "password": PASSPHRASE, "password_again": PASSPHRASE}
    )
    assert response["Location"] == reverse("annotate:project", args=[project.pk])
    wyn = get_user_model().objects.get(username="wyn")
    assert project.memberships.get(user=wyn).role == "reviewer"
    landed = client.get(response["Location"])
    assert landed.status_code == 200 and "Welcome to" in landed.text
    # The link is used up.
    used = Client().get(link)
    assert used.status_code == 410 and "already been used" in used.text


def test_signup_errors_are_shown_on_their_fields(project, editor, reviewer):
    _, link = _invite(project, editor)
    client = Client()
    taken = client.post(
        link, {"username": reviewer.username, "password": PASSPHRASE, "password_again": PASSPHRASE}
    )
    assert taken.status_code == 400 and "already exists" in taken.text
    differ = client.post(link, {"username": "xan", "password": PASSPHRASE, "password_again": "x"})
    assert differ.status_code == 400 and "The two passwords differ." in differ.text
    weak = client.post(link, {"username": "xan", "password": "12345", "password_again": "12345"})
    assert weak.status_code == 400 and "too short" in weak.text
    assert Invitation.objects.get().accepted_at is None


def test_logged_in_user_joins_with_one_click(project, editor):
    _, link = _invite(project, editor, role="viewer")
    yan = UserFactory()
    client = _client(yan)
    assert "Join as" in client.get(link).text
    response = client.post(link)
    assert response.status_code == 302
    assert project.memberships.get(user=yan).role == "viewer"
    assert client.post(link).status_code == 410


def test_existing_member_is_told_and_the_invitation_stays(project, editor, reviewer):
    _, link = _invite(project, editor, role="editor")
    page = _client(reviewer).post(link, follow=True)
    assert "already a member" in page.text
    assert project.memberships.get(user=reviewer).role == "reviewer"
    assert Invitation.objects.get().accepted_at is None


def test_expired_link_gets_a_clear_page(project, editor):
    invitation, link = _invite(project, editor)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    page = Client().get(link)
    assert page.status_code == 410
    assert "expired" in page.text and '<header class="site-header">' in page.text
    form = {"username": "zed", "password": PASSPHRASE, "password_again": PASSPHRASE}
    assert Client().post(link, form).status_code == 410
    assert not get_user_model().objects.filter(username="zed").exists()


@pytest.mark.parametrize("token", ["garbage", "abc:def", "x" * 300])
def test_unknown_link_is_404_with_a_clear_page(db, token):
    page = Client().get(reverse("annotate:invitation", args=[token]))
    assert page.status_code == 404 and "not valid" in page.text
