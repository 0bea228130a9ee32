"""Nearest-neighbour search over a project's claim vectors, in numpy: sign bits choose, float16
cosines rank (ProjectVectors).

A project's vectors are kept per process, and every search first reads the project's
ClaimVectorStamp (one row by primary key): every transaction that stores or retires vectors takes
the stamp's next version under its row lock, so versions follow commit order, and a process that
holds the vectors up to version v needs only the rows of a higher version (stored since, or
retired by an edit of the claim's text). A vector deleted with its claim (deleted, merged) does
not move the stamp: the claims query of the search no longer finds its id, and claim_candidates
tells the cache to drop it (`vectors_drop`). Until then it can only take one of the 50 nearest
places, never be suggested.

The stamp replaced an aggregate over the project's vectors (their count and newest version) that
read every row: 140 ms a search at 300,000 claims (bench/claims.py). README ("Vectors at scale"
and *Benchmarks*) has the cost of exact search at 10,000 to 300,000 claims and of this one.
"""

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from django.db import connection

from annotate.claims.embeddings import from_bytes
from annotate.claims.models import ClaimVector, ClaimVectorStamp

CACHED_PROJECTS = 8
# A process's first read of a project's vectors runs in the search up to this many; past it in a
# thread of its own, and searches meanwhile answer with the lexical stage alone: reading 300,000
# took 8 s on a quiet machine and 47 s under load (bench/claims.py), in the request that created
# a span.
LOAD_INLINE_MAX = 20_000


# How many claims the sign bits pick for the float16 vectors to rank (k times this, at least
# COARSE_MIN): see ProjectVectors.
COARSE_FACTOR = 40
COARSE_MIN = 2000


@dataclass(frozen=True, slots=True)
class ProjectVectors:
    """A project's vectors held twice, both smaller than the float32 they are stored as:

    - `matrix`: float16, one unit row per claim (cosines to about 0.001: 300 MB at 300,000);
    - `signs`: which side of the vectors' mean each of the 512 dimensions lies on, packed into
      64 bytes a vector (19 MB at 300,000).

    A search counts the differing signs (Hamming distance), takes the 2,000 closest and ranks
    those by their float16 cosine: over 300,000 vectors, half the time of exact float32 search
    on the same loaded machine, in half its memory (586 MB in every process), finding 0.98 of
    its top 50 (README, *Benchmarks*)."""

    claim_ids: np.ndarray  # int64, ascending
    matrix: np.ndarray  # float16, one unit row per claim
    signs: np.ndarray  # uint64, (claims, dimension / 64)
    center: np.ndarray  # float32, the mean the signs are taken against

    def nearest(self, query: np.ndarray, k: int) -> dict[int, float]:
        """{claim id: cosine} of the k most similar claims."""
        if not len(self.claim_ids) or k < 1:
            return {}
        coarse = max(k * COARSE_FACTOR, COARSE_MIN)
        if len(self.claim_ids) > coarse:
            differing = np.bitwise_count(self.signs ^ _signs(query[None, :], self.center))
            # Column by column: numpy's sum along a row of 8 was most of the search.
            distances = differing[:, 0].astype(np.uint16)
            for column in range(1, differing.shape[1]):
                distances += differing[:, column]
            picked = np.argpartition(distances, coarse - 1)[:coarse]
        else:
            picked = np.arange(len(self.claim_ids))
        similarities = self.matrix[picked].astype(np.float32) @ query
        k = min(k, len(similarities))
        top = np.argpartition(-similarities, k - 1)[:k]
        return {int(self.claim_ids[picked[i]]): float(similarities[i]) for i in top}

    def similarity(self, claim_id: int, query: np.ndarray) -> float | None:
        index = np.searchsorted(self.claim_ids, claim_id)
        if index < len(self.claim_ids) and self.claim_ids[index] == claim_id:
            return float(self.matrix[index].astype(np.float32) @ query)
        return None


def _signs(rows: np.ndarray, center: np.ndarray) -> np.ndarray:
    return np.packbits(rows.astype(np.float32) > center, axis=1).view(np.uint64)


