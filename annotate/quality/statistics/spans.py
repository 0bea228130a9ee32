"""Span agreement: one reviewer's marked spans against another's, as precision, recall and F1."""

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from annotate.quality.statistics.not_computable import NotComputable

Span = tuple[int, int]  # [start, end) in code points, or in tokens for unit="tokens"


@dataclass(frozen=True, slots=True)
class SpanScores:
    """Reviewer B's spans against A's: precision = matched/|B|, recall = matched/|A|."""

    precision: float
    recall: float
    f1: float
    matched: int
    n_a: int
    n_b: int


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
