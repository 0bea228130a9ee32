"""Full-text search (issue 15): ranked, accent-insensitive, in each text's language where the
database has one. Articles are searched here; annotate searches its claims and quotes with the
same pieces (`TextIndex`, `text_search`, `StoredVectors`).

PostgreSQL: tsvectors over unaccented text (`corpus_search_vector(config, text)`, migration
corpus 0006) in the language's configuration (`search_config_for`). The query is read in the
websearch syntax ("quoted phrases", `or`, `-word`, `websearch_terms`); a query has no language
of its own, so each term is parsed in every configuration the searched vectors can be in (for
articles and quotes, those of `corpus_search_config`, which search_index keeps; for claims, all)
and its distinct forms are OR'ed: each text then matches in its own language ("elecciones"
finds the Spanish article's stem "eleccion", the English stemmer's "running" finds "run").
Ranked by ts_rank_cd (weights A > B > C > D). Articles and quotes keep theirs in a column,
`search_vector`, computed off the write path (`corpus.services.search_index`); until then a row
is found by a plain scan of its text. Claims are indexed by expression (written one at a time,
they can afford it).

No prefix or trigram fallback for partial words on PostgreSQL: stemming already matches the
inflections people type, and matching fragments of 1,000,000 bodies would need a trigram index
several times the size of the full-text one while ranking fragments poorly.

SQLite (the embedded default): FTS5 tables (unicode61, diacritics removed) kept in step by
triggers, ranked by bm25 with per-column weights; the websearch syntax is translated to FTS5's,
and bare words match as prefixes ("talk" finds "talks"), FTS5 having no stemmer but English's.
"""

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db import connection, transaction
from django.db.models import BooleanField, Expression, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

logger = logging.getLogger(__name__)

# The longest query a search door accepts (a 400 beyond): longer ones are pastes, not searches,
# and every word costs a parse in each configuration.
SEARCH_MAX_CHARS = 500

# ISO 639-1 (the primary subtag of a BCP 47 tag) -> PostgreSQL's built-in text search config.
SEARCH_CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}


def search_config_for(language: str) -> str:
    """PostgreSQL's text search configuration for a BCP 47 tag; `simple` (no stemming, no stop
    words) for languages it has none for."""
    primary = (language or "").split("-")[0].split("_")[0].casefold()
    return SEARCH_CONFIGS.get(primary, "simple")


# Every configuration a vector can be in: those of SEARCH_CONFIGS and `simple`.
QUERY_CONFIGS = sorted({*SEARCH_CONFIGS.values(), "simple"})
# PostgreSQL: the configurations stored vectors are in (migration corpus 0007), and `simple`,
# so that a query always has a parse.
STORED_CONFIGS_SQL = (
    "ARRAY(SELECT name::regconfig FROM corpus_search_config UNION SELECT 'simple'::regconfig)"
)
# Noting a configuration a vector is stored in (search_index, in the vector's transaction).
STORED_CONFIG_NOTE_SQL = (
    "INSERT INTO corpus_search_config (name) VALUES (%s) ON CONFLICT DO NOTHING"
)


@dataclass(frozen=True, slots=True)
class TextIndex:
    """Where one table's searchable text is indexed, on each database."""

    # SQLite: the FTS5 table whose rowid is the row's pk, and the bm25 weight of each column.
    fts_table: str
    fts_weights: tuple[float, ...]
    # PostgreSQL: the row's tsvector, spelled as its index is (the planner matches it).
    vector: Callable[[], Expression]
    # PostgreSQL, a vector filled later (articles): rows whose vector is still NULL are found
    # by these fields containing every word, and ranked last.
    unindexed_fields: tuple[str, ...] = ()
    # PostgreSQL, a large table (articles) whose vector is its `search_vector` column: at most
    # this many matches (the first found) are ranked and counted, so that a common word costs
    # about what a rare one does (_first_matches).
    ranked_at_most: int | None = None
    # PostgreSQL, vectors stored by search_index (StoredVectors): the query is parsed only in
    # the configurations they are in. A word parsed in all 30 brought forms of languages the
    # corpus does not hold ("said" also as Indonesian "saidi"): more index lists to read, and
    # frequencies the planner misjudged.
    stored_configs: bool = False


