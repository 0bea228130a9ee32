"""The database's own floor for a dataset import: how long PostgreSQL alone takes to store the
rows a Label Studio import of N tasks stores, with no Python work at all.

    python bench/import_floor.py [--tasks 10000] [--repeat 3]

Imports the generated Label Studio file of `bench/import_dataset.py` (N tasks, 9 verdicts each)
with `import_dataset` into a throwaway PostgreSQL database beside DATABASE_URL, copies every
table's rows out (COPY ... TO, binary), empties the tables, then times loading the same bytes
back with COPY ... FROM in one transaction: the indexes, the TOAST compression of the article
texts and the deferred foreign-key checks at commit are all PostgreSQL's work, which no
importer written in any language can skip while it keeps the schema's integrity. Prints each
table's rows and load time, the commit (deferred foreign keys), and the floor in tasks/s.

Figures (PostgreSQL 15 on this 2-core machine, quiet, 10,000 tasks; import_dataset itself ran at
1,099-1,110 tasks/s in the same runs):
  annotate_historicalverdict   90,000 rows  15.9 MB  0.47 s
  annotate_verdict             90,000 rows  10.1 MB  0.39 s
  corpus_article               10,000 rows  71.4 MB  0.29 s
  annotate_assignment          90,000 rows   4.1 MB  0.25 s
  annotate_span                30,000 rows   6.4 MB  0.20 s
  annotate_historicalspan      30,000 rows   8.2 MB  0.18 s
  annotate_project_articles    10,000 rows   0.4 MB  0.04 s
  commit (deferred foreign keys)                     1.73 s
  three runs: 3.55, 3.95, 3.88 s = 2,816 / 2,530 / 2,579 tasks/s
  --immediate (keys checked per row, parents loaded first): 3.67-4.05 s, the same work moved.
So 5,000 tasks/s (2 s for 10,000) is below what this database needs to store the rows at all.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from psycopg import sql
from scratch import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
# Parents before children, so that foreign keys checked per row (--immediate) find them.
LOAD_ORDER = {"auth_user": 0, "corpus_article": 1, "annotate_project": 2, "annotate_span": 3}
SKIPPED = {"django_migrations", "django_content_type", "auth_permission", "django_session"}


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [name for (name,) in cursor.fetchall() if name not in SKIPPED]


def _dump(connection, tables: list[str]) -> dict[str, tuple[int, bytes]]:
    dumps = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            (rows,) = cursor.fetchone()
            if not rows:
                continue
            data = bytearray()
            statement = sql.SQL("COPY {} TO STDOUT (FORMAT binary)")
            with cursor.copy(statement.format(sql.Identifier(table))) as copy:
                for chunk in copy:
                    data += chunk
            dumps[table] = (rows, bytes(data))
    return dumps


def measure_floor(url: str, tasks: int, repeat: int, immediate: bool) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        with connection.cursor() as cursor:
            dumps = _dump(connection, _tables(cursor))
            dumps = dict(sorted(dumps.items(), key=lambda item: LOAD_ORDER.get(item[0], 9)))
        connection.commit()
        names = sql.SQL(", ").join(sql.Identifier(table) for table in dumps)
        totals = []
        for attempt in range(repeat):
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("TRUNCATE {} CASCADE").format(names))
            connection.commit()
            timings = {}
            started = time.perf_counter()
            with connection.cursor() as cursor:
                if immediate:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table, (_rows, data) in dumps.items():
                    began = time.perf_counter()
                    statement = sql.SQL("COPY {} FROM STDIN (FORMAT binary)")
                    with cursor.copy(statement.format(sql.Identifier(table))) as copy:
                        copy.write(data)
                    timings[table] = time.perf_counter() - began
            began = time.perf_counter()
            connection.commit()
            commit = time.perf_counter() - began
            total = time.perf_counter() - started
            totals.append(total)
            if attempt == 0:
                slowest = sorted(dumps.items(), key=lambda item: -timings[item[0]])
                for table, (rows, data) in slowest:
                    print(
                        f"  {table:<40} {rows:>9,} rows {len(data) / 1e6:>7.1f} MB "
                        f"{timings[table]:>6.2f} s"
                    )
                print(f"  {'commit (deferred foreign keys)':<40} {'':>29}{commit:>6.2f} s")
            print(f"run {attempt + 1}: {total:.2f} s, floor {tasks / total:,.0f} tasks/s")
        print(f"best: {min(totals):.2f} s = {tasks / min(totals):,.0f} tasks/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--immediate", action="store_true", help="check foreign keys per row, not at commit"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/import_floor.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    import import_dataset

    with tempfile.TemporaryDirectory() as scratch, scratch_postgres(base, "bench_floor") as url:
        path = import_dataset.write_files(Path(scratch), args.tasks)["label-studio"]
        os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="")
        os.environ.setdefault("SECRET_KEY", "bench-only")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        import_dataset._make_project()
        started = time.perf_counter()
        call_command("import_dataset", str(path), "--project", "bench", "--format", "label-studio")
        elapsed = time.perf_counter() - started
        print(f"import_dataset: {elapsed:.2f} s = {args.tasks / elapsed:,.0f} tasks/s")
        connection.close()
        measure_floor(url, args.tasks, args.repeat, args.immediate)


if __name__ == "__main__":
    main()
