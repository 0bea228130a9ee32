"""The in-process vector store: sign bits pick the candidates, float16 cosines rank them."""

import numpy as np
import pytest

from annotate.claims.matching import vectors


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def store(monkeypatch):
    monkeypatch.setattr(vectors, "COARSE_MIN", 60)  # 600 vectors: the sign bits choose
    rng = np.random.default_rng(15)
    matrix = _unit(rng.standard_normal((600, 512)) + 0.5)  # off-centre, as real embeddings are
    ids = np.arange(1000, 1600)
    return vectors._vectors(ids, matrix.astype(np.float16)), matrix, rng


def test_the_nearest_are_found_through_the_signs_with_their_cosines(store):
    found, matrix, rng = store
    for row in (7, 300, 599):
        query = _unit(matrix[row][None, :] + 0.02 * rng.standard_normal((1, 512)))[0]
        nearest = found.nearest(query, 5)
        exact = matrix @ query
        best = int(np.argmax(exact))
        assert best == row
        assert 1000 + best in nearest
        assert nearest[1000 + best] == pytest.approx(float(exact[best]), abs=1e-3)
        assert len(nearest) == 5


def test_similarity_and_memory(store):
    found, matrix, _ = store
    assert found.similarity(1007, matrix[7]) == pytest.approx(1, abs=1e-3)
    assert found.similarity(999, matrix[7]) is None
    # float16 and 64 bytes of signs a vector: about half of float32
    held = found.matrix.nbytes + found.signs.nbytes
    assert held < 0.6 * matrix.nbytes
