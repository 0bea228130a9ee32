"""Lexical matching: which claims of a project a text may be (issue 15, stage 1).

The database retrieves a pool of candidates with its own text search (PostgreSQL: full-text
search in the text's language and pg_trgm; SQLite: FTS5 with bm25); `text.pair_score` then scores
every candidate of the pool, the same on both databases, so thresholds mean the same everywhere.
The embedding stage (a later slice) will add a score to fuse; the lexical stage alone answers
while it is missing.
"""

import re
from dataclasses import dataclass, field

from django.db import connection

from annotate.claims.matching import postgres, sqlite
from annotate.claims.matching.text import (
    STOP_WORDS,
    fold,
    numbers,
    pair_score,
    search_config_for,
    word_count,
)
from annotate.claims.models import Claim
from annotate.projects.models import Project

__all__ = [
    "AUTOLINK_MIN_WORDS",
    "POOL_SIZE",
    "Candidate",
    "claim_candidates",
    "fold",
    "numbers",
    "pair_score",
    "search_config_for",
    "word_count",
]

POOL_SIZE = 50  # candidates the database hands to pair_score
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


def claim_candidates(
    *, project: Project, text: str, language: str, limit: int = 10, exclude: set[int] = frozenset()
) -> list[Candidate]:
    """The project's claims most like `text`, best first (ties by claim id), with scores."""
    terms = query_terms(text)
    if not terms or limit < 1:
        return []
    if connection.vendor == "postgresql":
        pool = postgres.claim_pool(
            project_id=project.pk,
            text=text,
            terms=terms,
            config=search_config_for(language),
            size=POOL_SIZE,
        )
    else:
        pool = sqlite.claim_pool(project_id=project.pk, terms=terms, size=POOL_SIZE)
    claims = Claim.objects.filter(pk__in=pool).exclude(pk__in=exclude).order_by()
    candidates = []
    for claim in claims:
        scored = pair_score(text, claim.text)
        stages = scored.stages() | {"rank": round(pool[claim.pk], 4)}
        candidates.append(Candidate(claim, scored.score, stages, scored.why()))
    candidates.sort(key=lambda candidate: (-candidate.score, candidate.claim.pk))
    return candidates[:limit]
