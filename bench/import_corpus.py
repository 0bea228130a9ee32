"""Import throughput: N synthetic articles as JSONL through the same service as the command.

    python bench/import_corpus.py [--articles 10000] [--chars 3000] [--batch-size 500]

Prints articles/s and peak RSS for SQLite (a throwaway file) and, when DATABASE_URL is set, for
PostgreSQL (a throwaway database beside the one named there). Each run parses the JSONL file,
imports it into an empty database, then imports it again (every article unchanged).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent

# Emoji (astral and ZWJ), curly quotes, combining marks (decomposed, so NFC has work to do), CJK.
FLAVOUR = ["👋", "🇺🇦", "👩‍🔬", "“quoted”", "‘single’", "—", "cafe\u0301", "Zo\u0308e", "東京", "…"]
WORDS = [
    "the",
    "summit",
    "leaders",
    "talks",
    "troops",
    "border",
    "ministry",
    "said",
    "officials",
    "claim",
    "security",
    "guarantees",
    "alliance",
    "expansion",
    "missile",
    "sanctions",
    "diplomacy",
    "statement",
    "reported",
    "according",
    "sources",
    "week",
]


def write_corpus(path: Path, *, articles: int, chars: int, seed: int = 2021) -> None:
    """Deterministic JSONL: the same N articles for the same arguments."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for n in range(articles):
            paragraphs, size = [], 0
            while size < chars:
                words = [rng.choice(WORDS) for _ in range(rng.randint(30, 60))]
                words.insert(rng.randrange(len(words)), rng.choice(FLAVOUR))
                paragraph = " ".join(words).capitalize() + "."
                paragraphs.append(paragraph)
                size += len(paragraph) + 2
            record = {
                "title": f"Synthetic article {n}: {rng.choice(FLAVOUR)} {rng.choice(WORDS)}",
                "authors": [f"Reporter {n % 97}"],
                "publisher": f"Outlet {n % 13}",
                "published_on": f"2021-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                "body": "\n\n".join(paragraphs),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_import(corpus: Path, batch_size: int) -> None:
    """In a child process (fresh RSS): migrate, import twice, print one JSON line of figures."""
    import django

    django.setup()
    from django.core.management import call_command

    from corpus.importers import read_articles
    from corpus.models import Article
    from corpus.services import import_articles

    call_command("migrate", verbosity=0)
    figures = {}
    for run in ("first", "again"):
        started = time.perf_counter()
        report = import_articles(items=read_articles(corpus), batch_size=batch_size)
        elapsed = time.perf_counter() - started
        figures[run] = {
            "created": report.created,
            "unchanged": report.unchanged,
            "failed": report.failed,
            "seconds": round(elapsed, 3),
            "articles_per_s": round(report.processed / elapsed),
        }
    figures["stored"] = Article.objects.count()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures))


def measure(label: str, database_url: str, corpus: Path, batch_size: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("SECRET_KEY", "bench-only")
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(corpus), "--batch-size", str(batch_size)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    first, again = figures["first"], figures["again"]
    print(
        f"{label:<10} first import {first['articles_per_s']:>7} articles/s "
        f"({first['created']} created in {first['seconds']} s), "
        f"re-import {again['articles_per_s']:>7} articles/s ({again['unchanged']} unchanged), "
        f"peak RSS {figures['peak_rss_mb']} MB"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=3_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        run_import(Path(args.child), args.batch_size)
        return

    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus.jsonl"
        write_corpus(corpus, articles=args.articles, chars=args.chars)
        size_mb = corpus.stat().st_size / 1e6
        print(f"{args.articles} articles of ~{args.chars} characters ({size_mb:.1f} MB of JSONL)")
        measure("SQLite", f"sqlite:///{scratch}/bench.sqlite3", corpus, args.batch_size)
        database_url = os.environ.get("DATABASE_URL", "")
        if database_url.startswith(("postgres://", "postgresql://")):
            with scratch_postgres(database_url, "bench_import") as url:
                measure("PostgreSQL", url, corpus, args.batch_size)


if __name__ == "__main__":
    main()