def _vectors(claim_ids: np.ndarray, matrix: np.ndarray, center=None) -> ProjectVectors:
    """ProjectVectors of these rows, their signs taken against `center` (default: their mean),
    computed in slices so that no float32 copy of the whole matrix is made."""
    if center is None:
        center = (
            matrix.mean(axis=0, dtype=np.float32)
            if len(matrix)
            else np.zeros(matrix.shape[1], dtype=np.float32)
        )
    signs = np.empty((len(matrix), matrix.shape[1] // 64), dtype=np.uint64)
    for start in range(0, len(matrix), 50_000):
        signs[start : start + 50_000] = _signs(matrix[start : start + 50_000], center)
    return ProjectVectors(claim_ids=claim_ids, matrix=matrix, signs=signs, center=center)


_lock = threading.Lock()
# (project id, model) -> (the stamp's version the vectors are read up to, the vectors)
_cache: OrderedDict[tuple[int, str], tuple[int, ProjectVectors]] = OrderedDict()
# (project id, model) -> the thread reading them for the first time
_loading: dict[tuple[int, str], threading.Thread] = {}


def _read(rows, dimension: int, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ids and float16 matrix of the live vectors of `rows` (`count` of them, as counted just
    before), and the ids of the retired ones among them.

    The matrix is allocated once and filled row by row: stacking a list of rows held both, twice
    the vectors' memory at the peak of a process's first search (1.2 GB at 300,000 claims)."""
    # float32 rows become float16 as they are stored into the matrix
    matrix = np.empty((count, dimension), dtype=np.float16)
    ids = np.empty(count, dtype=np.int64)
    retired, filled = [], 0
    read = rows.order_by("claim_id").values_list("claim_id", "vector")
    for claim_id, raw in read.iterator(chunk_size=2000):
        if not len(raw):
            retired.append(claim_id)
            continue
        if filled == len(ids):  # more than counted (stored meanwhile): grow
            extra = max(64, len(ids))
            matrix = np.concatenate([matrix, np.empty((extra, dimension), dtype=np.float16)])
            ids = np.concatenate([ids, np.empty(extra, dtype=np.int64)])
        matrix[filled] = from_bytes(raw, dimension)
        ids[filled] = claim_id
        filled += 1
    if filled < len(ids):  # fewer (deleted meanwhile, or retired)
        matrix, ids = matrix[:filled].copy(), ids[:filled].copy()
    return ids, matrix, np.asarray(retired, dtype=np.int64)


def _merged(known: ProjectVectors, ids: np.ndarray, matrix: np.ndarray, retired: np.ndarray):
    """`known` without the retired ids, with these rows replacing theirs or added; a new copy,
    since other threads may be searching `known` (the signs against its center)."""
    keep = ~np.isin(known.claim_ids, np.concatenate([retired, ids]))
    added = _vectors(ids, matrix, known.center)
    all_ids = np.concatenate([known.claim_ids[keep], ids])
    order = np.argsort(all_ids, kind="stable")
    return ProjectVectors(
        claim_ids=all_ids[order],
        matrix=np.concatenate([known.matrix[keep], matrix])[order],
        signs=np.concatenate([known.signs[keep], added.signs])[order],
        center=known.center,
    )


def project_vectors(*, project_id: int, model: str, dimension: int) -> ProjectVectors | None:
    """The project's live vectors of this model; None while a thread reads a large project's
    for the first time in this process (the search is then lexical alone)."""
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
        if cached is None and key in _loading:
            return None
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
        count = live.count()
        if count > LOAD_INLINE_MAX:
            _load_in_background(key, version, live, dimension, count)
            return None
        ids, matrix, _ = _read(live, dimension, count)
        found = _vectors(ids, matrix)
    _keep(key, version, found)
    return found


def _keep(key: tuple[int, str], version: int, found: ProjectVectors) -> None:
    with _lock:
        _cache[key] = (version, found)
        _cache.move_to_end(key)
        while len(_cache) > CACHED_PROJECTS:
            _cache.popitem(last=False)


def _load_in_background(key: tuple[int, str], version: int, rows, dimension: int, count: int):
    """Read a project's vectors in a daemon thread (its own database connection), once."""

    def load() -> None:
        try:
            ids, matrix, _ = _read(rows, dimension, count)
            _keep(key, version, _vectors(ids, matrix))
        finally:
            with _lock:
                _loading.pop(key, None)
            connection.close()

    with _lock:
        if key in _loading:
            return
        _loading[key] = threading.Thread(target=load, name=f"claim-vectors-{key[0]}", daemon=True)
        _loading[key].start()


def vectors_wait() -> None:
    """Wait for the reads running in threads (tests, benchmarks)."""
    with _lock:
        threads = list(_loading.values())
    for thread in threads:
        thread.join()


def vectors_drop(*, project_id: int, model: str, claim_ids: Collection[int]) -> None:
    """Drop the vectors of claims found deleted from the process's copy (no query)."""
    with _lock:
        cached = _cache.get((project_id, model))
        if cached is None or not claim_ids:
            return
        version, known = cached
        keep = ~np.isin(known.claim_ids, np.fromiter(claim_ids, dtype=np.int64))
        if not keep.all():
            kept = ProjectVectors(
                claim_ids=known.claim_ids[keep],
                matrix=known.matrix[keep],
                signs=known.signs[keep],
                center=known.center,
            )
            _cache[(project_id, model)] = (version, kept)


def vectors_forget() -> None:
    """Empty the per-process cache (tests)."""
    with _lock:
        _cache.clear()
