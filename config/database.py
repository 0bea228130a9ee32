"""Database housekeeping shared by the bulk operations."""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model


def tables_analyze(models: Iterable[type[Model]]) -> None:
    """Refresh the planner's statistics of these models' tables.

    A bulk import grows tables from nothing faster than autovacuum analyzes them, and the planner,
    still believing them empty, scans them whole on every lookup: measured, 10,000 tasks took
    twice as long per task as 2,000. Inside a transaction, PostgreSQL counts the transaction's
    own new rows. SQLite's planner has its own ANALYZE; both take the table names quoted.
    """
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


class StatisticsKept:
    """Analyze `models` whenever the rows a bulk import has stored double (log N times in all),
    starting at twice `first`: call `stored(total)` after each batch."""

    def __init__(self, models: Sequence[type[Model]], *, first: int) -> None:
        self.models = models
        self.analyzed_at = first

    def stored(self, total: int) -> None:
        if total >= 2 * self.analyzed_at:
            tables_analyze(self.models)
            self.analyzed_at = total
