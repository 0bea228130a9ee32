# Full-text search of articles (corpus.search). Each database gets its own index, created only
# there; the model declares none of it, so Django neither reads nor writes these columns.

from django.db import migrations

# PostgreSQL: unaccent, and the two wrappers every search index spells its expression with.
# unaccent() and to_tsvector() with a configuration named by a value are not IMMUTABLE to
# PostgreSQL (the dictionary and the configuration could be redefined), so an index cannot use
# them directly: the usual wrappers declare them IMMUTABLE, true as long as neither is.
# Articles keep their vector in a column filled off the import path
# (corpus.services.search_index): rows still without one are found through the partial
# index by a plain scan of their text (rows without a vector stay out of the GIN index: an
# import then pays for no entry of theirs); a trigger empties the vector of a row whose text or
# language changes, so that it is computed again.
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE FUNCTION corpus_unaccent(text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    """CREATE FUNCTION corpus_search_vector(config text, body text) RETURNS tsvector
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT to_tsvector(config::regconfig, corpus_unaccent(body)) $$""",
    "ALTER TABLE corpus_article ADD COLUMN search_vector tsvector",
    "CREATE INDEX article_search_idx ON corpus_article USING gin (search_vector)"
    " WHERE search_vector IS NOT NULL",
    "CREATE INDEX article_unindexed_idx ON corpus_article (id) WHERE search_vector IS NULL",
    """CREATE FUNCTION corpus_article_search_reset() RETURNS trigger LANGUAGE plpgsql
       AS $$ BEGIN NEW.search_vector := NULL; RETURN NEW; END $$""",
    """CREATE TRIGGER corpus_article_search_reset BEFORE UPDATE ON corpus_article
       FOR EACH ROW WHEN (
           OLD.title IS DISTINCT FROM NEW.title OR OLD.subtitle IS DISTINCT FROM NEW.subtitle
           OR OLD.publisher IS DISTINCT FROM NEW.publisher OR OLD.body IS DISTINCT FROM NEW.body
           OR OLD.language IS DISTINCT FROM NEW.language)
       EXECUTE FUNCTION corpus_article_search_reset()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS corpus_article_search_reset ON corpus_article",
    "DROP FUNCTION IF EXISTS corpus_article_search_reset()",
    "ALTER TABLE corpus_article DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS corpus_search_vector(text, text)",
    "DROP FUNCTION IF EXISTS corpus_unaccent(text)",
]
# SQLite: an FTS5 index (external content: the text is stored once, in corpus_article), kept in
# step by triggers so that every write, through any door, is indexed.
_COLUMNS = "title, subtitle, publisher, body"
_NEW = "new.id, new.title, new.subtitle, new.publisher, new.body"
_OLD = "'delete', old.id, old.title, old.subtitle, old.publisher, old.body"
SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE corpus_article_fts USING fts5(
       {_COLUMNS}, content='corpus_article', content_rowid='id',
       tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER corpus_article_fts_insert AFTER INSERT ON corpus_article BEGIN
       INSERT INTO corpus_article_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END""",
    f"""CREATE TRIGGER corpus_article_fts_delete AFTER DELETE ON corpus_article BEGIN
       INSERT INTO corpus_article_fts(corpus_article_fts, rowid, {_COLUMNS}) VALUES ({_OLD});
       END""",
    f"""CREATE TRIGGER corpus_article_fts_update
       AFTER UPDATE OF {_COLUMNS} ON corpus_article BEGIN
       INSERT INTO corpus_article_fts(corpus_article_fts, rowid, {_COLUMNS}) VALUES ({_OLD});
       INSERT INTO corpus_article_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END""",
    "INSERT INTO corpus_article_fts(corpus_article_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS corpus_article_fts_update",
    "DROP TRIGGER IF EXISTS corpus_article_fts_delete",
    "DROP TRIGGER IF EXISTS corpus_article_fts_insert",
    "DROP TABLE IF EXISTS corpus_article_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0005_article_language_confidence"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
