"""A throwaway PostgreSQL database beside DATABASE_URL, shared by the benchmarks."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


def run_sql(url: str, statement) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


@contextmanager
def scratch_postgres(database_url: str, prefix: str) -> Iterator[str]:
    """Create `<prefix>_<pid>` on database_url's server, yield its URL, drop it afterwards
    (WITH FORCE: connections a benchmark left open do not keep it alive)."""
    from psycopg import sql

    parts = urlsplit(database_url)
    name = f"{prefix}_{os.getpid()}"
    admin = parts._replace(path="/postgres").geturl()
    run_sql(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        run_sql(
            admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
