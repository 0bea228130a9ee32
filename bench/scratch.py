"""Throwaway databases for the benchmarks: PostgreSQL beside DATABASE_URL, or a SQLite file."""

import os
import tempfile
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
    """Create `<prefix>_<pid>` on database_url's server (`<database>_<prefix>_<pid>` when the URL
    names a database other than `postgres`, so that people sharing a server keep to their own
    names), yield its URL, drop it afterwards (WITH FORCE: connections a benchmark left open do
    not keep it alive)."""
    from psycopg import sql

    parts = urlsplit(database_url)
    own = parts.path.strip("/")
    name = (
        f"{own}_{prefix}_{os.getpid()}"
        if own not in ("", "postgres")
        else f"{prefix}_{os.getpid()}"
    )
    admin = parts._replace(path="/postgres").geturl()
    run_sql(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        run_sql(
            admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def scratch_database(prefix: str) -> Iterator[None]:
    """Point DATABASE_URL at a throwaway database for the block: on DATABASE_URL's PostgreSQL
    server when it names one, else a SQLite file in a temporary folder."""
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as folder:
        if database_url.startswith(("postgres://", "postgresql://")):
            with scratch_postgres(database_url, prefix) as url:
                os.environ["DATABASE_URL"] = url
                yield
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/{prefix}.sqlite3"
            yield
