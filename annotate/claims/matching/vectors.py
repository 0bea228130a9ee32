"""Exact nearest-neighbour search over a project's claim vectors, in numpy.

A project's vectors are kept per process and checked on every search by one aggregate query
(count of live vectors and newest version, `ClaimVector.version`, which follows commit order):
when vectors were stored or retired (a claim's text edited) since, only those rows are read and
merged; when the count then disagrees (a vector deleted with its claim), all are read again.
README ("Vectors at scale") has the cost of exact search at 10,000 to 300,000 claims and where an
index library (usearch) would take over.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max, Q

from annotate.claims.embeddings import from_bytes
from annotate.claims.models import ClaimVector

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
_cache: OrderedDict[tuple[int, str], tuple[tuple[int, int], ProjectVectors]] = OrderedDict()


def _read(rows, dimension: int) -> tuple[ProjectVectors, np.ndarray]:
    """The live vectors of `rows`, and the ids of the retired ones among them."""
    ids, vectors, retired = [], [], []
    read = rows.order_by("claim_id").values_list("claim_id", "vector")
    for claim_id, raw in read.iterator(chunk_size=2000):
        if len(raw):
            ids.append(claim_id)
            vectors.append(from_bytes(raw, dimension))
        else:
            retired.append(claim_id)
    matrix = np.vstack(vectors) if vectors else np.zeros((0, dimension), dtype=np.float32)
    live = ProjectVectors(claim_ids=np.asarray(ids, dtype=np.int64), matrix=matrix)
    return live, np.asarray(retired, dtype=np.int64)


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
    rows = ClaimVector.objects.filter(project_id=project_id, model=model).order_by()
    stamp = rows.aggregate(count=Count("pk", filter=~Q(text_sha256="")), newest=Max("version"))
    token = (stamp["count"], stamp["newest"] or 0)
    key = (project_id, model)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == token:
        with _lock:
            _cache.move_to_end(key)
        return cached[1]
    found = None
    if cached is not None and token[1] >= cached[0][1]:
        changed, retired = _read(rows.filter(version__gt=cached[0][1]), dimension)
        found = _merged(cached[1], changed, retired)
        if len(found.claim_ids) != token[0]:
            found = None  # a vector was deleted (with its claim), or stored meanwhile
    if found is None:
        found, _ = _read(rows, dimension)
        token = (len(found.claim_ids), token[1])
    with _lock:
        _cache[key] = (token, found)
        _cache.move_to_end(key)
        while len(_cache) > CACHED_PROJECTS:
            _cache.popitem(last=False)
    return found


def vectors_forget() -> None:
    """Empty the per-process cache (tests)."""
    with _lock:
        _cache.clear()
