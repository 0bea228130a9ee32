"""PostgreSQL's candidate pool: full-text search in each claim's own language configuration,
united with pg_trgm similarity; both read GIN indexes (migration 0009).

The full-text query asks for any two of the text's terms ((a & b) | (a & c) | ...): a paraphrase
shares a few words, rarely one alone, and one common word ("percent", "government") alone
would match most claims of a project, which then all get ranked (10,000 synthetic claims: 400 ms
per span with any one term against 20 ms with two, the trigram pool unchanged).
"""

from itertools import combinations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db.models import BooleanField, F, FloatField, Func, Value

from annotate.claims.models import Claim


def _claim_vector() -> Func:
    # The very expression of the index claim_search_idx, so the planner can use it.
    return Func(
        F("search_config"),
        F("text"),
        function="annotate_claim_tsvector",
        output_field=SearchVectorField(),
    )


def _trigram_similar(text: str) -> Func:
    # `text % query`: pg_trgm's similarity above pg_trgm.similarity_threshold (0.3), indexable.
    return Func(
        F("text"),
        Value(text),
        template="%(expressions)s",
        arg_joiner=" %% ",
        output_field=BooleanField(),
    )


def claim_pool(
    *, project_id: int, text: str, terms: list[str], config: str, size: int
) -> dict[int, float]:
    """{claim id: database rank} of at most `size` claims of the project sharing two terms
    (best ts_rank first) and of at most `size` sharing trigrams (best similarity first).

    Two queries, not one with OR: each reads its own index (an OR of the two conditions was
    planned as a scan of the project's claims)."""
    claims = Claim.objects.filter(project_id=project_id)
    query = SearchQuery(_two_of(terms), config=config, search_type="raw")
    lexical = (
        claims.annotate(vector=_claim_vector())
        .filter(vector=query)
        .annotate(rank=SearchRank(F("vector"), query))
        .order_by("-rank", "pk")
        .values_list("pk", "rank")[:size]
    )
    similarity = Func(F("text"), Value(text), function="similarity", output_field=FloatField())
    trigram = (
        claims.annotate(trigram_match=_trigram_similar(text))
        .filter(trigram_match=True)
        .annotate(rank=similarity)
        .order_by("-rank", "pk")
        .values_list("pk", "rank")[:size]
    )
    pool: dict[int, float] = {}
    for pk, rank in [*lexical, *trigram]:
        pool[pk] = pool.get(pk, 0.0) + rank
    return pool


# The longest terms only (28 pairs at most): longer words are rarer, with shorter posting lists
# to intersect (12 terms, 66 pairs: 60 ms a query over 10,000 claims; 8: see README).
MAX_TERMS = 8


def _two_of(terms: list[str]) -> str:
    """A tsquery matching any two of the longest terms (the one term, if only one). Terms are
    \\w+ words, which hold none of tsquery's operators."""
    terms = sorted(terms, key=len, reverse=True)[:MAX_TERMS]
    if len(terms) == 1:
        return terms[0]
    return " | ".join(f"({left} & {right})" for left, right in combinations(terms, 2))
