"""Agreement between reviewers: Krippendorff's alpha, Fleiss' and Cohen's kappa, span F1.

Pure functions on plain Python and numpy data (no Django), so a selector can feed them submitted
verdicts (FORMATS.md §5, §6). A reliability matrix is reviewers × units of floats with NaN where a
reviewer gave no value; `reliability_matrix()` builds one from (unit, reviewer, value) triples.
Degenerate data gives `NotComputable` with a reason to show instead of a number, never NaN;
malformed input (unknown level, negative counts, a span ending before it starts) raises ValueError.
"""

import bisect
import itertools
import numbers
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")
Span = tuple[int, int]  # [start, end) in code points, or in tokens for unit="tokens"


@dataclass(frozen=True, slots=True)
class NotComputable:
    """A statistic the data cannot support, with the reason to show instead of a number."""

    reason: str

    def __str__(self) -> str:
        return f"not computable: {self.reason}"


@dataclass(frozen=True, slots=True)
class ReliabilityData:
    """Ratings as a reviewers × units matrix of indices into `values`, NaN where missing."""

    matrix: npt.NDArray[np.float64]
    reviewers: tuple[Hashable, ...]
    units: tuple[Hashable, ...]
    values: tuple[Hashable, ...]

    def numeric(self) -> npt.NDArray[np.float64]:
        """The matrix with each index replaced by its value, for interval or ratio on numbers."""
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in self.values):
            raise ValueError("numeric() needs values that are numbers")
        lookup = np.array([*self.values, np.nan], dtype=float)
        missing = np.isnan(self.matrix)
        return lookup[np.where(missing, len(self.values), self.matrix).astype(np.intp)]


@dataclass(frozen=True, slots=True)
class FleissKappa:
    """Fleiss' kappa and its parts: mean observed (P̄) and chance (P̄e) agreement, category shares."""

    p_bar: float
    p_e_bar: float
    kappa: float
    p_j: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class SpanScores:
    """Reviewer B's spans against A's: precision = matched/|B|, recall = matched/|A|."""

    precision: float
    recall: float
    f1: float
    matched: int
    n_a: int
    n_b: int


# --- building inputs ---


def reliability_matrix(
    ratings: Iterable[tuple[Hashable, Hashable, Hashable]],
    value_order: Sequence[Hashable] | None = None,
) -> ReliabilityData:
    """Code (unit, reviewer, value) triples as a reliability matrix; a None value is missing."""
    reviewers: dict[Hashable, int] = {}
    units: dict[Hashable, int] = {}
    cells: dict[tuple[int, int], Hashable] = {}
    for unit, reviewer, value in ratings:
        cell = (reviewers.setdefault(reviewer, len(reviewers)), units.setdefault(unit, len(units)))
        if cell in cells:
            raise ValueError(f"reviewer {reviewer!r} rated unit {unit!r} twice")
        cells[cell] = value
    rated = {cell: value for cell, value in cells.items() if not _is_missing(value)}
    values = _ordered_values(rated.values(), value_order)
    index = {value: i for i, value in enumerate(values)}
    unknown = set(rated.values()) - index.keys()
    if unknown:
        raise ValueError(f"values not in value_order: {sorted(map(repr, unknown))}")
    matrix = np.full((len(reviewers), len(units)), np.nan)
    if rated:
        rows, columns = zip(*rated, strict=True)
        matrix[list(rows), list(columns)] = [index[value] for value in rated.values()]
    return ReliabilityData(matrix, tuple(reviewers), tuple(units), values)


def value_counts(matrix: npt.ArrayLike, n_values: int) -> npt.NDArray[np.int64]:
    """Units × values counts from a matrix of value indices (as `reliability_matrix()` codes)."""
    array = _as_matrix(matrix)
    rated = ~np.isnan(array)
    codes = array[rated]
    if ((codes < 0) | (codes >= n_values) | (codes != np.round(codes))).any():
        raise ValueError(f"value indices must be whole numbers in [0, {n_values})")
    keys = np.nonzero(rated)[1] * n_values + codes.astype(np.int64)
    counts = np.bincount(keys, minlength=array.shape[1] * n_values)
    return counts.reshape(array.shape[1], n_values)


# --- Krippendorff's alpha and percent agreement ---


