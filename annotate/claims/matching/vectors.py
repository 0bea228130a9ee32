"""Exact nearest-neighbour search over a project's claim vectors, in numpy.

A project's vectors are loaded with one query and kept per process, checked on every search by
one aggregate query (count, newest id and time): a vector stored, replaced or deleted anywhere
reloads them. Exact search is a matrix product: README ("Vectors") has its cost at 10,000 to
300,000 claims and where an index library (usearch) would take over.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max

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
_cache: OrderedDict[tuple[int, str], tuple[tuple, ProjectVectors]] = OrderedDict()


def project_vectors(*, project_id: int, model: str, dimension: int) -> ProjectVectors:
    """The project's vectors of this model (stale texts excluded: services delete those)."""
    rows = ClaimVector.objects.filter(project_id=project_id, model=model).order_by()
    stamp = rows.aggregate(count=Count("pk"), newest=Max("computed_at"))
    token = (stamp["count"], stamp["newest"])
    key = (project_id, model)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == token:
            _cache.move_to_end(key)
            return cached[1]
    loaded = rows.order_by("claim_id").values_list("claim_id", "vector")
    ids, vectors = [], []
    for claim_id, raw in loaded.iterator(chunk_size=2000):
        ids.append(claim_id)
        vectors.append(from_bytes(raw, dimension))
    matrix = np.vstack(vectors) if vectors else np.zeros((0, dimension), dtype=np.float32)
    found = ProjectVectors(claim_ids=np.asarray(ids, dtype=np.int64), matrix=matrix)
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
