"""Claims across articles, through their services: founding, linking, answering suggestions,
editing, settling and merging, and who may do each."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.claims import services
from annotate.claims.models import Appearance, Claim, MatchDecision
from annotate.limits import text_limit
from annotate.models import Adjudication
from tests.factories import (
    AppearanceFactory,
    ArticleFactory,
    ClaimFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TROOPS = "Moscow has amassed roughly 100,000 troops at the border over the past two months."


@pytest.fixture
def other_span(project, editor):
    article = ArticleFactory(body=f"Officials said so. {TROOPS} Nothing else.", language="en")
    project.articles.add(article)
    return SpanFactory(project=project, article=article, created_by=editor, text=TROOPS)


def test_claim_create_defaults_to_the_span(span, reviewer):
    span.claimant = "A spokesman"
    span.save()
    claim = services.claim_create(actor=reviewer, span=span)
    assert claim.text == span.quote
    assert claim.claimant == "A spokesman"
    assert claim.language == span.article.language
    assert claim.search_config == "english"
    appearance = span.appearance
    assert appearance.claim == claim
    assert appearance.link_method == Appearance.LinkMethod.CREATED
    assert appearance.linked_by == reviewer
    assert claim.history.get().history_user == reviewer


def test_claim_create_takes_text_and_language(span, editor):
    claim = services.claim_create(
        actor=editor, span=span, text="  Leaders met.  ", claimant="X", language="pt-BR"
    )
    assert (claim.text, claim.claimant, claim.language) == ("Leaders met.", "X", "pt-BR")
    assert claim.search_config == "portuguese"


def test_claim_create_refuses_a_long_text(span, editor):
    with pytest.raises(ValidationError) as refused:
        services.claim_create(actor=editor, span=span, text="x" * (text_limit("claim", "text") + 1))
    assert "text" in refused.value.message_dict
    assert not Claim.objects.exists()


def test_claim_create_refuses_a_linked_span(span, editor):
    services.claim_create(actor=editor, span=span)
    with pytest.raises(ValidationError) as refused:
        services.claim_create(actor=editor, span=span)
    assert "span" in refused.value.message_dict
    assert Claim.objects.count() == 1


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_claim_create_refuses_non_writers(span, request, who):
    with pytest.raises(PermissionDenied):
        services.claim_create(actor=request.getfixturevalue(who), span=span)


def test_appearance_link_records_a_confirmed_decision(span, other_span, editor, reviewer):
    claim = services.claim_create(actor=editor, span=other_span)
    other = services.claim_create(actor=editor, span=span)
    services.appearance_unlink(actor=editor, span=span, claim=other)
    appearance = services.appearance_link(actor=reviewer, span=span, claim=claim)
    assert appearance.link_method == Appearance.LinkMethod.CONFIRMED
    assert appearance.linked_by == reviewer
    assert 0 <= appearance.score <= 1
    decision = MatchDecision.objects.get(span=span, claim=claim)
    assert decision.decision == MatchDecision.Decision.CONFIRMED
    assert decision.decided_by == reviewer
    assert decision.span_text == span.quote and decision.claim_text == claim.text
    assert set(decision.scores) >= {"score", "words", "trigrams", "numbers"}


def test_appearance_link_refuses_a_linked_span_until_unlinked(span, other_span, editor):
    first = services.claim_create(actor=editor, span=span)
    second = services.claim_create(actor=editor, span=other_span)
    with pytest.raises(ValidationError) as refused:
        services.appearance_link(actor=editor, span=span, claim=second)
    assert f"#{first.pk}" in refused.value.message_dict["span"][0]
    services.appearance_unlink(actor=editor, span=span, claim=first)
    services.appearance_link(actor=editor, span=span, claim=second)
    assert Appearance.objects.get(span=span).claim == second
    # The unlinking is on record: the appearance's history has its deletion.
    kinds = [h.history_type for h in Appearance.history.filter(span_id=span.pk)]
    assert sorted(kinds) == ["+", "+", "-"]


def test_appearance_link_refuses_a_span_of_another_project(span, editor):
    foreign = SpanFactory(project=ProjectFactory(editors=[editor]))
    claim = services.claim_create(actor=editor, span=foreign)
    with pytest.raises(ValidationError) as refused:
        services.appearance_link(actor=editor, span=span, claim=claim)
    assert "span" in refused.value.message_dict


def test_appearance_link_imported_is_for_editors(span, other_span, editor, reviewer):
    claim = services.claim_create(actor=editor, span=other_span)
    with pytest.raises(PermissionDenied):
        services.appearance_link(actor=reviewer, span=span, claim=claim, method="imported")
    services.appearance_link(actor=editor, span=span, claim=claim, method="imported", score=0.7)
    assert span.appearance.score == 0.7
    assert not MatchDecision.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_appearance_link_refuses_non_writers(span, other_span, editor, request, who):
    claim = services.claim_create(actor=editor, span=other_span)
    with pytest.raises(PermissionDenied):
        services.appearance_link(actor=request.getfixturevalue(who), span=span, claim=claim)


def test_appearance_unlink_reviewer_only_own_links(span, other_span, editor, reviewer):
    claim = services.claim_create(actor=editor, span=other_span)
    services.appearance_link(actor=editor, span=span, claim=claim)
    with pytest.raises(PermissionDenied):
        services.appearance_unlink(actor=reviewer, span=span, claim=claim)
    services.appearance_unlink(actor=editor, span=span, claim=claim)
    services.appearance_link(actor=reviewer, span=span, claim=claim)
    services.appearance_unlink(actor=reviewer, span=span, claim=claim)
    assert not Appearance.objects.filter(span=span).exists()
    assert Appearance.history.filter(span_id=span.pk, history_type="-").count() == 2


def test_suggestion_reject_records_a_rejected_decision(span, other_span, editor, reviewer):
    claim = services.claim_create(actor=editor, span=other_span)
    decision = services.suggestion_reject(
        actor=reviewer, span=span, claim=claim, scores={"score": 0.6}
    )
    assert decision.decision == MatchDecision.Decision.REJECTED
    assert decision.scores == {"score": 0.6}
    assert decision.decided_by == reviewer
    with pytest.raises(PermissionDenied):
        services.suggestion_reject(actor=UserFactory(), span=span, claim=claim)


def test_suggestion_reject_refuses_a_linked_pair(span, editor):
    claim = services.claim_create(actor=editor, span=span)
    with pytest.raises(ValidationError):
        services.suggestion_reject(actor=editor, span=span, claim=claim)


def test_claim_update_is_for_editors(span, editor, reviewer, viewer):
    claim = services.claim_create(actor=reviewer, span=span)
    for refused in (reviewer, viewer, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.claim_update(actor=refused, claim=claim, text="Changed.")
    services.claim_update(actor=editor, claim=claim, text="Changed.", language="fr")
    claim.refresh_from_db()
    assert (claim.text, claim.language, claim.search_config) == ("Changed.", "fr", "french")
    assert claim.history.first().history_user == editor
    with pytest.raises(ValidationError):
        services.claim_update(actor=editor, claim=claim, text="   ")


def test_claim_delete_keeps_the_spans_and_history(span, editor, reviewer):
    claim = services.claim_create(actor=reviewer, span=span)
    with pytest.raises(PermissionDenied):
        services.claim_delete(actor=reviewer, claim=claim)
    pk = claim.pk
    services.claim_delete(actor=editor, claim=claim)
    assert not Claim.objects.exists()
    span.refresh_from_db()
    assert Claim.history.filter(id=pk, history_type="-").get().history_user == editor
    assert Appearance.history.filter(span_id=span.pk, history_type="-").exists()


def test_claim_verdict_set_takes_a_label_of_the_scale(span, editor, reviewer):
    claim = services.claim_create(actor=reviewer, span=span)
    with pytest.raises(PermissionDenied):
        services.claim_verdict_set(actor=reviewer, claim=claim, label="True")
    with pytest.raises(ValidationError) as refused:
        services.claim_verdict_set(actor=editor, claim=claim, label="Mostly nonsense")
    assert "label" in refused.value.message_dict
    label = span.project.labels[-1]
    services.claim_verdict_set(actor=editor, claim=claim, label=label, rationale=" Because. ")
    claim.refresh_from_db()
    assert (claim.verdict_label, claim.verdict_rationale) == (label, "Because.")
    assert claim.verdict_origin == Claim.VerdictOrigin.EDITOR
    assert claim.verdict_set_by == editor and claim.verdict_set_at is not None


def test_claim_verdict_set_from_an_adjudication_of_an_appearance(span, other_span, editor):
    claim = services.claim_create(actor=editor, span=span)
    label = span.project.labels[1]
    adjudication = Adjudication.objects.create(span=span, editor=editor, label=label)
    elsewhere = Adjudication.objects.create(span=other_span, editor=editor, label=label)
    with pytest.raises(ValidationError):
        services.claim_verdict_set(actor=editor, claim=claim, label=label, adjudication=elsewhere)
    with pytest.raises(ValidationError):
        services.claim_verdict_set(
            actor=editor, claim=claim, label=span.project.labels[0], adjudication=adjudication
        )
    services.claim_verdict_set(actor=editor, claim=claim, label=label, adjudication=adjudication)
    claim.refresh_from_db()
    assert claim.verdict_origin == Claim.VerdictOrigin.ADJUDICATION
    assert claim.verdict_adjudication == adjudication


def test_claims_merge_moves_appearances_decisions_and_verdict(span, other_span, editor, reviewer):
    keep = services.claim_create(actor=editor, span=span)
    merge = services.claim_create(actor=editor, span=other_span)
    third = SpanFactory(project=span.project, article=span.article, text="They agreed")
    services.suggestion_reject(actor=reviewer, span=third, claim=merge)
    services.claim_verdict_set(actor=editor, claim=merge, label=span.project.labels[0])
    with pytest.raises(PermissionDenied):
        services.claims_merge(actor=reviewer, keep=keep, merge=merge)
    with pytest.raises(ValidationError):
        services.claims_merge(actor=editor, keep=keep, merge=keep)
    services.claims_merge(actor=editor, keep=keep, merge=merge)
    assert not Claim.objects.filter(pk=merge.pk).exists()
    assert set(keep.appearances.values_list("span_id", flat=True)) == {span.pk, other_span.pk}
    assert MatchDecision.objects.get(span=third).claim == keep
    keep.refresh_from_db()
    assert keep.verdict_label == span.project.labels[0]
    moved = Appearance.history.filter(span_id=other_span.pk).first()
    assert moved.history_change_reason == f"claim #{merge.pk} merged into #{keep.pk}"
    assert Claim.history.filter(id=merge.pk, history_type="-").exists()


def test_claims_merge_refuses_claims_of_two_projects(editor):
    keep = ClaimFactory(project=ProjectFactory(editors=[editor]))
    merge = ClaimFactory(project=ProjectFactory(editors=[editor]))
    with pytest.raises(ValidationError):
        services.claims_merge(actor=editor, keep=keep, merge=merge)


def test_appearance_factory_links_within_the_project():
    appearance = AppearanceFactory()
    assert appearance.claim.project == appearance.span.project
