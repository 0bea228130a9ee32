from django.db import migrations


def _set_compression(method: str):
    def apply(apps, schema_editor):
        # lz4 compresses article text several times faster than the default pglz (PostgreSQL 14+).
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in ("body", "raw_text"):
            schema_editor.execute(
                f"ALTER TABLE corpus_article ALTER COLUMN {column} SET COMPRESSION {method}"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [("corpus", "0001_initial")]

    operations = [migrations.RunPython(_set_compression("lz4"), _set_compression("pglz"))]
