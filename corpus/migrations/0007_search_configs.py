# The text search configurations stored vectors are in (corpus.search): a query is parsed in
# these only, not in all 30, so that a word brings the few forms that can match. search_index
# adds a configuration in the transaction that first stores a vector in it. PostgreSQL only.

from django.db import migrations

from corpus.search import search_config_for


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE TABLE corpus_search_config (name text PRIMARY KEY)")
    with schema_editor.connection.cursor() as cursor:
        # Every article language (quotes are stored in their article's): a superset only costs
        # the forms of a configuration no vector is in.
        cursor.execute("SELECT DISTINCT language FROM corpus_article")
        configs = {search_config_for(language) for (language,) in cursor.fetchall()}
        for config in sorted(configs):
            cursor.execute("INSERT INTO corpus_search_config (name) VALUES (%s)", [config])


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS corpus_search_config")


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0006_article_search"),
    ]

    operations = [migrations.RunPython(create, drop)]
