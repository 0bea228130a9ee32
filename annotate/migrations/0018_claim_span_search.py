# Full-text search of claims (text and claimant) and of spans' quotes (corpus.search): the
# claims list, the claims API's `q` and the claims table's search.

from django.db import migrations

# PostgreSQL: claims are indexed by the very expression annotate.claims.selectors searches
# (corpus.search.search_vector; the wrappers come with corpus 0006): claims are written one by
# one. Spans are written by the ten thousand by dataset imports, so, as articles, they keep
# their vector (the quote in its article's language) in a column computed off that path
# (corpus.services.search_index), found by a plain scan until then (the partial index), and
# emptied by corpus 0006's trigger function when the quote changes.
PG_FORWARD = [
    "CREATE INDEX claim_text_search_idx ON annotate_claim USING gin (("
    "setweight(corpus_search_vector(search_config, text), 'A')"
    " || setweight(corpus_search_vector('simple', claimant), 'B')))",
    "ALTER TABLE annotate_span ADD COLUMN search_vector tsvector",
    "CREATE INDEX span_search_idx ON annotate_span USING gin (search_vector)"
    " WHERE search_vector IS NOT NULL",
    "CREATE INDEX span_unindexed_idx ON annotate_span (id) WHERE search_vector IS NULL",
    """CREATE TRIGGER annotate_span_search_reset BEFORE UPDATE ON annotate_span
       FOR EACH ROW WHEN (OLD.quote IS DISTINCT FROM NEW.quote)
       EXECUTE FUNCTION corpus_article_search_reset()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS annotate_span_search_reset ON annotate_span",
    "ALTER TABLE annotate_span DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS claim_text_search_idx",
]


def _fts(table: str, source: str, columns: list[str]) -> tuple[list[str], list[str]]:
    """An FTS5 index of `columns` of `source` (external content), kept in step by triggers."""
    names = ", ".join(columns)
    new = ", ".join(["new.id", *(f"new.{column}" for column in columns)])
    old = ", ".join(["'delete'", "old.id", *(f"old.{column}" for column in columns)])
    forward = [
        f"""CREATE VIRTUAL TABLE {table} USING fts5({names}, content='{source}',
            content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER {table}_insert AFTER INSERT ON {source} BEGIN
            INSERT INTO {table}(rowid, {names}) VALUES ({new}); END""",
        f"""CREATE TRIGGER {table}_delete AFTER DELETE ON {source} BEGIN
            INSERT INTO {table}({table}, rowid, {names}) VALUES ({old}); END""",
        f"""CREATE TRIGGER {table}_update AFTER UPDATE OF {names} ON {source} BEGIN
            INSERT INTO {table}({table}, rowid, {names}) VALUES ({old});
            INSERT INTO {table}(rowid, {names}) VALUES ({new}); END""",
        f"INSERT INTO {table}({table}) VALUES ('rebuild')",
    ]
    backward = [
        f"DROP TRIGGER IF EXISTS {table}_update",
        f"DROP TRIGGER IF EXISTS {table}_delete",
        f"DROP TRIGGER IF EXISTS {table}_insert",
        f"DROP TABLE IF EXISTS {table}",
    ]
    return forward, backward


CLAIMS_FORWARD, CLAIMS_BACKWARD = _fts("annotate_claim_text_fts", "annotate_claim", ["text", "claimant"])
SPANS_FORWARD, SPANS_BACKWARD = _fts("annotate_span_quote_fts", "annotate_span", ["quote"])


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("annotate", "0017_claim_links_and_comments"),
        ("corpus", "0006_article_search"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": CLAIMS_FORWARD + SPANS_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SPANS_BACKWARD + CLAIMS_BACKWARD}),
        ),
    ]
