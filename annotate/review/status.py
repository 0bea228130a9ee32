"""A span's review status: one choice type and one rule, read in SQL and in Python.

The rule is the table `RULE` below: the first fact that holds gives the status, else "open".
Each fact is written twice, side by side in `_FACTS`: as a condition on the counts that
`span_status_annotations()` adds to a span queryset (for lists, filters and dashboards), and
as a predicate over `SpanFacts`, plain values any caller can gather (exports read verdicts
already loaded). tests/annotate/review/test_status.py checks with hypothesis that both give the same
status for random spans in the database.

The status without blind review is also stored, as `Span.review_status`, so that the claims table
filters and sorts by it off an index: the review services refresh it with
`span_status_computed()` (this SQL form) in the transaction of every write that can change it,
and a blind viewer's status is `span_status_seen_expression()` over it (`HIDDEN_FROM_BLIND`,
derived from `RULE`). tests/annotate/review/test_status.py checks with hypothesis that random
sequences of service calls leave the stored status equal to the pure rule, and that hiding the
stored status gives what the rule gives a blind viewer.

Orphaning does not change the status: an orphaned span keeps the status its verdicts give it
(the `orphaned` flag is shown beside it), and both forms ignore it alike.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When

from annotate.models import Adjudication, Verdict
from annotate.review.models import SpanStatus

__all__ = ["SpanStatus"]  # defined beside Span, which stores it; imported from here


@dataclass(frozen=True, slots=True)
class SpanFacts:
    """What the status depends on, as plain values."""

    submitted_labels: Sequence[str]  # one per submitted verdict
    verdict_count: int  # drafts and submitted
    reviews_per_claim: int  # the project's k
    adjudicated: bool
    # Blind review: the viewer is a reviewer of a blind project who has not submitted here yet.
    blind_for_viewer: bool = False


@dataclass(frozen=True, slots=True)
class _Fact:
    sql: Callable[[Q], Q]  # over span_status_annotations(); given the blind-for-viewer Q
    python: Callable[[SpanFacts], bool]


# One fact per line, in both forms. The SQL names are the annotations made below.
_FACTS = {
    "adjudicated": _Fact(lambda _: Q(is_adjudicated=True), lambda s: s.adjudicated),
    "outcome_hidden": _Fact(
        lambda blind: blind & Q(all_verdict_count__gt=0),
        lambda s: s.blind_for_viewer and s.verdict_count > 0,
    ),
    "labels_differ": _Fact(
        lambda _: Q(submitted_label_count__gt=1), lambda s: len(set(s.submitted_labels)) > 1
    ),
    "enough_submitted": _Fact(
        lambda _: Q(all_submitted_count__gte=F("project__reviews_per_claim")),
        lambda s: len(s.submitted_labels) >= s.reviews_per_claim,
    ),
    "any_verdict": _Fact(lambda _: Q(all_verdict_count__gt=0), lambda s: s.verdict_count > 0),
}

# The rule: the first fact that holds decides; none holds: OPEN.
RULE: tuple[tuple[str, SpanStatus], ...] = (
    ("adjudicated", SpanStatus.ADJUDICATED),
    # Until a blind reviewer has submitted, an outcome (contested, agreed) would reveal others'
    # verdicts: it reads as in review.
    ("outcome_hidden", SpanStatus.IN_REVIEW),
    ("labels_differ", SpanStatus.CONTESTED),
    ("enough_submitted", SpanStatus.AGREED),
    ("any_verdict", SpanStatus.IN_REVIEW),
)
DEFAULT = SpanStatus.OPEN


def span_status_of(facts: SpanFacts) -> SpanStatus:
    """The status the rule gives these facts (the pure form of span_status_expression)."""
    for fact, status in RULE:
        if _FACTS[fact].python(facts):
            return status
    return DEFAULT


def span_status_annotations() -> dict:
    """The per-span counts the SQL form of the rule reads, for `QuerySet.annotate()` on spans.

    They count every reviewer's verdicts: what a viewer is shown of them is
    `annotate.review.selectors.with_status`'s `verdict_count` and `submitted_count`.
    """
    submitted = Q(verdicts__status=Verdict.Status.SUBMITTED)
    return {
        "all_verdict_count": Count("verdicts", distinct=True),
        "all_submitted_count": Count("verdicts", filter=submitted, distinct=True),
        "submitted_label_count": Count("verdicts__label", filter=submitted, distinct=True),
        "is_adjudicated": Exists(Adjudication.objects.filter(span=OuterRef("pk"))),
    }


def span_status_expression(*, blind_for_viewer: Q | None = None) -> Case:
    """The rule as one SQL CASE over span_status_annotations()'s counts (the SQL form of
    span_status_of). `blind_for_viewer`: a condition on the span row (and its annotations)
    that holds where the viewer may not see the outcome yet; None: nothing is hidden."""
    whens = [
        When(_FACTS[fact].sql(blind_for_viewer), then=Value(status.value))
        for fact, status in RULE
        if blind_for_viewer is not None or fact != "outcome_hidden"
    ]
    return Case(*whens, default=Value(DEFAULT.value), output_field=models.CharField())


def span_status_computed(spans: QuerySet) -> Subquery:
    """The rule's SQL form (no viewer) for the outer span row, as a subquery: the value of
    `.update(review_status=...)` on `spans` (a queryset of Span, or of the historical Span a
    migration has)."""
    one = (
        spans.model._base_manager.filter(pk=OuterRef("pk"))
        .annotate(**span_status_annotations())
        .annotate(computed=span_status_expression())
        .values("computed")
    )
    return Subquery(one[:1])


# What a blind viewer is shown instead of the stored status: the statuses of the facts the rule
# checks after "outcome_hidden" read as in review. Each of those facts implies a verdict on the
# span (k >= 1 is a constraint), so "outcome_hidden" holds first for a blind viewer; ADJUDICATED
# comes before it and OPEN (no fact held: no verdict) after all, so both are shown as they are.
_HIDING = [fact for fact, _ in RULE].index("outcome_hidden")
HIDDEN_FROM_BLIND: frozenset[SpanStatus] = frozenset(
    status for _, status in RULE[_HIDING + 1 :]
) - {RULE[_HIDING][1]}
_SHOWN_HIDDEN = RULE[_HIDING][1]


def span_status_seen(status: str, *, blind_for_viewer: bool) -> SpanStatus:
    """The status a viewer is shown of a span whose status (without blind review) is `status`
    (the pure form of span_status_seen_expression)."""
    if blind_for_viewer and status in HIDDEN_FROM_BLIND:
        return _SHOWN_HIDDEN
    return SpanStatus(status)


def span_status_seen_expression(*, blind_for_viewer: Q, stored: str = "review_status") -> Case:
    """The status a viewer is shown, over the stored one: `blind_for_viewer` as in
    span_status_expression (a condition on the span row)."""
    hidden = Q(**{f"{stored}__in": sorted(HIDDEN_FROM_BLIND)}) & blind_for_viewer
    return Case(
        When(hidden, then=Value(_SHOWN_HIDDEN.value)),
        default=F(stored),
        output_field=models.CharField(),
    )
