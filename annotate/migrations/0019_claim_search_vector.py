from django.db import migrations

# PostgreSQL: each claim's tsvector stored (a generated column, so every write through any door
# keeps it) and the full-text index on it instead of on the expression. Ranking the candidates
# (ts_rank) then reads the stored vector instead of parsing every matching claim's text again:
# 32 µs against 0.5-3 µs a row, which over the thousands of claims two common words match in a
# project of 300,000 was most of a suggestion's time (bench/claims.py). The column is not a model
# field: SQLite has no tsvector (its FTS5 table, migration 0012, plays the part), and only
# claims.matching.postgres reads it.
PG_FORWARD = [
    "ALTER TABLE annotate_claim ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (annotate_claim_tsvector(search_config, text)) STORED",
    "CREATE INDEX claim_search_vector_idx ON annotate_claim USING gin (search_vector)",
    "DROP INDEX IF EXISTS claim_search_idx",
]
PG_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS claim_search_idx ON annotate_claim"
    " USING gin (annotate_claim_tsvector(search_config, text))",
    "DROP INDEX IF EXISTS claim_search_vector_idx",
    "ALTER TABLE annotate_claim DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("annotate", "0018_claim_span_search"),
    ]

    operations = [migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD))]
