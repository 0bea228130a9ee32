"""Admin doors of claim splits, cross-project claim links and claim comments (issue 15)."""

import pytest
from django.urls import reverse

from annotate.claims import services
from annotate.claims.models import Appearance, Claim, ClaimComment, ClaimLink
from tests.annotate.claims.test_split_links_comments import appearing
from tests.factories import ArticleFactory, ClaimFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim_with_three(project, editor):
    claim = ClaimFactory(project=project, created_by=editor)
    return claim, appearing(project, claim, 3, by=editor)


def test_admin_splits_selected_appearances(admin_client, staff_user, claim_with_three):
    claim, spans = claim_with_three
    chosen = Appearance.objects.filter(span__in=spans[:2]).values_list("pk", flat=True)

    response = admin_client.post(
        reverse("admin:annotate_appearance_changelist"),
        {"action": "split_off", "_selected_action": list(chosen)},
        follow=True,
    )

    new = Claim.objects.exclude(pk=claim.pk).get()
    assert f"Split off into claim #{new.pk}." in response.text
    assert Appearance.objects.filter(claim=new).count() == 2
    assert new.history.get().history_user == staff_user


def test_admin_split_refuses_appearances_of_two_claims(admin_client, claim_with_three, project):
    _claim, spans = claim_with_three
    other = ClaimFactory(project=project)
    (stray,) = appearing(project, other, 1, by=other.created_by)
    chosen = Appearance.objects.filter(span__in=[spans[0], stray]).values_list("pk", flat=True)

    response = admin_client.post(
        reverse("admin:annotate_appearance_changelist"),
        {"action": "split_off", "_selected_action": list(chosen)},
        follow=True,
    )

    assert "Select appearances of one claim." in response.text
    assert Claim.objects.count() == 2


def test_admin_split_refuses_staff_without_the_right(client, claim_with_three):
    _claim, spans = claim_with_three
    clerk = UserFactory(is_staff=True)  # staff, no claim permission, no member
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="view_appearance"))
    client.force_login(clerk)
    chosen = Appearance.objects.filter(span=spans[0]).values_list("pk", flat=True)

    response = client.post(
        reverse("admin:annotate_appearance_changelist"),
        {"action": "split_off", "_selected_action": list(chosen)},
        follow=True,
    )

    assert "Only a project editor may split claims." in response.text
    assert Claim.objects.count() == 1


def test_admin_lists_and_deletes_claim_links_through_the_service(admin_client, staff_user, editor):
    one = ProjectFactory(editors=[editor], articles=[ArticleFactory()])
    two = ProjectFactory(editors=[editor], articles=[ArticleFactory()])
    link = services.claim_link_create(
        actor=editor, claim=ClaimFactory(project=one), other=ClaimFactory(project=two)
    )
    assert admin_client.get(reverse("admin:annotate_claimlink_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:annotate_claimlink_add")).status_code == 403

    response = admin_client.post(
        reverse("admin:annotate_claimlink_delete", args=[link.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not ClaimLink.objects.exists()
    assert ClaimLink.history.filter(history_type="-").get().history_user == staff_user


def test_admin_claim_comments_are_read_only(admin_client, project, reviewer):
    comment = services.claim_comment_add(
        actor=reviewer, claim=ClaimFactory(project=project), body="<b>Seen</b>"
    )
    page = admin_client.get(reverse("admin:annotate_claimcomment_change", args=[comment.pk]))
    assert page.status_code == 200 and "&lt;b&gt;Seen&lt;/b&gt;" in page.text
    url = reverse("admin:annotate_claimcomment_change", args=[comment.pk])
    assert admin_client.post(url, {"body": "changed"}).status_code == 403
    delete = reverse("admin:annotate_claimcomment_delete", args=[comment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ClaimComment.objects.get().body == "<b>Seen</b>"