def krippendorff_alpha(matrix: npt.ArrayLike, level: Level) -> float | NotComputable:
    """Krippendorff's alpha of a reviewers × units matrix (NaN = missing) at a measurement level."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    array = _as_matrix(matrix)
    if level == "ratio" and (array < 0).any():
        raise ValueError("ratio-level values cannot be negative")
    pairable = _pairable_counts(array)
    if isinstance(pairable, NotComputable):
        return pairable
    counts, values = pairable
    if len(values) < 2:
        return NotComputable("every value is the same label")
    observed = _coincidences(counts)
    n_c = observed.sum(axis=0)
    expected = (np.outer(n_c, n_c) - np.diag(n_c)) / (n_c.sum() - 1)
    delta = _distances(values, n_c, level)
    expected_disagreement = (expected * delta).sum()
    if expected_disagreement == 0:  # distinct values whose squared distances underflow to 0
        return NotComputable("every value is the same label")
    return float(1 - (observed * delta).sum() / expected_disagreement)


def percent_agreement(matrix: npt.ArrayLike) -> float | NotComputable:
    """Agreeing share of pairs, averaged over pairable values (1 - nominal D_o of alpha)."""
    pairable = _pairable_counts(_as_matrix(matrix))
    if isinstance(pairable, NotComputable):
        return pairable
    counts, _ = pairable
    values_per_unit = counts.sum(axis=1)
    agreeing = (counts * (counts - 1)).sum(axis=1) / (values_per_unit - 1)
    return float(agreeing.sum() / values_per_unit.sum())


def _pairable_counts(
    matrix: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | NotComputable:
    """Counts per unit with ≥ 2 values × distinct value, and those values in ascending order."""
    rated = ~np.isnan(matrix)
    if not rated.any():
        return NotComputable("no ratings")
    if matrix.shape[0] < 2:
        return NotComputable("only one reviewer")
    pairable = rated.sum(axis=0) >= 2
    if not pairable.any():
        return NotComputable("no unit has two values")
    rated = rated[:, pairable]
    # Units with a single value drop out before coding, so unpaired values never widen the scale.
    values, codes = _distinct_with_codes(matrix[:, pairable][rated])
    keys = np.nonzero(rated)[1] * len(values) + codes
    counts = np.bincount(keys, minlength=rated.shape[1] * len(values))
    return counts.reshape(rated.shape[1], len(values)), values


def _distinct_with_codes(
    ratings: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """The distinct values in ascending order, and each rating's index among them."""
    values = np.unique(ratings)
    span = values[-1] - values[0] if len(values) else 0
    if span < len(ratings) and (values == np.round(values)).all():
        # Whole-number ratings (scale indices): a lookup table codes them in linear time, where
        # np.unique's return_inverse would sort every rating (the bulk of alpha's run time).
        table = np.zeros(int(span) + 1, dtype=np.int64)
        table[(values - values[0]).astype(np.int64)] = np.arange(len(values))
        return values, table[(ratings - values[0]).astype(np.int64)]
    return values, np.unique(ratings, return_inverse=True)[1]


def _coincidences(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Krippendorff's o_ck: every unit's ordered pairs of values, each weighted 1 / (m_u - 1)."""
    n_uc = counts.astype(float)  # float @ float runs in BLAS; integer operands take a slow loop
    weighted = n_uc / (n_uc.sum(axis=1, keepdims=True) - 1)
    # A value pairs with the unit's *other* values, never with itself: n_uc comes off the diagonal.
    return weighted.T @ n_uc - np.diag(weighted.sum(axis=0))


def _distances(
    values: npt.NDArray[np.float64], n_c: npt.NDArray[np.float64], level: Level
) -> npt.NDArray[np.float64]:
    """Squared distance δ²(c, k) between every two values at the level of measurement."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    if level == "ordinal":
        # Krippendorff's ordinal metric: values sit at their mid-ranks over the pairable values,
        # so the distance counts how many values lie between them, not how far apart the codes are.
        values = np.cumsum(n_c) - n_c / 2
    difference = values[:, None] - values[None, :]
    if level == "ratio":
        total = values[:, None] + values[None, :]
        ratio = np.divide(difference, total, out=np.zeros_like(total), where=total != 0)
        return ratio**2
    return difference**2


# --- kappas ---


def fleiss_kappa(counts: npt.ArrayLike) -> FleissKappa | NotComputable:
    """Fleiss' kappa of units × categories counts; every unit needs the same number of ratings."""
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2:
        raise ValueError("Fleiss' kappa takes a 2-D table: units × categories")
    if ((table < 0) | (table != np.round(table))).any():
        raise ValueError("counts must be non-negative whole numbers")
    if table.sum() == 0:
        return NotComputable("no ratings")
    per_unit = table.sum(axis=1)
    if (per_unit != per_unit[0]).any():
        low, high = int(per_unit.min()), int(per_unit.max())
        return NotComputable(f"units have unequal numbers of ratings ({low} to {high})")
    n = per_unit[0]
    if n < 2:
        return NotComputable("fewer than two ratings per unit")
    p_j = table.sum(axis=0) / table.sum()
    if np.count_nonzero(p_j) == 1:
        return NotComputable("every rating is the same category")
    p_bar = float((((table**2).sum(axis=1) - n) / (n * (n - 1))).mean())
    p_e_bar = float((p_j**2).sum())
    kappa = (p_bar - p_e_bar) / (1 - p_e_bar)
    return FleissKappa(p_bar, p_e_bar, kappa, tuple(p_j.tolist()))


def cohen_kappa(
    a: Sequence[Hashable | None], b: Sequence[Hashable | None]
) -> float | NotComputable:
    """Cohen's kappa of two reviewers' labels, item by item; only items both rated count."""
    if len(a) != len(b):
        raise ValueError(f"label lists differ in length: {len(a)} and {len(b)}")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (_is_missing(x) or _is_missing(y))]
    index = {label: i for i, label in enumerate(dict.fromkeys(itertools.chain(*pairs)))}
    first = np.array([index[x] for x, _ in pairs], dtype=np.int64)
    second = np.array([index[y] for _, y in pairs], dtype=np.int64)
    return _kappa(first, second, len(index))