def text_search(queryset: QuerySet, *, text: str, index: TextIndex) -> QuerySet:
    """The rows of `queryset` matching `text` (websearch syntax), each with `search_rank`
    (higher is better; order by it, the caller knows its tie-breakers). Blank text: all rows,
    unranked."""
    if not text.strip():
        return queryset
    match = fts_query(text)
    if match is None:  # no word to find: nothing, rather than every row (`-word` alone)
        return queryset.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
    if connection.vendor == "postgresql":
        return _postgres_search(queryset, text, index)
    # Table names and weights are this module's constants; the query is a parameter.
    table = index.fts_table
    weights = ", ".join(str(weight) for weight in index.fts_weights)
    rank = Func(
        Value(match),
        F("pk"),
        template=f"(SELECT -bm25({table}, {weights}) FROM {table} WHERE {table} MATCH "  # noqa: S608
        "%(expressions)s)",
        arg_joiner=f" AND {table}.rowid = ",
        output_field=FloatField(),
    )
    matching = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [match])  # noqa: S608, S611
    return queryset.filter(pk__in=matching).annotate(search_rank=rank)


def _postgres_search(queryset: QuerySet, text: str, index: TextIndex) -> QuerySet:
    if (query_text := websearch_query(text, stored_configs=index.stored_configs)) is None:
        return queryset.none().annotate(search_rank=Value(0.0, output_field=FloatField()))
    vector = index.vector()
    query = Func(Value(query_text), template="%(expressions)s::tsquery",
                 output_field=SearchQueryField())  # fmt: skip
    matches = Func(
        vector, query, template="%(expressions)s", arg_joiner=" @@ ", output_field=BooleanField()
    )
    rank = Func(vector, query, function="ts_rank_cd", output_field=FloatField())
    found = queryset.alias(search_match=matches)
    condition = Q(search_match=True)
    if index.unindexed_fields:
        # Each group: one of its terms, every word of it in one of the fields (no exclusions).
        unindexed = Q(search_vector_null=True)
        for group in websearch_terms(text)[0]:
            either = Q()
            for term in group:
                every = Q()
                for word in term.words:
                    every &= _any_contains(index.unindexed_fields, word)
                either |= every
            unindexed &= either
        found = found.alias(
            search_vector_null=Func(
                vector, template="%(expressions)s IS NULL", output_field=BooleanField()
            )
        )
        condition |= unindexed
    found = found.filter(condition)
    if index.ranked_at_most is not None:
        some = _first_matches(found, text, query_text, index.ranked_at_most)
        found = queryset.filter(pk__in=some)
    return found.annotate(search_rank=Coalesce(rank, 0.0))


def _first_matches(found: QuerySet, text: str, query_text: str, at_most: int) -> list[int]:
    """The ids of the first `at_most` rows of `found` the database meets, in no order. Fetched
    once: the pager's count and its page then read these ids rather than each searching again.

    Which way to read is chosen here, not by the planner: with a LIMIT it misjudged both ways.
    Asking for the newest made it fetch and sort every match of a word it thought rare (12 s
    for one in 80 % of 1,000,000 articles). Words to AND it thinks common because it multiplies
    their frequencies as if independent: "law país" (0 articles, estimated 6 %) read all
    1,000,000 rows (2 s), where the GIN index intersects their lists in 14 ms. And a phrase of
    common words ("país año", 0.65 %) it read through the index (83 ms: 215,000 entries to
    recheck for 200 matches) where reading the table finds them in 26 ms. So: words to AND, and
    anything PostgreSQL's statistics call rare, read the index; one word or phrase they call
    common (the first `at_most` matches lie within SCAN_ROWS rows) reads the table."""
    first = found.order_by().values_list("pk", flat=True)[:at_most]
    table = found.model._meta.db_table
    if (
        len(websearch_terms(text)[0]) < 2
        and _share_estimate(table, query_text) * SCAN_ROWS >= at_most
    ):
        avoid = "enable_bitmapscan"  # GIN has no other way in: the table is read
    else:
        avoid = "enable_seqscan"
    with transaction.atomic(), connection.cursor() as cursor:
        # For this transaction only; work_mem: an exact bitmap (not lossy pages rechecked row by
        # row) for a few hundred thousand ids.
        cursor.execute(
            "SELECT set_config(%s, 'off', true), set_config('work_mem', '32MB', true)", [avoid]
        )
        return list(first)


