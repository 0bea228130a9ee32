"""Inserting many rows at once for the batch services: keys set, history written, fast.

Not a service itself: the restore services validate, then call `rows_insert`. Rows are any
objects with the model's column attributes (the restore's slotted records, or model instances);
their values are stored as they are (no `auto_now` stamping: a restore keeps the file's times),
and each row gets its primary key. On PostgreSQL the keys are taken from the table's sequence in
one query and the rows sent with COPY, as `corpus.services.articles_insert` does for articles: an
INSERT of thousands of rows spends more time quoting parameters than the server storing them.
"""

from collections.abc import Sequence
from enum import Enum
from operator import attrgetter
from types import SimpleNamespace

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def rows_insert(
    model: type[Model], rows: Sequence, *, history_user=None, history_reason: str = ""
) -> list[int]:
    """Insert `rows` of `model` and set their keys; with `history_user`, also a "+" history row
    per row (django-simple-history's own table), whose keys are returned in the rows' order."""
    if not rows:
        return []
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    values = _getter([field.attname for field in fields])
    keys = _insert(model, fields, [values(row) for row in rows])
    for row, key in zip(rows, keys, strict=True):
        setattr(row, meta.pk.attname, key)
        if isinstance(row, Model):
            row._state.adding = False
            row._state.db = connection.alias
    if history_user is None:
        return []
    return _history_insert(model, rows, history_user=history_user, reason=history_reason)


def parents_keyed(rows: Sequence, name: str) -> None:
    """Copy the keys parents got on insert into their children's foreign keys."""
    attname = f"{name}_id"
    for row in rows:
        setattr(row, attname, getattr(row, name).pk)


def _history_insert(model: type[Model], rows: Sequence, *, history_user, reason: str) -> list[int]:
    """The rows' history, copied from the rows just stored by the database itself (INSERT ...
    SELECT): sending each row a second time cost as much as storing it."""
    historical = model.history.model
    quote = connection.ops.quote_name
    columns = [field.column for field in historical.tracked_fields]
    stamp = ["history_date", "history_type", "history_user_id", "history_change_reason"]
    insert = ", ".join(quote(column) for column in columns + stamp)
    select = ", ".join(quote(column) for column in columns)
    pk = quote(model._meta.pk.column)
    keys = [getattr(row, model._meta.pk.attname) for row in rows]
    stamp_values = [timezone.now(), history_user.pk, reason]
    history_of: dict[int, int] = {}
    table, source = quote(historical._meta.db_table), quote(model._meta.db_table)
    returning = f"{pk}, {quote(historical._meta.pk.column)}"
    with connection.cursor() as cursor:
        for first in range(0, len(keys), _SELECT_CHUNK):
            chunk = keys[first : first + _SELECT_CHUNK]
            # Names come from the models' meta, quoted; every value is a parameter.
            statement = (
                f"INSERT INTO {table} ({insert}) SELECT {select}, %s, '+', %s, %s "  # noqa: S608
                f"FROM {source} WHERE {pk} IN ({', '.join(['%s'] * len(chunk))}) "
                f"RETURNING {returning}"
            )
            cursor.execute(statement, [*stamp_values, *chunk])
            history_of.update(cursor.fetchall())
    return [history_of[key] for key in keys]


# Keys per INSERT ... SELECT: under SQLite's limit of bound parameters, and short statements.
_SELECT_CHUNK = 900


def _insert(model: type[Model], fields: list, rows: list[tuple]) -> list[int]:
    """Insert value tuples (in `fields`' order); the new keys, in order."""
    rows = _plain_choices(fields, rows)
    if connection.vendor == "postgresql":
        return _copy(model, fields, rows)
    # raw=True: the values as set, without pre_save() (which stamps auto_now fields).
    names = [field.attname for field in fields]
    objects = [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in rows]
    meta = model._meta
    size = connection.ops.bulk_batch_size(fields, objects) or len(objects)
    keys = []
    for first in range(0, len(objects), size):
        returned = model._base_manager._insert(
            objects[first : first + size],
            fields=fields,
            returning_fields=meta.db_returning_fields,
            raw=True,
        )
        keys.extend(key for key, *_ in returned)
    return keys


def _copy(model: type[Model], fields: list, rows: list[tuple]) -> list[int]:
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        keys = [key for (key,) in cursor.fetchall()]
    columns = ", ".join(quote(column) for column in [meta.pk.column, *(f.column for f in fields)])
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        # Declared column types spare psycopg choosing a dumper for every value.
        copy.set_types([_pg_type(field) for field in [meta.pk, *fields]])
        write = copy.write_row
        for key, row in zip(keys, rows, strict=True):
            write((key, *row))
    return keys


def _pg_type(field) -> str:
    # "varchar(500)" -> "varchar": psycopg names types without their modifiers.
    return field.db_type(connection).split("(")[0]


def _getter(names: list[str]):
    """A function from a row to the tuple of its `names` attributes."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (getattr(row, name),)
    return attrgetter(*names)


def _plain_choices(fields: list, rows: list[tuple]) -> list[tuple]:
    # psycopg dumps an Enum by its name; a TextChoices member is stored by its value.
    columns = [index for index, field in enumerate(fields) if field.choices]
    if not columns or not any(isinstance(row[i], Enum) for row in rows for i in columns):
        return rows
    return [
        tuple(value.value if isinstance(value, Enum) else value for value in row) for row in rows
    ]
