# Keep each article's search vector in its row (STORAGE MAIN) and let the body and raw text go
# to TOAST instead. With the default (EXTENDED), a row over 2 kB often had its vector moved out
# of line: a search that reads the table (a phrase of common words checks some 30,000 rows for
# 200 matches) fetched every vector from TOAST through its index, 3-4 page reads a row.
# Rows written before keep their layout until their vector is computed again. PostgreSQL only.

from django.db import migrations


def inline(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE corpus_article ALTER COLUMN search_vector SET STORAGE MAIN"
        )


def default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE corpus_article ALTER COLUMN search_vector SET STORAGE EXTENDED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0007_search_configs"),
    ]

    operations = [migrations.RunPython(inline, default)]
