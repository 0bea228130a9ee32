"""Splitting a claim, linking claims of different projects, commenting on claims: through the
services, with who may do each."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.claims import selectors, services
from annotate.claims.models import Appearance, Claim, ClaimComment, ClaimLink, MatchDecision
from annotate.limits import text_limit
from tests.factories import (
    AppearanceFactory,
    ArticleFactory,
    ClaimFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def appearing(project, claim, n: int, *, by) -> list:
    """n spans of new articles of the project, confirmed as appearances of the claim."""
    spans = []
    for i in range(n):
        article = ArticleFactory(body=f"Article {i} of {claim.pk}. Leaders met on day {i}.")
        project.articles.add(article)
        span = SpanFactory(project=project, article=article, created_by=by)
        AppearanceFactory(span=span, claim=claim, linked_by=by)
        spans.append(span)
    return spans


@pytest.fixture
def three(project, editor):
    """A claim of `project` with three appearances, a final verdict and a decision per span."""
    claim = ClaimFactory(project=project, created_by=editor, claimant="A minister")
    spans = appearing(project, claim, 3, by=editor)
    for span in spans:
        MatchDecision.objects.create(
            span=span, claim=claim, span_text=span.quote, claim_text=claim.text,
            decision="confirmed", decided_by=editor,
        )  # fmt: skip
    claim = services.claim_verdict_set(actor=editor, claim=claim, label=project.labels[0])
    return claim, spans


def test_split_moves_the_chosen_appearances_and_their_decisions(three, editor):
    claim, spans = three

    new = services.claim_split(actor=editor, claim=claim, span_ids=[spans[1].pk, spans[2].pk])

    assert set(Appearance.objects.filter(claim=new).values_list("span_id", flat=True)) == {
        spans[1].pk,
        spans[2].pk,
    }
    assert list(Appearance.objects.filter(claim=claim).values_list("span_id", flat=True)) == [
        spans[0].pk
    ]
    assert (new.text, new.claimant, new.language, new.project_id) == (
        claim.text, "A minister", claim.language, claim.project_id,
    )  # fmt: skip
    assert MatchDecision.objects.filter(claim=new).count() == 2
    assert MatchDecision.objects.filter(claim=claim).count() == 1
    claim.refresh_from_db()
    assert claim.has_verdict and not new.has_verdict  # the verdict stays by default
    # History: both claims and the moved appearances say so; the timeline shows it.
    assert new.history.first().history_change_reason == f"split from claim #{claim.pk}"
    whats = [event.what for event in selectors.claim_timeline(claim=claim, verdict_visible=True)]
    assert f"2 appearance(s) split off into claim #{new.pk}" in whats
    moved = Appearance.history.filter(span_id=spans[1].pk).order_by("history_date").last()
    assert moved.history_change_reason == f"moved from claim #{claim.pk} to #{new.pk} (split)"


def test_split_can_take_the_verdict_and_a_new_text(three, editor):
    claim, spans = three
    label = claim.verdict_label
    assert label

    new = services.claim_split(
        actor=editor, claim=claim, span_ids=[spans[0].pk], text=" Other words ", move_verdict=True
    )

    claim.refresh_from_db()
    assert (new.text, new.verdict_label, new.verdict_set_by) == ("Other words", label, editor)
    assert not claim.has_verdict and claim.verdict_set_at is None


def test_split_refuses_bad_choices_by_field(three, editor, span):
    claim, spans = three
    for chosen in ([], [span.pk], [s.pk for s in spans]):
        with pytest.raises(ValidationError) as refused:
            services.claim_split(actor=editor, claim=claim, span_ids=chosen)
        assert "spans" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.claim_split(actor=editor, claim=claim, span_ids=[spans[0].pk], text="  ")
    assert "text" in refused.value.message_dict
    assert Claim.objects.count() == 1


def test_split_is_for_editors(three, reviewer, viewer, outsider):
    claim, spans = three
    for user in (reviewer, viewer, outsider):
        with pytest.raises(PermissionDenied):
            services.claim_split(actor=user, claim=claim, span_ids=[spans[0].pk])
    assert Claim.objects.count() == 1


@pytest.fixture
def twin(editor):
    """A claim of another project the editor edits too."""
    other = ProjectFactory(editors=[editor], articles=[ArticleFactory()])
    return ClaimFactory(project=other, created_by=editor)


def test_link_needs_an_editor_of_both_projects(project, editor, reviewer, twin):
    claim = ClaimFactory(project=project, created_by=editor)
    lone_editor = UserFactory()
    project.memberships.create(user=lone_editor, role="editor")
    twin.project.memberships.create(user=reviewer, role="reviewer")
    for user in (lone_editor, reviewer):
        with pytest.raises(PermissionDenied):
            services.claim_link_create(actor=user, claim=claim, other=twin)
    assert not ClaimLink.objects.exists()

    link = services.claim_link_create(actor=editor, claim=twin, other=claim)

    # Stored once, the smaller pk first, whichever way it was asked.
    assert (link.claim_low_id, link.claim_high_id) == tuple(sorted((claim.pk, twin.pk)))
    with pytest.raises(ValidationError) as refused:
        services.claim_link_create(actor=editor, claim=claim, other=twin)
    assert "other" in refused.value.message_dict


def test_link_refuses_claims_of_one_project(project, editor):
    claim, same = ClaimFactory.create_batch(2, project=project, created_by=editor)
    with pytest.raises(ValidationError) as refused:
        services.claim_link_create(actor=editor, claim=claim, other=same)
    assert "merge" in refused.value.messages[0]


def test_linked_claims_show_only_the_viewers_projects(project, editor, reviewer, twin):
    claim = ClaimFactory(project=project, created_by=editor)
    services.claim_link_create(actor=editor, claim=claim, other=twin)

    assert [entry.claim.pk for entry in selectors.linked_claims(claim=claim, user=editor)] == [
        twin.pk
    ]
    # The reviewer is not a member of the twin's project: the link is left out.
    assert selectors.linked_claims(claim=claim, user=reviewer) == []
    assert [entry.claim.pk for entry in selectors.linked_claims(claim=twin, user=editor)] == [
        claim.pk
    ]


def test_link_delete_by_an_editor_of_either_project(project, editor, twin):
    claim = ClaimFactory(project=project, created_by=editor)
    link = services.claim_link_create(actor=editor, claim=claim, other=twin)
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        services.claim_link_delete(actor=stranger, link=link)
    project.memberships.create(user=stranger, role="editor")

    services.claim_link_delete(actor=stranger, link=link)

    assert not ClaimLink.objects.exists()
    assert ClaimLink.history.filter(history_type="-").get().history_user == stranger


def test_comment_by_reviewers_and_editors_only(project, reviewer, viewer, outsider, editor):
    claim = ClaimFactory(project=project, created_by=editor)
    comment = services.claim_comment_add(actor=reviewer, claim=claim, body="  Seen it before.  ")
    assert (comment.author, comment.body) == (reviewer, "Seen it before.")
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            services.claim_comment_add(actor=user, claim=claim, body="x")
    for body in ("   ", "x" * (text_limit("claimcomment", "body") + 1)):
        with pytest.raises(ValidationError) as refused:
            services.claim_comment_add(actor=editor, claim=claim, body=body)
        assert "body" in refused.value.message_dict
    assert ClaimComment.objects.count() == 1
