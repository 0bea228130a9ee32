"""Ratings as input: reliability matrices, value counts and the checks every statistic shares.

A reliability matrix is reviewers × units of floats with NaN where a reviewer gave no value;
`reliability_matrix()` builds one from (unit, reviewer, value) triples.
"""

import numbers
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


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
    rated = {cell: value for cell, value in cells.items() if not is_missing(value)}
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
    array = as_matrix(matrix)
    rated = ~np.isnan(array)
    codes = array[rated]
    if ((codes < 0) | (codes >= n_values) | (codes != np.round(codes))).any():
        raise ValueError(f"value indices must be whole numbers in [0, {n_values})")
    keys = np.nonzero(rated)[1] * n_values + codes.astype(np.int64)
    counts = np.bincount(keys, minlength=array.shape[1] * n_values)
    return counts.reshape(array.shape[1], n_values)


def as_matrix(matrix: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The matrix as 2-D floats; NaN is missing, infinities are malformed."""
    array = np.asarray(matrix, dtype=float)
    if array.ndim != 2:
        raise ValueError("a reliability matrix is 2-D: reviewers × units")
    if np.isinf(array).any():
        raise ValueError("ratings must be finite numbers or NaN")
    return array


def is_missing(value: object) -> bool:
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
