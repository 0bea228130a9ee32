"""Inserting many rows at once for the batch services: keys set, history written, fast.

Not a service itself: the restore services validate, then call `rows_insert`. The rows' own
values are stored as they are (no `auto_now` stamping: a restore keeps the file's times), and
each row gets its primary key. On PostgreSQL the keys are taken from the table's sequence in one
query and the rows sent with COPY, as `corpus.services.articles_insert` does for articles: an
INSERT of thousands of rows spends more time quoting parameters than the server storing them.
"""

from collections.abc import Sequence
from enum import Enum
from types import SimpleNamespace

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def rows_insert(
    model: type[Model], rows: Sequence[Model], *, history_user=None, history_reason: str = ""
) -> list[Model]:
    """Insert `rows` of `model` and set their keys; with `history_user`, also a "+" history row
    per row (django-simple-history's own table), which are returned."""
    if not rows:
        return []
    _insert(model, rows)
    if history_user is None:
        return []
    historical = model.history.model
    names = [field.attname for field in historical.tracked_fields]
    # COPY reads attributes only: a namespace costs a fraction of a model instance.
    build = SimpleNamespace if connection.vendor == "postgresql" else historical
    now = timezone.now()
    histories = [
        build(
            history_date=now,
            history_type="+",
            history_user_id=history_user.pk,
            history_change_reason=history_reason,
            **{name: getattr(row, name) for name in names},
        )
        for row in rows
    ]
    _insert(historical, histories)
    return histories


def _insert(model: type[Model], rows: Sequence) -> None:
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    if connection.vendor == "postgresql":
        _copy(model, rows, fields)
    else:
        # raw=True: the values as set, without pre_save() (which stamps auto_now fields).
        size = connection.ops.bulk_batch_size(fields, rows) or len(rows)
        for first in range(0, len(rows), size):
            chunk = rows[first : first + size]
            keys = model._base_manager._insert(
                chunk, fields=fields, returning_fields=meta.db_returning_fields, raw=True
            )
            for row, (key, *_) in zip(chunk, keys, strict=True):
                setattr(row, meta.pk.attname, key)
    for row in rows:
        if isinstance(row, Model):
            row._state.adding = False
            row._state.db = connection.alias


def _copy(model: type[Model], rows: Sequence[Model], fields: list) -> None:
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        keys = [key for (key,) in cursor.fetchall()]
    for row, key in zip(rows, keys, strict=True):
        setattr(row, meta.pk.attname, key)
    columns = ", ".join(quote(column) for column in [meta.pk.column, *(f.column for f in fields)])
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    attnames = [meta.pk.attname, *(field.attname for field in fields)]
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row([_plain(getattr(row, name)) for name in attnames])


def _plain(value):
    # psycopg dumps an Enum by its name; a TextChoices member is stored by its value.
    return value.value if isinstance(value, Enum) else value