def cohen_kappa_matrix(matrix: npt.ArrayLike) -> list[list[float | NotComputable]]:
    """Reviewers × reviewers Cohen's kappa over the units each pair shares; 1.0 on the diagonal."""
    array = _as_matrix(matrix)
    rated = ~np.isnan(array)
    labels, codes = np.unique(array[rated], return_inverse=True)
    coded = np.full(array.shape, -1, dtype=np.int64)
    coded[rated] = codes
    size = array.shape[0]
    kappas: list[list[float | NotComputable]] = [[1.0] * size for _ in range(size)]
    for i, j in itertools.combinations(range(size), 2):
        both = rated[i] & rated[j]
        kappas[i][j] = kappas[j][i] = _kappa(coded[i, both], coded[j, both], len(labels))
    return kappas


def _kappa(
    first: npt.NDArray[np.int64], second: npt.NDArray[np.int64], n_labels: int
) -> float | NotComputable:
    """Cohen's kappa of two aligned label-index arrays."""
    n = len(first)
    if n < 2:
        return NotComputable("fewer than two items rated by both reviewers")
    table = np.bincount(first * n_labels + second, minlength=n_labels**2)
    table = table.reshape(n_labels, n_labels)
    # In whole numbers, n² · p_e: exact, so p_e == 1 is decided without a float comparison.
    chance = int(table.sum(axis=1) @ table.sum(axis=0))
    if chance == n * n:
        return NotComputable("both reviewers gave every item one and the same label")
    return (int(np.trace(table)) * n - chance) / (n * n - chance)


def confusion_matrix(
    reviewer_labels: Sequence[Hashable | None],
    reference_labels: Sequence[Hashable | None],
    labels: Sequence[Hashable],
) -> npt.NDArray[np.int64]:
    """Counts[reference, reviewer] in `labels` order over items both labelled (e.g. adjudicated)."""
    if len(reviewer_labels) != len(reference_labels):
        raise ValueError("reviewer and reference label lists differ in length")
    index = {label: i for i, label in enumerate(labels)}
    pairs = [
        (reference, reviewer)
        for reviewer, reference in zip(reviewer_labels, reference_labels, strict=True)
        if not (_is_missing(reviewer) or _is_missing(reference))
    ]
    unknown = {label for pair in pairs for label in pair} - index.keys()
    if unknown:
        raise ValueError(f"labels not in `labels`: {sorted(map(repr, unknown))}")
    keys = np.array([index[ref] * len(index) + index[rev] for ref, rev in pairs], dtype=np.int64)
    return np.bincount(keys, minlength=len(index) ** 2).reshape(len(index), len(index))


# --- spans ---


