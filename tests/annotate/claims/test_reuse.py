"""Closing an appearance with its claim's final verdict (appearance_verdict_reuse), and the
review queue passing over appearances of settled claims unless fresh reviews are asked for."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.claims import services
from annotate.models import Adjudication, Span
from annotate.review import selectors as review_selectors
from annotate.review import services as review_services
from annotate.review.status import SpanStatus
from tests.factories import AppearanceFactory, ArticleFactory, SpanFactory, VerdictFactory

pytestmark = pytest.mark.django_db

TROOPS = "Moscow has amassed roughly 100,000 troops at the border over the past two months."


@pytest.fixture
def settled(span, editor):
    """`span` founded a claim that an editor settled as false."""
    claim = services.claim_create(actor=editor, span=span)
    return services.claim_verdict_set(actor=editor, claim=claim, label="False", rationale="No.")


@pytest.fixture
def repeat(project, editor, settled):
    """A new span in another article, linked to the settled claim, not reviewed yet."""
    article = ArticleFactory(body=f"Officials said so. {TROOPS} Nothing else.", language="en")
    project.articles.add(article)
    span = SpanFactory(project=project, article=article, created_by=editor, text=TROOPS)
    services.appearance_link(actor=editor, span=span, claim=settled)
    return span


def test_reuse_adjudicates_the_span_with_who_and_when(repeat, settled, editor):
    appearance = services.appearance_verdict_reuse(actor=editor, span=repeat)
    assert appearance.verdict_reused_by == editor
    assert appearance.verdict_reused_at is not None
    adjudication = Adjudication.objects.get(span=repeat)
    assert (adjudication.label, adjudication.editor) == ("False", editor)
    assert adjudication.rationale.startswith(f"Reused from claim #{settled.pk}")
    stored = Span.objects.get(pk=repeat.pk)
    assert stored.review_status == SpanStatus.ADJUDICATED
    assert stored.queue_open is False
    latest = appearance.history.first()
    assert latest.history_user == editor
    assert latest.history_change_reason == f"closed with claim #{settled.pk}'s verdict"
    assert latest.verdict_reused_by_id == editor.pk


def test_reuse_is_for_editors(repeat, reviewer, viewer):
    for who in (reviewer, viewer):
        with pytest.raises(PermissionDenied):
            services.appearance_verdict_reuse(actor=who, span=repeat)
    assert not Adjudication.objects.filter(span=repeat).exists()


def test_reuse_refuses_an_unsettled_claim_an_unlinked_or_reviewed_span(
    project, span, editor, reviewer, repeat
):
    unlinked = SpanFactory(project=project, article=repeat.article, created_by=editor)
    with pytest.raises(ValidationError) as refused:
        services.appearance_verdict_reuse(actor=editor, span=unlinked)
    assert "span" in refused.value.message_dict

    VerdictFactory(span=repeat, reviewer=reviewer, label="True", status="submitted")
    with pytest.raises(ValidationError) as refused:
        services.appearance_verdict_reuse(actor=editor, span=repeat)
    assert "adjudicate it instead" in str(refused.value)

    fresh = SpanFactory(project=project, article=repeat.article, created_by=editor, text="Nothing")
    services.claim_create(actor=editor, span=fresh)
    with pytest.raises(ValidationError) as refused:
        services.appearance_verdict_reuse(actor=editor, span=fresh)
    assert "claim" in refused.value.message_dict


def test_reuse_twice_is_refused(repeat, editor):
    services.appearance_verdict_reuse(actor=editor, span=repeat)
    with pytest.raises(ValidationError):
        services.appearance_verdict_reuse(actor=editor, span=repeat)


def test_queue_skips_appearances_of_a_settled_claim(project, repeat, settled, reviewer):
    assert review_services.next_span_for_review(project=project, reviewer=reviewer) is None
    assert review_selectors.reviewer_queue_left(project=project, reviewer=reviewer) == 0


def test_queue_offers_them_again_when_fresh_reviews_are_asked(
    project, repeat, settled, editor, reviewer
):
    services.claim_update(actor=editor, claim=settled, fresh_reviews=True)
    assert review_selectors.reviewer_queue_left(project=project, reviewer=reviewer) == 2
    assert review_services.next_span_for_review(project=project, reviewer=reviewer) is not None


def test_queue_skips_an_assigned_span_once_its_claim_is_settled(project, span, editor, reviewer):
    assert review_services.next_span_for_review(project=project, reviewer=reviewer) == span
    claim = services.claim_create(actor=editor, span=span)
    services.claim_verdict_set(actor=editor, claim=claim, label="False")
    assert review_services.next_span_for_review(project=project, reviewer=reviewer) is None
    assert list(review_selectors.reviewer_queue(project=project, reviewer=reviewer)) == []


def test_queue_skips_a_closed_appearance_even_with_fresh_reviews(
    project, repeat, settled, editor, reviewer
):
    services.appearance_verdict_reuse(actor=editor, span=repeat)
    services.claim_update(actor=editor, claim=settled, fresh_reviews=True)
    offered = review_services.next_span_for_review(project=project, reviewer=reviewer)
    assert offered is not None and offered.pk != repeat.pk


def test_claim_update_fresh_reviews_is_for_editors(settled, reviewer):
    with pytest.raises(PermissionDenied):
        services.claim_update(actor=reviewer, claim=settled, fresh_reviews=True)


def test_appearance_factory_still_links(project):
    assert AppearanceFactory().span.appearance is not None
