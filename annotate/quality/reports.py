"""The agreement report's shape: figures per label, reviewer, pair and span, and their readings."""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.utils import timezone

from annotate.quality.statistics import (
    FleissKappa,
    NotComputable,
    SpanScores,
)

Figure = float | NotComputable

# Krippendorff (2004, §12.4): rely on data with alpha >= .800; draw tentative conclusions only
# from .667 <= alpha < .800; discard data below .667.
CHUNK_ROWS = 20_000
ALPHA_RELIABLE = 0.8
ALPHA_TENTATIVE = 0.667


@dataclass(frozen=True, slots=True)
class AgreementFilters:
    """Which verdicts count: articles (none = all) and a range of submission dates (inclusive)."""

    articles: tuple[int, ...] = ()
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None

    def cache_part(self) -> str:
        """A short stable digest of the filters, for the cache key."""
        given = [
            sorted(set(self.articles)),
            self.submitted_from.isoformat() if self.submitted_from else None,
            self.submitted_to.isoformat() if self.submitted_to else None,
        ]
        return hashlib.sha256(json.dumps(given).encode()).hexdigest()[:24]

    @property
    def is_empty(self) -> bool:
        return not self.articles and self.submitted_from is None and self.submitted_to is None


@dataclass(frozen=True, slots=True)
class LabelFigures:
    """One label: how often reviewers chose it, and how often its pair partner agreed."""

    label: str
    on_scale: bool
    verdicts: int
    share: Figure
    # Of the pairable values with this label, the share whose pair partners gave it too
    # (o_cc / n_c of Krippendorff's coincidence matrix).
    specific_agreement: Figure


@dataclass(frozen=True, slots=True)
class ReviewerFigures:
    reviewer_id: int
    username: str
    verdicts: int
    # Pairs (this reviewer, another reviewer) on a shared span, and the share that agree.
    compared_pairs: int
    agreement_with_others: Figure
    # Verdicts on adjudicated spans, and the share that match the adjudicated label.
    adjudicated: int
    agreement_with_adjudication: Figure
    # counts[adjudicated label][reviewer's label], both in the report's `labels` order.
    confusion: tuple[tuple[int, ...], ...]
    label_counts: tuple[int, ...]
    per_day: tuple[tuple[datetime.date, int], ...]


@dataclass(frozen=True, slots=True)
class PairFigures:
    """Two reviewers on the spans both judged: percent agreement and Cohen's kappa."""

    reviewer_a: int
    reviewer_b: int
    shared_spans: int
    percent_agreement: Figure
    kappa: Figure


@dataclass(frozen=True, slots=True)
class ContestedSpan:
    span_id: int
    article_id: int
    article_title: str
    quote: str
    verdicts: int
    distinct_labels: int
    entropy_bits: float
    label_counts: tuple[tuple[str, int], ...]
    adjudicated_label: str


@dataclass(frozen=True, slots=True)
class MarkerPairFigures:
    """Span marking of two reviewers over the articles both marked spans on (FORMATS.md §6)."""

    marker_a: int
    marker_b: int
    articles: int
    exact: SpanScores | NotComputable
    overlap: SpanScores | NotComputable


@dataclass(frozen=True, slots=True)
class ArticleMarkingFigures:
    """Span marking on one article, pooled over every pair of reviewers who marked spans there."""

    article_id: int
    title: str
    markers: int
    exact: SpanScores | NotComputable
    overlap: SpanScores | NotComputable


@dataclass(frozen=True, slots=True)
class SpanMarking:
    exact: SpanScores | NotComputable
    overlap: SpanScores | NotComputable
    pairs: tuple[MarkerPairFigures, ...]
    articles: tuple[ArticleMarkingFigures, ...]
    markers: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProjectAgreement:
    """Every agreement figure of a project's submitted verdicts under some filters."""

    project_id: int
    filters: AgreementFilters
    computed_at: datetime.datetime
    labels: tuple[str, ...]
    ordinal: bool
    verdicts: int
    spans: int
    pairable_spans: int
    alpha_nominal: Figure
    alpha_ordinal: Figure | None  # None: the scale is not ordinal
    percent_agreement: Figure
    fleiss: FleissKappa | NotComputable
    fleiss_k: int
    fleiss_spans: int
    reviewers: tuple[ReviewerFigures, ...]
    kappa_matrix: tuple[tuple[Figure, ...], ...]
    pairs: tuple[PairFigures, ...]
    label_figures: tuple[LabelFigures, ...]
    per_day: tuple[tuple[datetime.date, int], ...]
    contested: tuple[ContestedSpan, ...]
    span_marking: SpanMarking

    @property
    def alpha(self) -> Figure:
        """The headline alpha: ordinal on an ordinal scale, nominal otherwise."""
        return self.alpha_ordinal if self.alpha_ordinal is not None else self.alpha_nominal

    @property
    def alpha_level(self) -> str:
        return "ordinal" if self.alpha_ordinal is not None else "nominal"


def alpha_reading(alpha: Figure | None) -> str:
    """Krippendorff's guideline for an alpha, in plain words."""
    if alpha is None:
        return "not computed for this scale"
    if isinstance(alpha, NotComputable):
        return str(alpha)
    if alpha >= ALPHA_RELIABLE:
        return "reliable: the reviewers agree well enough to rely on the labels"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative: good enough for tentative conclusions only"
    return "unreliable: the reviewers agree too little to rely on the labels"


def kappa_reading(kappa: Figure) -> str:
    """Landis and Koch's (1977) words for a kappa."""
    if isinstance(kappa, NotComputable):
        return str(kappa)
    for bound, words in ((0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate")):
        if kappa > bound:
            return words
    if kappa > 0.2:
        return "fair"
    return "slight" if kappa >= 0 else "poor (below chance)"


def datetime_range(
    filters: AgreementFilters,
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """Whole days in the current time zone; time.max, not +1 day, so 9999-12-31 still works."""
    zone = timezone.get_current_timezone()
    start = end = None
    if filters.submitted_from is not None:
        start = datetime.datetime.combine(filters.submitted_from, datetime.time.min, zone)
    if filters.submitted_to is not None:
        end = datetime.datetime.combine(filters.submitted_to, datetime.time.max, zone)
    return start, end
