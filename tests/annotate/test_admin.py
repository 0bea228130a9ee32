import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate.models import Comment, Invitation, Membership, Project, Span, Verdict
from annotate.projects import services as project_services
from annotate.quality import agreement_invalidate
from annotate.review import services
from tests.factories import (
    ArticleFactory,
    JobFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contested_span():
    reviewers = UserFactory.create_batch(2)
    article = ArticleFactory(body="Officials said <b>100,000</b> troops massed. Others disagreed.")
    project = ProjectFactory(reviewers=reviewers, articles=[article])
    span = SpanFactory(project=project, article=article, text="<b>100,000</b> troops massed")
    for reviewer, label in zip(reviewers, ["True", "False"], strict=True):
        verdict = VerdictFactory(span=span, reviewer=reviewer, label=label)
        SourceFactory(verdict=verdict, url="https://example.org/evidence", title="Evidence")
    return span


@pytest.mark.parametrize(
    "model",
    [
        "project",
        "membership",
        "span",
        "verdict",
        "source",
        "comment",
        "adjudication",
        "assignment",
        "invitation",
        "skip",
    ],
)
def test_admin_changelists_open_for_staff(admin_client, contested_span, model):
    response = admin_client.get(reverse(f"admin:annotate_{model}_changelist"))
    assert response.status_code == 200


def _link(token: str) -> str:
    return f"https://desk.example/review/invitations/{token}/"


@pytest.fixture
def invitation_and_skip():
    editor, reviewer = UserFactory(), UserFactory(username="skipper")
    project = ProjectFactory(name="Desk", editors=[editor], reviewers=[reviewer])
    invitation, _ = project_services.invitation_create(
        project=project, actor=editor, role="reviewer", email="new@example.org", accept_url=_link
    )
    skip = services.span_skip(
        span=SpanFactory(project=project), reviewer=reviewer, reason="Not my beat"
    )
    return invitation, skip


def test_admin_lists_invitations_and_skips_for_staff(admin_client, invitation_and_skip):
    invitation, skip = invitation_and_skip
    page = admin_client.get(reverse("admin:annotate_invitation_changelist")).text
    assert "new@example.org" in page and "open" in page
    assert invitation.token_hash not in page
    found = admin_client.get(reverse("admin:annotate_invitation_changelist"), {"q": "new@"})
    assert "new@example.org" in found.text
    page = admin_client.get(reverse("admin:annotate_skip_changelist")).text
    assert "Not my beat" in page and "skipper" in page
    change = admin_client.get(reverse("admin:annotate_invitation_change", args=[invitation.pk]))
    assert change.status_code == 200 and invitation.token_hash not in change.text
    assert (
        admin_client.get(reverse("admin:annotate_skip_change", args=[skip.pk])).status_code == 200
    )


@pytest.mark.parametrize("model", ["invitation", "skip"])
def test_admin_invitations_and_skips_are_read_only(admin_client, invitation_and_skip, model):
    row = {"invitation": invitation_and_skip[0], "skip": invitation_and_skip[1]}[model]
    assert admin_client.get(reverse(f"admin:annotate_{model}_add")).status_code == 403
    delete = reverse(f"admin:annotate_{model}_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


def test_admin_revokes_invitations_through_the_service(admin_client, invitation_and_skip):
    invitation, _ = invitation_and_skip
    accepted, _ = project_services.invitation_create(
        project=invitation.project,
        actor=invitation.invited_by,
        role="viewer",
        accept_url=_link,
    )
    Invitation.objects.filter(pk=accepted.pk).update(
        accepted_at=accepted.created_at, accepted_by=UserFactory()
    )
    response = admin_client.post(
        reverse("admin:annotate_invitation_changelist"),
        {"action": "revoke", "_selected_action": [invitation.pk, accepted.pk]},
        follow=True,
    )
    assert "Revoked 1 invitation(s)." in response.text
    assert "already accepted" in response.text
    invitation.refresh_from_db(), accepted.refresh_from_db()
    assert invitation.revoked_at is not None and accepted.revoked_at is None
    state = admin_client.get(reverse("admin:annotate_invitation_changelist"), {"state": "revoked"})
    assert "new@example.org" in state.text


def test_admin_span_page_marks_quote_in_context_escaped(admin_client, contested_span):
    url = reverse("admin:annotate_span_change", args=[contested_span.pk])
    page = admin_client.get(url).text
    assert "<mark>&lt;b&gt;100,000&lt;/b&gt; troops massed</mark>" in page
    assert "<b>100,000</b>" not in page
    assert "https://example.org/evidence" in page  # sources shown under the span's verdicts


def test_admin_article_page_lists_its_spans(admin_client, contested_span):
    url = reverse("admin:corpus_article_change", args=[contested_span.article_id])
    assert "<mark>&lt;b&gt;100,000&lt;/b&gt; troops massed</mark>" in admin_client.get(url).text


@pytest.mark.parametrize(
    "query, shown",
    [
        ({"status": "contested"}, True),
        ({"status": "agreed"}, False),
        ({"label": "False"}, True),
        ({"label": "Pants on Fire"}, False),
    ],
)
def test_admin_span_filters(admin_client, contested_span, query, shown):
    page = admin_client.get(reverse("admin:annotate_span_changelist"), query).text
    assert ("troops massed</mark>" in page) is shown


def test_admin_span_filter_by_reviewer_and_project(admin_client, contested_span):
    other = SpanFactory()
    reviewer = contested_span.verdicts.first().reviewer
    url = reverse("admin:annotate_span_changelist")
    page = admin_client.get(url, {"verdicts__reviewer__id__exact": reviewer.pk}).text
    assert "troops massed</mark>" in page
    assert other.quote not in page
    page = admin_client.get(url, {"project__id__exact": other.project_id}).text
    assert "troops massed</mark>" not in page


@pytest.mark.parametrize("model", ["span", "verdict", "source", "membership"])
def test_admin_changelist_queries_do_not_grow(admin_client, model):
    def count_for(n: int) -> int:
        project = ProjectFactory()
        for _ in range(n):
            verdict = VerdictFactory(span__project=project, reviewer=UserFactory())
            SourceFactory(verdict=verdict)
            Membership.objects.get_or_create(
                project=project, user=verdict.reviewer, defaults={"role": "reviewer"}
            )
        with CaptureQueriesContext(connection) as captured:
            assert (
                admin_client.get(reverse(f"admin:annotate_{model}_changelist")).status_code == 200
            )
        return len(captured)

    few = count_for(3)
    assert count_for(27) == few


def test_admin_membership_delete_of_last_editor_is_refused(admin_client, staff_user):
    editor = UserFactory()
    project = ProjectFactory(editors=[editor])
    membership = Membership.objects.get(project=project, user=editor)
    url = reverse("admin:annotate_membership_delete", args=[membership.pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert "at least one editor" in response.text
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_membership_role_change_goes_through_the_service(admin_client):
    editor, reviewer = UserFactory(), UserFactory()
    project = ProjectFactory(editors=[editor], reviewers=[reviewer])
    membership = Membership.objects.get(project=project, user=reviewer)
    url = reverse("admin:annotate_membership_change", args=[membership.pk])
    admin_client.post(url, {"project": project.pk, "user": reviewer.pk, "role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    assert membership.history.first().role == "viewer"


@pytest.mark.parametrize("model", ["span", "invitation", "skip"])
def test_admin_refuses_non_staff(client, user, invitation_and_skip, model):
    client.force_login(user)
    response = client.get(reverse(f"admin:annotate_{model}_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_span_history_shows_the_actor(admin_client, contested_span):
    reviewer = contested_span.verdicts.first().reviewer
    services.span_create(
        project=contested_span.project,
        article=contested_span.article,
        actor=reviewer,
        quote="Others disagreed.",
    )
    span = contested_span.project.spans.get(quote="Others disagreed.")
    page = admin_client.get(reverse("admin:annotate_span_history", args=[span.pk])).text
    assert reviewer.username in page


# --- writes go through the services ---------------------------------------------------------------


# The span form's read-only inlines still want their management forms.
_SPAN_INLINES = {
    f"{prefix}-{field}": "0"
    for prefix in ("verdicts", "comments")
    for field in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def test_admin_span_delete_goes_through_the_service(
    admin_client, staff_user, contested_span, django_capture_on_commit_callbacks
):
    url = reverse("admin:annotate_span_delete", args=[contested_span.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Span.objects.filter(pk=contested_span.pk).exists()
    assert not Verdict.objects.filter(span_id=contested_span.pk).exists()
    deleted = Span.history.filter(id=contested_span.pk, history_type="-").get()
    assert deleted.history_user == staff_user
    # span_delete's effect: the project's agreement figures are recomputed
    assert any(getattr(c, "func", None) is agreement_invalidate for c in callbacks)


def test_admin_bulk_span_delete_goes_through_the_service(admin_client, staff_user):
    project = ProjectFactory()
    spans = SpanFactory.create_batch(2, project=project)
    response = admin_client.post(
        reverse("admin:annotate_span_changelist"),
        {"action": "delete_selected", "_selected_action": [s.pk for s in spans], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Span.objects.exists()
    assert {r.history_user for r in Span.history.filter(history_type="-")} == {staff_user}


def test_admin_span_change_writes_claimant_and_note_through_span_update(
    admin_client, staff_user, contested_span
):
    url = reverse("admin:annotate_span_change", args=[contested_span.pk])
    response = admin_client.post(
        url, {"claimant": "  The ministry ", "note": "Check the date.", **_SPAN_INLINES}
    )
    assert response.status_code == 302
    contested_span.refresh_from_db()
    assert (contested_span.claimant, contested_span.note) == ("The ministry", "Check the date.")
    assert contested_span.history.first().history_user == staff_user


def test_admin_span_history_revert_keeps_the_passage(admin_client, contested_span):
    old = contested_span.history.first()
    Span.objects.filter(pk=contested_span.pk).update(start=0, end=9, quote="Officials")
    url = reverse("admin:annotate_span_simple_history", args=[contested_span.pk, old.history_id])
    response = admin_client.post(url, {"claimant": "Reverted", "note": "", **_SPAN_INLINES})
    assert response.status_code == 302
    contested_span.refresh_from_db()
    assert (contested_span.quote, contested_span.claimant) == ("Officials", "Reverted")


@pytest.mark.parametrize("model", ["verdict", "source"])
def test_admin_cannot_change_or_delete_verdicts_and_sources(admin_client, contested_span, model):
    verdict = contested_span.verdicts.first()
    row = verdict if model == "verdict" else verdict.sources.get()
    change = reverse(f"admin:annotate_{model}_change", args=[row.pk])
    assert admin_client.get(change).status_code == 200  # view only
    admin_client.post(change, {"label": "True", "rationale": "edited", "url": "https://x.org"})
    delete = reverse(f"admin:annotate_{model}_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert type(row).history.filter(id=row.pk).count() == 1  # nothing written


def test_admin_comment_is_read_only_and_deleted_through_the_service(admin_client, contested_span):
    author = contested_span.verdicts.first().reviewer
    comment = services.comment_post(span=contested_span, author=author, body="Which report?")
    change = reverse("admin:annotate_comment_change", args=[comment.pk])
    admin_client.post(change, {"body": "Rewritten by staff"})
    comment.refresh_from_db()
    assert comment.body == "Which report?"
    delete = reverse("admin:annotate_comment_delete", args=[comment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Comment.objects.exists()


def test_admin_project_create_and_delete_go_through_the_services(admin_client, staff_user):
    response = admin_client.post(
        reverse("admin:annotate_project_add"),
        {
            "name": "Desk",
            "slug": "desk",
            "description": "",
            "scale_preset": "",
            "scale": '[{"label": "True"}, {"label": "False"}]',
            "reviews_per_claim": "2",
            "fever_mapping": "{}",
            "match_suggest_threshold": "0.5",
            "match_autolink_threshold": "0.85",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(slug="desk")
    assert Membership.objects.get(project=project).user == staff_user
    SpanFactory(project=project)
    url = reverse("admin:annotate_project_delete", args=[project.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Project.objects.exists() and not Span.objects.exists()


def test_admin_bulk_membership_delete_keeps_the_last_editor(admin_client):
    editor, reviewer = UserFactory(), UserFactory()
    project = ProjectFactory(editors=[editor], reviewers=[reviewer])
    response = admin_client.post(
        reverse("admin:annotate_membership_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(project.memberships.values_list("pk", flat=True)),
            "post": "yes",
        },
        follow=True,
    )
    assert "at least one editor" in response.text
    assert list(project.memberships.values_list("user", flat=True)) == [editor.pk]


def test_staff_without_the_admin_permission_cannot_delete_through_the_services():
    staff = UserFactory(is_staff=True)
    span = SpanFactory()
    with pytest.raises(PermissionDenied):
        services.span_delete(span=span, actor=staff)
    with pytest.raises(PermissionDenied):
        services.span_update(span=span, actor=staff, claimant="x", note="")
    assert Span.objects.filter(pk=span.pk, claimant="").exists()


def test_admin_lists_jobs_read_only_with_filters(admin_client, project, reviewer):
    job = JobFactory(project=project, created_by=reviewer, error="<b>boom</b>")
    changelist = reverse("admin:annotate_job_changelist")

    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"status__exact": "queued"}).status_code == 200
    assert admin_client.get(changelist, {"kind": "test-countdown"}).status_code == 200
    page = admin_client.get(reverse("admin:annotate_job_change", args=[job.pk]))
    assert page.status_code == 200 and "&lt;b&gt;boom&lt;/b&gt;" in page.text
    assert admin_client.get(reverse("admin:annotate_job_add")).status_code == 403
    assert admin_client.post(reverse("admin:annotate_job_delete", args=[job.pk])).status_code == 403


# --- claims across articles ---------------------------------------------------------------------


@pytest.fixture
def linked_claim(contested_span):
    from annotate.claims import services as claim_services

    editor = UserFactory()
    Membership.objects.create(project=contested_span.project, user=editor, role="editor")
    claim = claim_services.claim_create(actor=editor, span=contested_span)
    other = SpanFactory(
        project=contested_span.project, article=contested_span.article, text="Others"
    )
    claim_services.appearance_link(actor=editor, span=other, claim=claim)  # a confirmed decision
    return claim


@pytest.mark.parametrize("model", ["claim", "appearance", "matchdecision"])
def test_admin_claim_changelists_open_for_staff(admin_client, linked_claim, model):
    assert admin_client.get(reverse(f"admin:annotate_{model}_changelist")).status_code == 200


def test_admin_claim_change_goes_through_claim_update(admin_client, linked_claim, staff_user):
    # staff_user is no member of the project: the admin's change permission is their right
    url = reverse("admin:annotate_claim_change", args=[linked_claim.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "troops massed" in page.text
    response = admin_client.post(
        url,
        {
            "text": "Troops massed.",
            "claimant": "Officials",
            "language": "en",
            "appearances-TOTAL_FORMS": "1",
            "appearances-INITIAL_FORMS": "1",
            "appearances-MIN_NUM_FORMS": "0",
            "appearances-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content
    linked_claim.refresh_from_db()
    assert (linked_claim.text, linked_claim.claimant) == ("Troops massed.", "Officials")
    assert linked_claim.history.first().history_user == staff_user


def test_admin_claim_delete_goes_through_the_service(admin_client, linked_claim, staff_user):
    from annotate.claims.models import Claim

    url = reverse("admin:annotate_claim_delete", args=[linked_claim.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Claim.objects.exists()
    assert Claim.history.filter(history_type="-").get().history_user == staff_user


@pytest.mark.parametrize("model", ["appearance", "matchdecision"])
def test_admin_appearances_and_decisions_are_read_only(admin_client, linked_claim, model):
    from annotate.claims.models import Appearance, MatchDecision

    row = (Appearance if model == "appearance" else MatchDecision).objects.first()
    url = reverse(f"admin:annotate_{model}_change", args=[row.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {}).status_code == 403
    assert (
        admin_client.post(
            reverse(f"admin:annotate_{model}_delete", args=[row.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
