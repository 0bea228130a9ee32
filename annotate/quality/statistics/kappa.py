"""Fleiss' and Cohen's kappa, and the confusion matrix of a reviewer against a reference."""

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from annotate.quality.statistics.not_computable import NotComputable
from annotate.quality.statistics.ratings import as_matrix, is_missing


@dataclass(frozen=True, slots=True)
class FleissKappa:
    """Fleiss' kappa and its parts: mean observed (P̄) and chance (P̄e) agreement, category shares."""

    p_bar: float
    p_e_bar: float
    kappa: float
    p_j: tuple[float, ...]


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
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (is_missing(x) or is_missing(y))]
    index = {label: i for i, label in enumerate(dict.fromkeys(itertools.chain(*pairs)))}
    first = np.array([index[x] for x, _ in pairs], dtype=np.int64)
    second = np.array([index[y] for _, y in pairs], dtype=np.int64)
    return _kappa(first, second, len(index))


def cohen_kappa_matrix(matrix: npt.ArrayLike) -> list[list[float | NotComputable]]:
    """Reviewers × reviewers Cohen's kappa over the units each pair shares; 1.0 on the diagonal."""
    array = as_matrix(matrix)
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
        if not (is_missing(reviewer) or is_missing(reference))
    ]
    unknown = {label for pair in pairs for label in pair} - index.keys()
    if unknown:
        raise ValueError(f"labels not in `labels`: {sorted(map(repr, unknown))}")
    keys = np.array([index[ref] * len(index) + index[rev] for ref, rev in pairs], dtype=np.int64)
    return np.bincount(keys, minlength=len(index) ** 2).reshape(len(index), len(index))
