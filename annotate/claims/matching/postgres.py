"""PostgreSQL's candidate pool: full-text search (OR of the text's lexemes, so a paraphrase
sharing some words still matches) in each claim's own language configuration, united with
pg_trgm similarity; both read GIN indexes (migration 0009)."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db.models import BooleanField, F, FloatField, Func, Q, Value
from django.db.models.functions import Coalesce

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
    """{claim id: database rank} of at most `size` claims of the project sharing lexemes or
    trigrams with the text, best ranked first."""
    query = SearchQuery(" or ".join(terms), config=config, search_type="websearch")
    similarity = Func(F("text"), Value(text), function="similarity", output_field=FloatField())
    rows = (
        Claim.objects.filter(project_id=project_id)
        .annotate(vector=_claim_vector(), trigram_match=_trigram_similar(text))
        .filter(Q(vector=query) | Q(trigram_match=True))
        .annotate(rank=Coalesce(SearchRank(F("vector"), query), 0.0) + similarity)
        .order_by("-rank", "pk")
        .values_list("pk", "rank")[:size]
    )
    return dict(rows)
