"""Skipping in the review queue (span_skip) and what is left of a reviewer's queue
(reviewer_queue_left): a skip is recorded, the claim is not offered to the skipper again but
stays in the pool for the others, and the count goes down as claims are judged or skipped."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotate.limits import text_limit
from annotate.models import Assignment, Skip, Span
from annotate.review import selectors, services
from tests.factories import SpanFactory

pytestmark = pytest.mark.django_db

SOURCES = [services.SourceInput(url="https://example.org/readout", stance="supports")]


def _judge(span, reviewer) -> None:
    services.verdict_submit(
        span=span, reviewer=reviewer, expected_version=0, label="True", sources=SOURCES
    )


def test_skip_is_recorded_with_its_reason(project, reviewer):
    span = SpanFactory(project=project)

    skip = services.span_skip(span=span, reviewer=reviewer, reason="  Outside my beat ")

    assert (skip.span, skip.reviewer, skip.reason) == (span, reviewer, "Outside my beat")
    assert Skip.objects.count() == 1


def test_skipping_again_replaces_the_reason(project, reviewer):
    span = SpanFactory(project=project)
    services.span_skip(span=span, reviewer=reviewer, reason="first")
    services.span_skip(span=span, reviewer=reviewer, reason="")

    assert list(Skip.objects.values_list("reason", flat=True)) == [""]


def test_skipped_claim_is_not_offered_again_to_the_skipper(project, reviewer):
    first, second = SpanFactory.create_batch(2, project=project)
    assert services.next_span_for_review(project=project, reviewer=reviewer) == first

    services.span_skip(span=first, reviewer=reviewer)

    assert services.next_span_for_review(project=project, reviewer=reviewer) == second
    services.span_skip(span=second, reviewer=reviewer)
    assert services.next_span_for_review(project=project, reviewer=reviewer) is None


def test_skipped_claim_goes_back_to_the_pool_for_the_others(project, reviewers):
    """k = 2: the skipper's slot is freed, so two others can still take the claim."""
    first, _second = SpanFactory.create_batch(2, project=project)
    assert services.next_span_for_review(project=project, reviewer=reviewers[0]) == first
    assert services.next_span_for_review(project=project, reviewer=reviewers[1]) == first
    assert not Span.objects.get(pk=first.pk).queue_open

    services.span_skip(span=first, reviewer=reviewers[0])

    assert not Assignment.objects.filter(span=first, reviewer=reviewers[0]).exists()
    assert Span.objects.get(pk=first.pk).queue_open
    assert services.next_span_for_review(project=project, reviewer=reviewers[2]) == first


def test_a_judged_claim_cannot_be_skipped(project, reviewer):
    span = SpanFactory(project=project)
    _judge(span, reviewer)

    with pytest.raises(ValidationError) as error:
        services.span_skip(span=span, reviewer=reviewer)
    assert "span" in error.value.message_dict
    assert not Skip.objects.exists()


def test_skip_reason_keeps_to_its_limit(project, reviewer):
    span = SpanFactory(project=project)
    with pytest.raises(ValidationError) as error:
        services.span_skip(
            span=span, reviewer=reviewer, reason="x" * (text_limit("skip", "reason") + 1)
        )
    assert "reason" in error.value.message_dict
    assert not Skip.objects.exists()


def test_viewers_cannot_skip(project, viewer):
    with pytest.raises(PermissionDenied):
        services.span_skip(span=SpanFactory(project=project), reviewer=viewer)


def test_queue_left_counts_down_as_claims_are_judged_and_skipped(project, reviewer):
    first, *_ = SpanFactory.create_batch(3, project=project)

    def left() -> int:
        return selectors.reviewer_queue_left(project=project, reviewer=reviewer)

    assert left() == 3
    assert services.next_span_for_review(project=project, reviewer=reviewer) == first
    assert left() == 3  # the claim in hand still counts
    _judge(first, reviewer)
    assert left() == 2
    services.span_skip(
        span=services.next_span_for_review(project=project, reviewer=reviewer), reviewer=reviewer
    )
    assert left() == 1


def test_queue_left_leaves_out_claims_full_with_others(project, reviewers):
    SpanFactory.create_batch(2, project=project)
    for other in reviewers[:2]:
        services.next_span_for_review(project=project, reviewer=other)

    assert selectors.reviewer_queue_left(project=project, reviewer=reviewers[2]) == 1
    assert selectors.reviewer_queue_left(project=project, reviewer=reviewers[0]) == 2


def test_queue_left_is_one_query(project, reviewer, django_assert_num_queries):
    SpanFactory.create_batch(3, project=project)
    with django_assert_num_queries(1):
        selectors.reviewer_queue_left(project=project, reviewer=reviewer)