# A word or phrase found in at least one of this many rows is read from the table.
SCAN_ROWS = 20_000


def _share_estimate(table: str, query_text: str) -> float:
    """PostgreSQL's estimate of the share of `table`'s rows whose vector matches, from its
    statistics (no row is read)."""
    with connection.cursor() as cursor:
        # `table` is a model's table name, the query a parameter.
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE search_vector @@ %s::tsquery"  # noqa: S608
            f" UNION ALL SELECT 1 FROM {table}",
            [query_text],
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    matching, every = (child["Plan Rows"] for child in plan[0]["Plan"]["Plans"])
    return matching / max(every, 1)


def _any_contains(fields: tuple[str, ...], word: str) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": word})
    return condition


def websearch_query(text: str, *, stored_configs: bool = False) -> str | None:
    """PostgreSQL: the tsquery of `text` in the websearch syntax, as text; None if every word
    asked for is a stop word. Each term is unaccented and parsed in every configuration (or
    in those stored vectors are in, `stored_configs`), its
    distinct forms OR'ed; then the groups AND'ed and the exclusions negated across all forms
    (negating one configuration's form alone would let another's through).

    Computed by a query of its own, so that the search's query holds it as a constant: the
    planner then reads the words' frequencies to choose between the GIN index (rare words) and
    walking the newest rows (common ones). Built in the search's query itself, a word repeated
    in 29 configurations looked 29 times as common and rare words walked the whole table."""
    groups, excluded = websearch_terms(text)
    params: list = []

    def forms(term: Term) -> str:
        parse = "phraseto_tsquery" if term.phrase else "plainto_tsquery"
        if stored_configs:
            configs = STORED_CONFIGS_SQL
        else:
            configs = "%s::regconfig[]"
            params.append(QUERY_CONFIGS)
        params.append(" ".join(term.words))
        # `parse` is one of two function names, `configs` one of two constant expressions; the
        # configurations and the words are parameters.
        return (
            "(SELECT string_agg(DISTINCT '(' || query::text || ')', ' | ')"  # noqa: S608
            f" FROM unnest({configs}) AS config, {parse}(config, corpus_unaccent(%s))"
            " AS query WHERE numnode(query) > 0)"
        )

    wanted = ", ".join(
        f"'(' || NULLIF(concat_ws(' | ', {', '.join(map(forms, group))}), '') || ')'"
        for group in groups
    )
    sql = f"NULLIF(concat_ws(' & ', {wanted}), '')"
    if excluded:
        unwanted = ", ".join(f"'!(' || {forms(term)} || ')'" for term in excluded)
        sql += f" || coalesce(' & ' || NULLIF(concat_ws(' & ', {unwanted}), ''), '')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


def search_vector(config: Expression | str, text: Expression, weight: str = "") -> Func:
    """PostgreSQL: corpus_search_vector(config, text), weighted if `weight` (A..D) is given, as
    an index expression spells it (a str config is written as a literal)."""
    if isinstance(config, str):
        expressions, inner = [text], f"corpus_search_vector('{config}', %(expressions)s)"
    else:
        expressions, inner = [config, text], "corpus_search_vector(%(expressions)s)"
    template = f"setweight({inner}, '{weight}')" if weight else inner
    return Func(*expressions, template=template, output_field=SearchVectorField())


