"""A span's review status: one choice type and one rule, read in SQL and in Python.

The rule is the table `RULE` below: the first fact that holds gives the status, else "open".
Each fact is written twice, side by side in `_FACTS`: as a condition on the counts that
`span_status_annotations()` adds to a span queryset (for lists, filters and dashboards), and
as a predicate over `SpanFacts`, plain values any caller can gather (exports read verdicts
already loaded). tests/annotate/review/test_status.py checks with hypothesis that both give the same
status for random spans in the database.

Orphaning does not change the status: an orphaned span keeps the status its verdicts give it
(the `orphaned` flag is shown beside it), and both forms ignore it alike.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.utils.functional import classproperty

from annotate.models import Adjudication, Verdict


class SpanStatus(models.TextChoices):
    """Never stored: derived from verdicts, adjudication and k (reviews per claim)."""

    OPEN = "open", "open"
    IN_REVIEW = "in_review", "in review"
    CONTESTED = "contested", "contested"
    AGREED = "agreed", "agreed"
    ADJUDICATED = "adjudicated", "adjudicated"

    @classproperty
    def ALL(cls) -> tuple[str, ...]:  # the name callers used before the choices
        return tuple(cls.values)


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
