"""Krippendorff's alpha at four levels of measurement, and percent agreement (FORMATS.md §5)."""

import numpy as np
import numpy.typing as npt

from annotate.quality.statistics.not_computable import NotComputable
from annotate.quality.statistics.ratings import LEVELS, Level, as_matrix


def krippendorff_alpha(matrix: npt.ArrayLike, level: Level) -> float | NotComputable:
    """Krippendorff's alpha of a reviewers × units matrix (NaN = missing) at a measurement level."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    array = as_matrix(matrix)
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
    pairable = _pairable_counts(as_matrix(matrix))
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
