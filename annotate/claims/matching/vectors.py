"""Exact nearest-neighbour search over a project's claim vectors, in numpy.

A project's vectors are kept per process, and every search first reads the project's
ClaimVectorStamp (one row by primary key): every transaction that stores or retires vectors takes
the stamp's next version under its row lock, so versions follow commit order, and a process that
holds the vectors up to version v needs only the rows of a higher version (stored since, or
retired by an edit of the claim's text). A vector deleted with its claim (deleted, merged) does
not move the stamp: the claims query of the search no longer finds its id, and claim_candidates
tells the cache to drop it (`vectors_drop`). Until then it can only take one of the 50 nearest
places, never be suggested.

The stamp replaced an aggregate over the project's vectors (their count and newest version) that
read every row: 140 ms a search at 300,000 claims (bench/claims.py). README ("Vectors at scale")
has the cost of exact search at 10,000 to 300,000 claims and where an index library would take
over.
"""

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from annotate.claims.embeddings import from_bytes
from annotate.claims.models import ClaimVector, ClaimVectorStamp

CACHED_PROJECTS = 8


@dataclass(frozen=True, slots=True)
class ProjectVectors:
    claim_ids: np.ndarray  # int64, ascending
    matrix: np.ndarray  # float32, one unit row per claim

    def nearest(self, query: np.ndarray, k: int) -> dict[int, float]:
        """{claim id: cosine} of the k most similar claims."""
        if not len(self.claim_ids) or k < 1:
            return {}
        similarities = self.matrix @ query
        k = min(k, len(similarities))
        top = np.argpartition(-similarities, k - 1)[:k]
        return {int(self.claim_ids[i]): float(similarities[i]) for i in top}

    def similarity(self, claim_id: int, query: np.ndarray) -> float | None:
        index = np.searchsorted(self.claim_ids, claim_id)
        if index < len(self.claim_ids) and self.claim_ids[index] == claim_id:
            return float(self.matrix[index] @ query)
        return None


_lock = threading.Lock()
# (project id, model) -> (the stamp's version the vectors are read up to, the vectors)
_cache: OrderedDict[tuple[int, str], tuple[int, ProjectVectors]] = OrderedDict()


def _read(rows, dimension: int, count: int) -> tuple[ProjectVectors, np.ndarray]:
    """The live vectors of `rows` (`count` of them, as counted just before), and the ids of the
    retired ones among them.

    The matrix is allocated once and filled row by row: stacking a list of rows held both, twice
    the vectors' memory at the peak of a process's first search (1.2 GB at 300,000 claims)."""
    matrix = np.empty((count, dimension), dtype=np.float32)
    ids = np.empty(count, dtype=np.int64)
    retired, filled = [], 0
    read = rows.order_by("claim_id").values_list("claim_id", "vector")
    for claim_id, raw in read.iterator(chunk_size=2000):
        if not len(raw):
            retired.append(claim_id)
            continue
        if filled == len(ids):  # more than counted (stored meanwhile): grow
            extra = max(64, len(ids))
            matrix = np.concatenate([matrix, np.empty((extra, dimension), dtype=np.float32)])
            ids = np.concatenate([ids, np.empty(extra, dtype=np.int64)])
        matrix[filled] = from_bytes(raw, dimension)
        ids[filled] = claim_id
        filled += 1
    if filled < len(ids):  # fewer (deleted meanwhile, or retired)
        matrix, ids = matrix[:filled].copy(), ids[:filled].copy()
    return ProjectVectors(claim_ids=ids, matrix=matrix), np.asarray(retired, dtype=np.int64)


def _merged(known: ProjectVectors, changed: ProjectVectors, retired: np.ndarray) -> ProjectVectors:
    """`known` without the retired ids, with the rows of `changed` replacing theirs or added;
    a new copy, since other threads may be searching `known`."""
    keep = ~np.isin(known.claim_ids, np.concatenate([retired, changed.claim_ids]))
    ids = np.concatenate([known.claim_ids[keep], changed.claim_ids])
    matrix = np.concatenate([known.matrix[keep], changed.matrix])
    order = np.argsort(ids, kind="stable")
    return ProjectVectors(claim_ids=ids[order], matrix=matrix[order])


def project_vectors(*, project_id: int, model: str, dimension: int) -> ProjectVectors:
    """The project's live vectors of this model."""
    version = (
        ClaimVectorStamp.objects.filter(project_id=project_id)
        .values_list("version", flat=True)
        .first()
    ) or 0
    key = (project_id, model)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            _cache.move_to_end(key)
            return cached[1]
    # Up to the version read: a transaction with a higher one may not have committed yet, and
    # its rows come with the next search.
    rows = ClaimVector.objects.filter(
        project_id=project_id, model=model, version__lte=version
    ).order_by()
    if cached is not None and version > cached[0]:
        changed = rows.filter(version__gt=cached[0])
        found = _merged(cached[1], *_read(changed, dimension, 0))
    else:  # first search here, or the stamp went back (a restored database)
        live = rows.exclude(text_sha256="")
        found, _ = _read(live, dimension, live.count())
    with _lock:
        _cache[key] = (version, found)
        _cache.move_to_end(key)
        while len(_cache) > CACHED_PROJECTS:
            _cache.popitem(last=False)
    return found


def vectors_drop(*, project_id: int, model: str, claim_ids: Collection[int]) -> None:
    """Drop the vectors of claims found deleted from the process's copy (no query)."""
    with _lock:
        cached = _cache.get((project_id, model))
        if cached is None or not claim_ids:
            return
        version, known = cached
        keep = ~np.isin(known.claim_ids, np.fromiter(claim_ids, dtype=np.int64))
        if not keep.all():
            kept = ProjectVectors(claim_ids=known.claim_ids[keep], matrix=known.matrix[keep])
            _cache[(project_id, model)] = (version, kept)


def vectors_forget() -> None:
    """Empty the per-process cache (tests)."""
    with _lock:
        _cache.clear()