def span_agreement(
    a: Sequence[Span],
    b: Sequence[Span],
    *,
    mode: Literal["overlap", "exact"] = "overlap",
    threshold: float = 0.5,
    unit: Literal["chars", "tokens"] = "chars",
    body: str | None = None,
) -> SpanScores | NotComputable:
    """Match B's spans to A's one-to-one, highest Jaccard first (FORMATS.md §6), and score B."""
    if mode not in ("overlap", "exact"):
        raise ValueError(f"unknown mode {mode!r}; expected overlap or exact")
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    for start, end in (*a, *b):
        if not 0 <= start < end:
            raise ValueError(f"span [{start}, {end}) must have 0 <= start < end")
    if unit == "tokens":
        if body is None:
            raise ValueError("token-level agreement needs the body")
        a, b = _token_intervals(a, body), _token_intervals(b, body)
    elif unit != "chars":
        raise ValueError(f"unknown unit {unit!r}; expected chars or tokens")
    # Exact is Jaccard 1: equal intervals in the chosen unit (equal start and end for chars).
    matched = _greedy_matches(a, b, 1.0 if mode == "exact" else threshold)
    return _span_scores(matched, len(a), len(b))


def pool_span_scores(scores: Iterable[SpanScores | NotComputable]) -> SpanScores | NotComputable:
    """Pooled (micro-averaged) span scores over articles; articles nobody marked add nothing."""
    counted = [score for score in scores if isinstance(score, SpanScores)]
    return _span_scores(
        sum(s.matched for s in counted), sum(s.n_a for s in counted), sum(s.n_b for s in counted)
    )


def _greedy_matches(a: Sequence[Span], b: Sequence[Span], threshold: float) -> int:
    """How many one-to-one pairs with Jaccard ≥ threshold, taking the highest Jaccard first."""
    if not a or not b:
        return 0
    starts_a, ends_a = np.array(a, dtype=np.int64).reshape(-1, 2).T
    starts_b, ends_b = np.array(b, dtype=np.int64).reshape(-1, 2).T
    inter = np.minimum(ends_a[:, None], ends_b) - np.maximum(starts_a[:, None], starts_b)
    inter = np.maximum(inter, 0)
    union = (ends_a - starts_a)[:, None] + (ends_b - starts_b) - inter
    jaccard = np.divide(inter, union, out=np.zeros(inter.shape), where=union > 0)
    rows, columns = np.nonzero(jaccard >= threshold)
    # Ties go to the earlier span of A, then of B, so the result never depends on sort stability.
    order = np.lexsort((columns, rows, -jaccard[rows, columns]))
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    for i, j in zip(rows[order].tolist(), columns[order].tolist(), strict=True):
        if i not in taken_a and j not in taken_b:
            taken_a.add(i)
            taken_b.add(j)
    return len(taken_a)


def _token_intervals(spans: Sequence[Span], body: str) -> list[Span]:
    """Each span as [first, last) indices of the whitespace tokens it touches."""
    tokens = [match.span() for match in re.finditer(r"\S+", body)]
    token_starts = [start for start, _ in tokens]
    token_ends = [end for _, end in tokens]
    # Tokens are contiguous, so the ones a span touches form an interval of token indices.
    return [
        (bisect.bisect_right(token_ends, start), bisect.bisect_left(token_starts, end))
        for start, end in spans
    ]


def _span_scores(matched: int, n_a: int, n_b: int) -> SpanScores | NotComputable:
    """Precision, recall and F1 from counts; an empty side scores 0 (nothing of it can match)."""
    if n_a == 0 and n_b == 0:
        return NotComputable("neither reviewer marked a span")
    precision = matched / n_b if n_b else 0.0
    recall = matched / n_a if n_a else 0.0
    return SpanScores(precision, recall, 2 * matched / (n_a + n_b), matched, n_a, n_b)


# --- helpers ---


def _as_matrix(matrix: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The matrix as 2-D floats; NaN is missing, infinities are malformed."""
    array = np.asarray(matrix, dtype=float)
    if array.ndim != 2:
        raise ValueError("a reliability matrix is 2-D: reviewers × units")
    if np.isinf(array).any():
        raise ValueError("ratings must be finite numbers or NaN")
    return array


def _is_missing(value: object) -> bool:
    """None or a float NaN: a reviewer who gave no value, never a category of its own."""
    return value is None or (isinstance(value, float) and value != value)


def _ordered_values(
    observed: Iterable[Hashable], value_order: Sequence[Hashable] | None
) -> tuple[Hashable, ...]:
    """The given order, else the observed values sorted (first-seen order if they don't sort)."""
    if value_order is not None:
        if len(set(value_order)) != len(value_order):
            raise ValueError("value_order lists a value twice")
        return tuple(value_order)
    distinct = list(dict.fromkeys(observed))
    try:
        return tuple(sorted(distinct))  # type: ignore[type-var]
    except TypeError:
        return tuple(distinct)