class TableColumn(Expression):
    """A column of the queryset's own table that the model does not declare (so that Django
    neither reads nor writes it): Article's `search_vector`, filled by the database."""

    def __init__(self, column: str, output_field) -> None:
        super().__init__(output_field=output_field)
        self.column = column

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{alias}.{connection.ops.quote_name(self.column)}", []


ARTICLE_INDEX = TextIndex(
    fts_table="corpus_article_fts",  # title, subtitle, publisher, body
    fts_weights=(10.0, 4.0, 4.0, 1.0),
    vector=lambda: TableColumn("search_vector", SearchVectorField()),
    unindexed_fields=("title", "subtitle", "publisher", "body"),
    ranked_at_most=200,
    stored_configs=True,
)


@dataclass(frozen=True, slots=True)
class StoredVectors:
    """A table whose rows keep their search vector in a column, `search_vector`, computed off
    the write path (corpus.services.search_index) and emptied by a trigger when the text
    changes."""

    label: str  # for people: "articles"
    table: str
    # id and language of up to %s rows whose vector is NULL, locked FOR UPDATE SKIP LOCKED.
    rows_sql: str
    # A row's vector, %(config)s standing for the configuration's name as a literal.
    vector_sql: str


ARTICLE_VECTORS = StoredVectors(
    label="articles",
    table="corpus_article",
    rows_sql="SELECT id, language FROM corpus_article WHERE search_vector IS NULL"
    " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
    # Title A, subtitle and publisher B, body C, in the article's configuration.
    vector_sql="setweight(corpus_search_vector(%(config)s, title), 'A')"
    " || setweight(corpus_search_vector(%(config)s, subtitle || ' ' || publisher), 'B')"
    " || setweight(corpus_search_vector(%(config)s, body), 'C')",
)
# Upper layers add theirs (annotate: quotes) from their AppConfig.ready.
STORED_VECTORS: list[StoredVectors] = [ARTICLE_VECTORS]


def register_stored_vectors(stored: StoredVectors) -> None:
    """Have search_index fill `stored` too (once, however often called)."""
    if stored not in STORED_VECTORS:
        STORED_VECTORS.append(stored)


# Letters and digits as FTS5's unicode61 tokenizer splits them (underscore separates).
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class Term:
    """A word, or words in a row: a "quoted phrase", or a bare word punctuation splits."""

    words: tuple[str, ...]
    phrase: bool


def websearch_terms(text: str) -> tuple[list[list[Term]], list[Term]]:
    """The websearch syntax, as websearch_to_tsquery reads it: groups of terms to AND, each
    a term or terms joined by `or`, and the terms excluded by a leading `-`. Anything else is
    a word (no operator of FTS5 or tsquery survives: only letters and digits are kept)."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for negated, phrase, bare in _TOKEN.findall(text):
        if bare and bare.casefold() == "or" and groups:
            join_next = True
            continue
        words = tuple(_WORD.findall(bare or phrase))
        if not words:
            continue
        term = Term(words, phrase=not bare)
        if negated or bare.startswith("-"):
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return groups, excluded


def fts_query(text: str) -> str | None:
    """SQLite: the websearch syntax as an FTS5 query, every word quoted (never read as FTS5's
    syntax) and bare words matched as prefixes; None when no word is asked for (an exclusion
    alone would match every row)."""
    groups, excluded = websearch_terms(text)
    if not groups:
        return None

    def fts(term: Term) -> str:
        if term.phrase:
            return '"' + " ".join(term.words) + '"'
        prefixes = " ".join(f'"{word}"*' for word in term.words)
        return f"({prefixes})" if len(term.words) > 1 else prefixes

    query = " AND ".join(
        f"({' OR '.join(map(fts, group))})" if len(group) > 1 else fts(group[0]) for group in groups
    )
    for term in excluded:
        query = f"({query}) NOT {fts(term)}"
    return query
