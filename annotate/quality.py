"""Review quality: agreement figures of a project's submitted verdicts, cached per project.

`project_agreement()` reads (span, reviewer, label) triples in one streamed query, codes them as a
reviewers × spans matrix with numpy and hands it to the pure statistics of `annotate.agreement`
(FORMATS.md §5, §6). Every figure that the data cannot support is a `NotComputable` with its
reason, never NaN. Results are cached per project and filters; a verdict submitted or withdrawn,
or an adjudication, moves the project to a new cache generation (`agreement_invalidate()`).
"""

import datetime
import hashlib
import itertools
import json
import uuid
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from annotate import selectors
from annotate.access import Role
from annotate.agreement import (
    FleissKappa,
    NotComputable,
    SpanScores,
    cohen_kappa_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    pool_span_scores,
    span_agreement,
    value_counts,
)
from annotate.models import Adjudication, Project, Span, Verdict
from corpus.models import Article

Figure = float | NotComputable

# Bump when the report's shape changes, so no process reads another version's pickles.
CACHE_VERSION = 1
# Changes no service announces (a span deleted, a body revision orphaning spans, a scale edit)
# reach the page after this long at the latest.
CACHE_TIMEOUT_S = 15 * 60
CACHE = "shared"  # every worker must see an invalidation (config/settings.py)
MAX_ID = 2**63 - 1  # larger ids can be neither stored nor looked up (SQLite, PostgreSQL)
CONTESTED_LIMIT = 10
CHUNK_ROWS = 20_000
# Krippendorff (2004, §12.4): rely on data with alpha >= .800; draw tentative conclusions only
# from .667 <= alpha < .800; discard data below .667.
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


def project_for_editor(*, user, pk: int) -> Project:
    """The project if the user edits it: Http404 for non-members, PermissionDenied for others."""
    try:
        if pk > MAX_ID:
            raise Project.DoesNotExist
        project = selectors.project_for_user(user=user, pk=pk)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None
    if project.role != Role.EDITOR:
        raise PermissionDenied("Only the project's editors see its agreement figures.")
    return project


# --- cache ---


def _generation_key(project_id: int) -> str:
    return f"quality:v{CACHE_VERSION}:project:{project_id}:generation"


def agreement_invalidate(*, project_id: int) -> None:
    """Forget every cached agreement report of the project (all filters): a new generation."""
    caches[CACHE].set(_generation_key(project_id), uuid.uuid4().hex, None)


def _cache_key(project: Project, filters: AgreementFilters) -> str:
    cache = caches[CACHE]
    generation = cache.get(_generation_key(project.pk))
    if generation is None:
        generation = uuid.uuid4().hex
        # add(): a concurrent invalidation wins over this first reader's generation.
        if not cache.add(_generation_key(project.pk), generation, None):
            generation = cache.get(_generation_key(project.pk), generation)
    # The settings that shape the figures, and the creation time: a test database that hands
    # out the same project id again (SQLite after a rollback) never meets an old report.
    settings = json.dumps(
        [
            project.labels,
            project.scale_is_ordinal,
            project.reviews_per_claim,
            str(project.created_at),
        ]
    )
    digest = hashlib.sha256(settings.encode()).hexdigest()[:16]
    return (
        f"quality:v{CACHE_VERSION}:project:{project.pk}:{generation}:{digest}:"
        f"{filters.cache_part()}"
    )


def project_agreement(
    project: Project, filters: AgreementFilters | None = None
) -> ProjectAgreement:
    """Agreement figures of the project's submitted verdicts (cached per project and filters)."""
    filters = filters or AgreementFilters()
    key = _cache_key(project, filters)
    cache = caches[CACHE]
    report = cache.get(key)
    if report is None:
        report = compute_agreement(project, filters)
        cache.set(key, report, CACHE_TIMEOUT_S)
    return report


# --- computing ---


def _submitted_verdicts(project: Project, filters: AgreementFilters) -> QuerySet[Verdict]:
    verdicts = Verdict.objects.filter(
        span__project=project, span__orphaned=False, status=Verdict.Status.SUBMITTED
    )
    if filters.articles:
        verdicts = verdicts.filter(span__article_id__in=filters.articles)
    start, end = _datetime_range(filters)
    if start is not None:
        verdicts = verdicts.filter(submitted_at__gte=start)
    if end is not None:
        verdicts = verdicts.filter(submitted_at__lte=end)
    return verdicts.order_by()


