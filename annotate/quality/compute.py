"""Computing the report from the database: one streamed query of (span, reviewer, label)
triples, coded as a reviewers x spans matrix for the pure statistics of
`annotate.quality.statistics`.
"""

import datetime
import itertools
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from annotate.models import Adjudication, Project, Span, Verdict
from annotate.quality.marking import marked_spans, span_marking
from annotate.quality.reports import (
    CHUNK_ROWS,
    AgreementFilters,
    ContestedSpan,
    Figure,
    LabelFigures,
    PairFigures,
    ProjectAgreement,
    ReviewerFigures,
    datetime_range,
)
from annotate.quality.statistics import (
    FleissKappa,
    NotComputable,
    cohen_kappa_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    value_counts,
)

CONTESTED_LIMIT = 10


# --- computing ---


def _submitted_verdicts(project: Project, filters: AgreementFilters) -> QuerySet[Verdict]:
    verdicts = Verdict.objects.filter(
        span__project=project, span__orphaned=False, status=Verdict.Status.SUBMITTED
    )
    if filters.articles:
        verdicts = verdicts.filter(span__article_id__in=filters.articles)
    start, end = datetime_range(filters)
    if start is not None:
        verdicts = verdicts.filter(submitted_at__gte=start)
    if end is not None:
        verdicts = verdicts.filter(submitted_at__lte=end)
    return verdicts.order_by()


@dataclass(slots=True)
class _Ratings:
    """Submitted verdicts coded for numpy: a reviewers × spans matrix of label indices."""

    matrix: npt.NDArray[np.float64]
    units: npt.NDArray[np.int64]  # span ids, ascending (the matrix's columns)
    reviewer_ids: list[int]  # the matrix's rows
    labels: tuple[str, ...]
    counts: npt.NDArray[np.int64]  # spans × labels
    adjudicated: npt.NDArray[np.int64]  # per span: adjudicated label index, -1 if none


# progress(verdicts read, total): a job's report, called every CHUNK_ROWS verdicts; it may raise
# to stop the computation (a cancelled job).
ReadProgress = Callable[[int, int], None]


def compute_agreement(
    project: Project, filters: AgreementFilters, *, progress: ReadProgress | None = None
) -> ProjectAgreement:
    """The figures, computed from the database now (`project_agreement()` caches them)."""
    # In a transaction, PostgreSQL streams the server-side cursors of `.iterator()`; outside
    # one they are WITH HOLD, and the whole result is materialised before the first row.
    with transaction.atomic():
        return _compute(project, filters, progress)


def _compute(
    project: Project, filters: AgreementFilters, progress: ReadProgress | None = None
) -> ProjectAgreement:
    verdicts = _submitted_verdicts(project, filters)
    ratings = _read_ratings(project, filters, verdicts, progress)
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
        span_marking=span_marking(project, filters, users),
    )


def _reporting(rows: Iterator[tuple], progress: ReadProgress, total: int) -> Iterator[tuple]:
    """The rows, with a progress report after every chunk (and the last)."""
    done = 0
    for chunk in iter(lambda: list(itertools.islice(rows, CHUNK_ROWS)), []):
        yield from chunk
        done += len(chunk)
        progress(min(done, total), total)


def _read_ratings(
    project: Project,
    filters: AgreementFilters,
    verdicts: QuerySet[Verdict],
    progress: ReadProgress | None = None,
) -> _Ratings:
    index = _LabelCodes({label: i for i, label in enumerate(project.labels)})
    span_ids, reviewer_ids, codes = array("q"), array("q"), array("q")
    add_span, add_reviewer, add_code = span_ids.append, reviewer_ids.append, codes.append
    # Streamed in chunks into flat int arrays: no model instances, no tuple kept per verdict.
    rows = verdicts.values_list("span_id", "reviewer_id", "label").iterator(chunk_size=CHUNK_ROWS)
    if progress is not None:
        total = verdicts.count()
        progress(0, total)
        rows = _reporting(rows, progress, total)
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
    markers = marked_spans(project, filters).values("created_by_id")
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
