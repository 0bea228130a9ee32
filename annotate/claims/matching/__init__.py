"""Lexical matching: which claims of a project a text may be (issue 15, stage 1).

The database retrieves a pool of candidates with its own text search (PostgreSQL: full-text
search in the text's language; SQLite: FTS5 with bm25); `text.pair_score` then scores
every candidate of the pool, the same on both databases, so thresholds mean the same everywhere.
The embedding stage adds the nearest claims by sentence embedding to the pool and a cosine to
every candidate with a stored vector; `fusion.fused_score` makes one score of both. The lexical
stage alone answers while vectors are missing (a claim just founded, before its job ran) or the
encoder is (embeddings.encoder() is None).
"""

import re
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from annotate.claims import embeddings
from annotate.claims.matching import postgres, sqlite
from annotate.claims.matching.fusion import cross_lingual, fused_score
from annotate.claims.matching.text import (
    STOP_WORDS,
    PairScore,
    fold,
    numbers,
    pair_score,
    word_count,
)
from annotate.claims.matching.vectors import ProjectVectors, project_vectors, vectors_drop
from annotate.claims.models import Claim
from annotate.projects.models import Project
from corpus.search import search_config_for

__all__ = [
    "AUTOLINK_MIN_WORDS",
    "POOL_SIZE",
    "Candidate",
    "claim_candidates",
    "claim_pair_score",
    "fold",
    "numbers",
    "pair_score",
    "search_config_for",
    "word_count",
]

POOL_SIZE = 50  # candidates the database hands to pair_score
VECTOR_POOL_SIZE = 50  # and the nearest claims by embedding
# Meedan Check's rule: short texts are too ambiguous to link without a person (issue 15).
AUTOLINK_MIN_WORDS = 9


@dataclass(frozen=True, slots=True)
class Candidate:
    """A claim that a text may state: its 0..1 score, the stage scores and why."""

    claim: Claim
    score: float
    stages: dict[str, float] = field(default_factory=dict)
    why: dict[str, list[str]] = field(default_factory=dict)


def query_terms(text: str) -> list[str]:
    """The words a database search is asked for: content words (accents kept, the databases
    fold them their own way), decimals ("3.5") and the digit runs of numbers ("100" of "100,000":
    PostgreSQL's parser and FTS5 both split a grouped number, so "100000" is no token)."""
    terms = dict.fromkeys(
        word
        for word in re.findall(r"\w+", text.casefold())
        if len(word) > 1 and not word.isdigit() and fold(word) not in STOP_WORDS
    )
    terms.update(dict.fromkeys(number for number in numbers(text) if "." in number))
    terms.update(dict.fromkeys(run for run in re.findall(r"\d+", text) if run.strip("0")))
    return list(terms)


def _scored(
    claim: Claim,
    lexical: PairScore,
    similarity: float | None,
    *,
    language: str,
    extra: dict[str, float] | None = None,
) -> "Candidate":
    """A candidate with its fused score, its stage scores (`score` is the fused one) and why."""
    across = cross_lingual(language, claim.language)
    score = fused_score(lexical, similarity, across_languages=across)
    stages = lexical.stages() | {"score": score, "lexical": lexical.score}
    why = lexical.why() | {"similar_meaning": []}
    if similarity is not None:
        stages["vector"] = round(similarity, 4)
        why["similar_meaning"] = [f"{similarity:.2f}" + (" across languages" if across else "")]
    return Candidate(claim, score, stages | (extra or {}), why)


def _vector_stage(project_id: int, text: str) -> tuple[ProjectVectors | None, np.ndarray | None]:
    """The project's claim vectors and the text's, or (None, None) without an encoder, without
    any vector in the project, or while this process reads them (the text is then not even
    embedded)."""
    encoder = embeddings.encoder()
    if encoder is None:
        return None, None
    vectors = project_vectors(
        project_id=project_id, model=encoder.name, dimension=encoder.dimension
    )
    if vectors is None or not len(vectors.claim_ids):
        return None, None
    return vectors, encoder.encode([text])[0]


def claim_candidates(
    *, project: Project, text: str, language: str, limit: int = 10, exclude: set[int] = frozenset()
) -> list[Candidate]:
    """The project's claims most like `text`, best first (ties by claim id), with scores."""
    if limit < 1 or not text.strip():
        return []
    terms = query_terms(text)
    pool: dict[int, float] = {}
    if terms and connection.vendor == "postgresql":
        pool = postgres.claim_pool(
            project_id=project.pk,
            terms=terms,
            config=search_config_for(language),
            size=POOL_SIZE,
        )
    elif terms:
        pool = sqlite.claim_pool(project_id=project.pk, terms=terms, size=POOL_SIZE)
    vectors, query = _vector_stage(project.pk, text)
    nearest = vectors.nearest(query, VECTOR_POOL_SIZE) if vectors is not None else {}
    if not pool and not nearest:
        return []
    claims = list(Claim.objects.filter(pk__in=[*pool, *nearest]).exclude(pk__in=exclude).order_by())
    if vectors is not None:
        # Nearest claims that no longer exist were deleted (or merged) with their vectors.
        gone = set(nearest) - set(exclude) - {claim.pk for claim in claims}
        vectors_drop(project_id=project.pk, model=embeddings.model_name(), claim_ids=gone)
    candidates = []
    for claim in claims:
        similarity = nearest.get(claim.pk)
        if similarity is None and vectors is not None:
            similarity = vectors.similarity(claim.pk, query)
        extra = {"rank": round(pool[claim.pk], 4)} if claim.pk in pool else {"rank": 0.0}
        candidates.append(
            _scored(claim, pair_score(text, claim.text), similarity, language=language, extra=extra)
        )
    candidates.sort(key=lambda candidate: (-candidate.score, candidate.claim.pk))
    return candidates[:limit]


def claim_pair_score(*, text: str, language: str, claim: Claim) -> Candidate:
    """One text against one claim, scored as claim_candidates would (its stored vector, if
    current)."""
    vectors, query = _vector_stage(claim.project_id, text)
    similarity = vectors.similarity(claim.pk, query) if vectors is not None else None
    return _scored(claim, pair_score(text, claim.text), similarity, language=language)
