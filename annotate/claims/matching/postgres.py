"""PostgreSQL's candidate pool: full-text search in each claim's own language configuration, on
the stored `annotate_claim.search_vector` and its GIN index (migration 0016).

The query asks for any three of the text's longest lexemes ((a & b & c) | ...), topped up with
any two when that finds fewer than the pool's size, and any one only when no claim shares two
(a short or misspelt text). A paraphrase shares a few words, rarely one alone, and one common
word ("percent", "government") alone would match most claims of a project, which then all get
ranked (10,000 synthetic claims: 400 ms per span with any one term against 20 ms with two). In a
large project two common words still match thousands of claims (13,500 of 300,000 in
bench/claims.py, each read and ranked), while the claims sharing three are the best ranked of
those anyway: three first bounds the work where it grows.

The lexemes are the text's terms parsed by the configuration first, in the same statement:
pairing the raw words let a stop word of the language ("que", "fueron") vanish from its pair and
leave one common word alone in the query, which matched 42,000 of 300,000 claims.

No pg_trgm pool any more: `text % query` cannot be answered from its GIN index for a sentence of
ordinary words (every common trigram's posting list is read, then each candidate rechecked):
2.3 s a span over 300,000 claims, 20 s when the planner scanned the project instead. Trigram
similarity still scores every candidate (text.pair_score), and near wordings the words miss
come from the embedding stage's pool.
"""

from django.db import connection

# The rarest lexemes only (28 pairs, 56 triples at most), with shorter posting lists to intersect
# (12 terms, 66 pairs: 60 ms a query over 10,000 claims; 8: README).
MAX_TERMS = 8
# A lexeme in more than this share of all claims (PostgreSQL's own statistics of the column,
# pg_stats.most_common_elems, kept by ANALYZE) is left out unless the text has fewer than three
# others: a stop word of this corpus ("said", "according", a wording many claims share). Rarity
# is that share (a lexeme not listed is rare), then the length: without statistics (a new or small
# table), the longest lexemes.
COMMON_SHARE = 0.01

# Lexemes are quoted for tsquery's input ('' for a quote, \\ for a backslash), so nothing in a
# text is read as tsquery syntax.
_POOL = r"""
WITH common AS (
    SELECT stats.lexeme, stats.share
    FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs)
        AS stats(lexeme, share)
    WHERE schemaname = current_schema()
      AND tablename = 'annotate_claim'
      AND attname = 'search_vector'
), ranked AS (
    SELECT
        '''' || replace(replace(parsed.lexeme, '\', '\\'), '''', '''''') || '''' AS term,
        coalesce(common.share, 0) AS share,
        row_number() OVER (
            ORDER BY coalesce(common.share, 0), length(parsed.lexeme) DESC, parsed.lexeme
        ) AS n
    FROM unnest(to_tsvector(%(config)s::regconfig, %(terms)s)) AS parsed
    LEFT JOIN common ON common.lexeme = parsed.lexeme
), lexemes AS (
    SELECT term FROM ranked WHERE n <= %(most)s AND (share < %(common)s OR n <= 3)
), search AS (
    SELECT (CASE %(shared)s
        WHEN 3 THEN (
            SELECT string_agg('(' || a.term || ' & ' || b.term || ' & ' || c.term || ')', ' | ')
            FROM lexemes AS a
            JOIN lexemes AS b ON a.term < b.term
            JOIN lexemes AS c ON b.term < c.term
        )
        WHEN 2 THEN (
            SELECT string_agg('(' || a.term || ' & ' || b.term || ')', ' | ')
            FROM lexemes AS a JOIN lexemes AS b ON a.term < b.term
        )
        ELSE (SELECT string_agg(term, ' | ') FROM lexemes)
    END)::tsquery AS query
)
SELECT claim.id, ts_rank(claim.search_vector, search.query) AS rank
FROM search JOIN annotate_claim AS claim ON claim.search_vector @@ search.query
WHERE claim.project_id = %(project)s
ORDER BY rank DESC, claim.id
LIMIT %(size)s
"""


def claim_pool(*, project_id: int, terms: list[str], config: str, size: int) -> dict[int, float]:
    """{claim id: ts_rank} of at most `size` claims of the project: those sharing three of the
    text's lexemes (best rank first), topped up with those sharing two, or, when none shares
    two, those sharing one."""
    parameters = {
        "config": config,
        "terms": " ".join(terms),
        "most": MAX_TERMS,
        "common": COMMON_SHARE,
        "project": project_id,
        "size": size,
    }
    pool: dict[int, float] = {}
    with connection.cursor() as cursor:
        for shared in (3, 2, 1):
            if shared == 1 and pool:
                break
            cursor.execute(_POOL, {**parameters, "shared": shared})
            for pk, rank in cursor.fetchall():
                pool.setdefault(pk, rank)
            if len(pool) >= size:
                break
    return dict(list(pool.items())[:size])