def _datetime_range(
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


@dataclass(slots=True)
class _Ratings:
    """Submitted verdicts coded for numpy: a reviewers × spans matrix of label indices."""

    matrix: npt.NDArray[np.float64]
    units: npt.NDArray[np.int64]  # span ids, ascending (the matrix's columns)
    reviewer_ids: list[int]  # the matrix's rows
    labels: tuple[str, ...]
    counts: npt.NDArray[np.int64]  # spans × labels
    adjudicated: npt.NDArray[np.int64]  # per span: adjudicated label index, -1 if none


def compute_agreement(project: Project, filters: AgreementFilters) -> ProjectAgreement:
    """The figures, computed from the database now (`project_agreement()` caches them)."""
    # In a transaction, PostgreSQL streams the server-side cursors of `.iterator()`; outside
    # one they are WITH HOLD, and the whole result is materialised before the first row.
    with transaction.atomic():
        return _compute(project, filters)


def _compute(project: Project, filters: AgreementFilters) -> ProjectAgreement:
    verdicts = _submitted_verdicts(project, filters)
    ratings = _read_ratings(project, filters, verdicts)
    users = _usernames(ratings.reviewer_ids, project, filters)
    # Rows in username order, so tables and the heatmap read alphabetically.
    order = sorted(
        range(len(ratings.reviewer_ids)),
        key=lambda i: (users.get(ratings.reviewer_ids[i], "").casefold(), ratings.reviewer_ids[i]),
    )
    ratings.matrix = ratings.matrix[order]
    ratings.reviewer_ids = [ratings.reviewer_ids[i] for i in order]
    per_day, per_reviewer_day = _per_day(verdicts)
    matrix = ratings.matrix
    rated = ~np.isnan(matrix)
    per_unit = ratings.counts.sum(axis=1)

    alpha_ordinal: Figure | None = None
    if project.scale_is_ordinal:
        used = np.unique(matrix[rated]).astype(np.int64)
        outside = [ratings.labels[code] for code in used if code >= len(project.labels)]
        if outside:
            alpha_ordinal = NotComputable("labels outside the ordinal scale: " + ", ".join(outside))
        else:
            alpha_ordinal = krippendorff_alpha(matrix, "ordinal")

    fleiss_k = project.reviews_per_claim
    fleiss_rows = ratings.counts[per_unit == fleiss_k]
    if fleiss_k < 2:
        fleiss: FleissKappa | NotComputable = NotComputable(
            "the project asks for one review per claim"
        )
    elif not len(fleiss_rows):
        fleiss = NotComputable(f"no claim has exactly {fleiss_k} submitted verdicts")
    else:
        fleiss = fleiss_kappa(fleiss_rows)

    kappas = cohen_kappa_matrix(matrix) if len(ratings.reviewer_ids) else []
    return ProjectAgreement(
        project_id=project.pk,
        filters=filters,
        computed_at=timezone.now(),
        labels=ratings.labels,
        ordinal=project.scale_is_ordinal,
        verdicts=int(rated.sum()),
        spans=len(ratings.units),
        pairable_spans=int((per_unit >= 2).sum()),
        alpha_nominal=krippendorff_alpha(matrix, "nominal"),
        alpha_ordinal=alpha_ordinal,
        percent_agreement=percent_agreement(matrix),
        fleiss=fleiss,
        fleiss_k=fleiss_k,
        fleiss_spans=len(fleiss_rows),
        reviewers=_reviewer_figures(ratings, users, per_reviewer_day),
        kappa_matrix=tuple(tuple(row) for row in kappas),
        pairs=_pair_figures(ratings, kappas),
        label_figures=_label_figures(ratings, project),
        per_day=per_day,
        contested=_contested(ratings),
        span_marking=_span_marking(project, filters, users),
    )


def _read_ratings(
    project: Project, filters: AgreementFilters, verdicts: QuerySet[Verdict]
) -> _Ratings:
    index = _LabelCodes({label: i for i, label in enumerate(project.labels)})
    span_ids, reviewer_ids, codes = array("q"), array("q"), array("q")
    add_span, add_reviewer, add_code = span_ids.append, reviewer_ids.append, codes.append
    # Streamed in chunks into flat int arrays: no model instances, no tuple kept per verdict.
    rows = verdicts.values_list("span_id", "reviewer_id", "label").iterator(chunk_size=CHUNK_ROWS)
    for span_id, reviewer_id, label in rows:
        add_span(span_id)
        add_reviewer(reviewer_id)
        add_code(index[label])

    adjudications = Adjudication.objects.filter(span__project=project, span__orphaned=False)
    if filters.articles:
        adjudications = adjudications.filter(span__article_id__in=filters.articles)
    adjudicated_pairs = []
    for span_id, label in adjudications.order_by().values_list("span_id", "label"):
        adjudicated_pairs.append((span_id, index[label]))

    # Labels off the scale sort by name, so the order never depends on the query's row order.
    scale_size = len(project.labels)
    extra = sorted(label for label, i in index.items() if i >= scale_size)
    remap = np.arange(len(index), dtype=np.int64)
    for new, label in enumerate(extra, start=scale_size):
        remap[index[label]] = new
    labels = (*project.labels, *extra)

    spans = np.frombuffer(span_ids, dtype=np.int64)
    reviewers = np.frombuffer(reviewer_ids, dtype=np.int64)
    label_codes = remap[np.frombuffer(codes, dtype=np.int64)]
    units, columns = np.unique(spans, return_inverse=True)
    reviewer_list, rows_ = np.unique(reviewers, return_inverse=True)
    matrix = np.full((len(reviewer_list), len(units)), np.nan)
    matrix[rows_, columns] = label_codes
    adjudicated = np.full(len(units), -1, dtype=np.int64)
    if adjudicated_pairs and len(units):
        adjudicated_spans = np.array([span for span, _ in adjudicated_pairs], dtype=np.int64)
        adjudicated_codes = remap[np.array([code for _, code in adjudicated_pairs])]
        positions = np.searchsorted(units, adjudicated_spans).clip(max=len(units) - 1)
        found = units[positions] == adjudicated_spans
        adjudicated[positions[found]] = adjudicated_codes[found]
    return _Ratings(
        matrix=matrix,
        units=units,
        reviewer_ids=[int(r) for r in reviewer_list],
        labels=labels,
        counts=value_counts(matrix, len(labels)),
        adjudicated=adjudicated,
    )


class _LabelCodes(dict):
    """Label -> index; a label the scale no longer has gets the next index (kept, not lost)."""

    def __missing__(self, label: str) -> int:
        self[label] = code = len(self)
        return code


def _usernames(reviewer_ids: Iterable[int], project: Project, filters: AgreementFilters) -> dict:
    """Usernames of the reviewers and of everyone who marked a span (one query)."""
    markers = _marked_spans(project, filters).values("created_by_id")
    users = get_user_model().objects.filter(
        pk__in=list(reviewer_ids)
    ) | get_user_model().objects.filter(pk__in=markers)
    return dict(users.order_by().values_list("pk", "username"))


def _per_day(
    verdicts: QuerySet[Verdict],
) -> tuple[tuple[tuple[datetime.date, int], ...], dict[int, tuple[tuple[datetime.date, int], ...]]]:
    """Submitted verdicts per day (in the current time zone), overall and per reviewer.

    Counted by the database: a day per verdict through Django's date converter would cost
    more than this second scan.
    """
    rows = (
        verdicts.annotate(day=TruncDate("submitted_at"))
        .values_list("day", "reviewer_id")
        .annotate(verdicts=Count("pk"))
        .order_by("day", "reviewer_id")
    )
    overall: dict[datetime.date, int] = defaultdict(int)
    per_reviewer: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for day, reviewer_id, count in rows:
        overall[day] += count
        per_reviewer[reviewer_id].append((day, count))
    return (
        tuple(overall.items()),
        {reviewer: tuple(days) for reviewer, days in per_reviewer.items()},
    )


def _reviewer_figures(
    ratings: _Ratings, users: dict, per_day: dict[int, tuple[tuple[datetime.date, int], ...]]
) -> tuple[ReviewerFigures, ...]:
    matrix, counts, n_values = ratings.matrix, ratings.counts, len(ratings.labels)
    per_unit = counts.sum(axis=1)
    figures = []
    for row, reviewer_id in enumerate(ratings.reviewer_ids):
        rated = ~np.isnan(matrix[row])
        codes = matrix[row, rated].astype(np.int64)
        # Others on the same spans: how many, and how many chose the same label.
        others = per_unit[rated] - 1
        same = counts[rated, codes] - 1
        compared = int(others.sum())
        with_others: Figure = (
            int(same.sum()) / compared
            if compared
            else NotComputable("no claim shared with another reviewer")
        )
        reference = ratings.adjudicated[rated]
        judged = reference >= 0
        adjudicated = int(judged.sum())
        with_adjudication: Figure = (
            float((codes[judged] == reference[judged]).mean())
            if adjudicated
            else NotComputable("no verdict on an adjudicated claim")
        )
        confusion = np.bincount(
            reference[judged] * n_values + codes[judged], minlength=n_values * n_values
        ).reshape(n_values, n_values)
        figures.append(
            ReviewerFigures(
                reviewer_id=reviewer_id,
                username=users.get(reviewer_id, f"#{reviewer_id}"),
                verdicts=int(rated.sum()),
                compared_pairs=compared,
                agreement_with_others=with_others,
                adjudicated=adjudicated,
                agreement_with_adjudication=with_adjudication,
                confusion=tuple(tuple(int(c) for c in line) for line in confusion),
                label_counts=tuple(int(c) for c in np.bincount(codes, minlength=n_values)),
                per_day=per_day.get(reviewer_id, ()),
            )
        )
    return tuple(figures)


def _pair_figures(ratings: _Ratings, kappas: list[list[Figure]]) -> tuple[PairFigures, ...]:
    matrix = ratings.matrix
    rated = ~np.isnan(matrix)
    pairs = []
    for i, j in itertools.combinations(range(len(ratings.reviewer_ids)), 2):
        both = rated[i] & rated[j]
        shared = int(both.sum())
        agreement: Figure = (
            float((matrix[i, both] == matrix[j, both]).mean())
            if shared
            else NotComputable("no claim judged by both reviewers")
        )
        pairs.append(
            PairFigures(
                reviewer_a=ratings.reviewer_ids[i],
                reviewer_b=ratings.reviewer_ids[j],
                shared_spans=shared,
                percent_agreement=agreement,
                kappa=kappas[i][j],
            )
        )
    return tuple(pairs)


def _label_figures(ratings: _Ratings, project: Project) -> tuple[LabelFigures, ...]:
    counts = ratings.counts
    totals = counts.sum(axis=0)
    total = int(totals.sum())
    per_unit = counts.sum(axis=1)
    pairable = counts[per_unit >= 2].astype(float)
    weights = per_unit[per_unit >= 2][:, None] - 1.0
    # Coincidences o_cc (a value paired with the same value in its unit) and pairable n_c.
    same = (pairable * (pairable - 1) / weights).sum(axis=0)
    paired = pairable.sum(axis=0)
    figures = []
    for i, label in enumerate(ratings.labels):
        figures.append(
            LabelFigures(
                label=label,
                on_scale=i < len(project.labels),
                verdicts=int(totals[i]),
                share=int(totals[i]) / total if total else NotComputable("no verdicts"),
                specific_agreement=(
                    float(same[i] / paired[i])
                    if paired[i]
                    else NotComputable("no claim with this label has a second verdict")
                ),
            )
        )
    return tuple(figures)


def _contested(ratings: _Ratings) -> tuple[ContestedSpan, ...]:
    """The spans with the most distinct labels, then the highest label entropy."""
    counts = ratings.counts
    per_unit = counts.sum(axis=1)
    distinct = (counts > 0).sum(axis=1)
    candidates = np.nonzero(distinct >= 2)[0]
    if not len(candidates):
        return ()
    shares = counts[candidates] / per_unit[candidates][:, None]
    logs = np.log2(shares, out=np.zeros_like(shares), where=shares > 0)
    entropy = -(shares * logs).sum(axis=1)
    order = np.lexsort(
        (ratings.units[candidates], -per_unit[candidates], -entropy, -distinct[candidates])
    )[:CONTESTED_LIMIT]
    chosen = candidates[order]
    entropy_of = dict(zip(chosen.tolist(), entropy[order].tolist(), strict=True))
    details = {
        row["pk"]: row
        for row in Span.objects.filter(pk__in=ratings.units[chosen].tolist())
        .order_by()
        .values("pk", "article_id", "article__title", "quote", "adjudication__label")
    }
    contested = []
    for unit in chosen.tolist():
        span = details.get(int(ratings.units[unit]))
        if span is None:  # deleted since the verdicts were read
            continue
        contested.append(
            ContestedSpan(
                span_id=span["pk"],
                article_id=span["article_id"],
                article_title=span["article__title"],
                quote=span["quote"],
                verdicts=int(per_unit[unit]),
                distinct_labels=int(distinct[unit]),
                entropy_bits=round(entropy_of[unit], 6),
                label_counts=tuple(
                    (ratings.labels[i], int(c)) for i, c in enumerate(counts[unit]) if c
                ),
                adjudicated_label=span["adjudication__label"] or "",
            )
        )
    return tuple(contested)


# --- span marking (FORMATS.md §6) ---


def _marked_spans(project: Project, filters: AgreementFilters) -> QuerySet[Span]:
    """The spans whose marking is compared: placed ones, created in the date range if any."""
    spans = Span.objects.filter(project=project, orphaned=False)
    if filters.articles:
        spans = spans.filter(article_id__in=filters.articles)
    start, end = _datetime_range(filters)
    if start is not None:
        spans = spans.filter(created_at__gte=start)
    if end is not None:
        spans = spans.filter(created_at__lte=end)
    return spans.order_by()


def _span_marking(project: Project, filters: AgreementFilters, users: dict) -> SpanMarking:
    """Exact and overlap F1 between every two reviewers who marked spans on the same article,
    with each span's `created_by` as the reviewer who marked it."""
    marked: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        _marked_spans(project, filters)
        .values_list("article_id", "created_by_id", "start", "end")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for article_id, marker_id, start, end in rows:
        marked[article_id][marker_id].append((start, end))

    per_pair: dict[tuple[int, int], list[tuple[SpanScores | NotComputable, ...]]] = defaultdict(
        list
    )
    per_article = []
    for article_id, markers in marked.items():
        if len(markers) < 2:
            continue
        scores = []
        for a, b in itertools.combinations(sorted(markers), 2):
            pair = (
                _exact_scores(markers[a], markers[b]),
                span_agreement(markers[a], markers[b], mode="overlap"),
            )
            per_pair[(a, b)].append(pair)
            scores.append(pair)
        per_article.append((article_id, len(markers), scores))

    titles = dict(
        Article.objects.filter(pk__in=[article_id for article_id, _, _ in per_article])
        .order_by()
        .values_list("pk", "title")
    )
    articles = tuple(
        ArticleMarkingFigures(
            article_id=article_id,
            title=titles.get(article_id, ""),
            markers=markers,
            exact=pool_span_scores(exact for exact, _ in scores),
            overlap=pool_span_scores(overlap for _, overlap in scores),
        )
        for article_id, markers, scores in sorted(per_article)
    )
    pairs = tuple(
        MarkerPairFigures(
            marker_a=a,
            marker_b=b,
            articles=len(scores),
            exact=pool_span_scores(exact for exact, _ in scores),
            overlap=pool_span_scores(overlap for _, overlap in scores),
        )
        for (a, b), scores in sorted(per_pair.items())
    )
    every = [pair for scores in per_pair.values() for pair in scores]
    nobody = NotComputable("no article has spans marked by two reviewers")
    marker_ids = {marker for pair in per_pair for marker in pair}
    return SpanMarking(
        exact=pool_span_scores(exact for exact, _ in every) if every else nobody,
        overlap=pool_span_scores(overlap for _, overlap in every) if every else nobody,
        pairs=pairs,
        articles=articles,
        markers={marker: users.get(marker, f"#{marker}") for marker in sorted(marker_ids)},
    )


def _exact_scores(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> SpanScores:
    """`span_agreement(a, b, mode="exact")` by set intersection: equal (start, end) pairs.

    One reviewer's spans are distinct (the project holds one span per passage), so matching
    equal intervals one-to-one is counting the common ones; half the time of the matrix.
    """
    matched = len(set(a) & set(b))
    return SpanScores(
        matched / len(b) if b else 0.0,
        matched / len(a) if a else 0.0,
        2 * matched / (len(a) + len(b)),
        matched,
        len(a),
        len(b),
    )
