"""Export throughput: one project with N verdicts on PostgreSQL, every format, two doors.

    python bench/export.py [--verdicts 1000000] [--formats native,csv,...] [--skip-api]

Creates a throwaway PostgreSQL database beside the one DATABASE_URL names (default
postgres://postgres@127.0.0.1:5432/postgres), migrates it and fills it with COPY: 20 reviewers and
an editor, articles of ~2,000 characters (emoji included) with 50 spans each, 2 submitted
verdicts per span with one source each, an adjudication on every 10th span and a comment on every
20th. Then, each in a fresh child process (so its peak RSS is its own), every format is exported
through the service the command uses (`dataset_export` into /dev/null) and through the API
(Django's test client, consuming the StreamingHttpResponse). Prints verdict rows/s and peak RSS.
The database is dropped at the end.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from scratch import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
SPANS_PER_ARTICLE = 50
VERDICTS_PER_SPAN = 2
REVIEWERS = 20
WORDS = ["the", "summit", "leaders", "talks", "troops", "border", "ministry", "said", "officials"]
FLAVOUR = ["👋", "🇺🇦", "“quoted”", "café", "東京", "—"]
LABELS = ["True", "Mostly True", "Half True", "Mostly False", "False", "Pants on Fire"]
ALL_FORMATS = ["native", "csv", "fever", "claimreview", "w3c", "label-studio", "doccano"]


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _article_body(rng: random.Random, n: int) -> tuple[str, list[tuple[int, int]]]:
    """A body with SPANS_PER_ARTICLE non-overlapping claim positions (code points)."""
    parts, offsets, position = [], [], 0
    for i in range(SPANS_PER_ARTICLE):
        filler = " ".join(rng.choice(WORDS) for _ in range(3)) + f" {rng.choice(FLAVOUR)} "
        claim = f"claim {n}-{i} " + " ".join(rng.choice(WORDS) for _ in range(3))
        position += len(filler)
        offsets.append((position, position + len(claim)))
        position += len(claim) + 2
        parts.append(filler + claim + ". ")
    return "".join(parts), offsets


def populate(verdicts: int) -> dict:
    """Fill the empty, migrated database; return the ids the exports need."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from annotate.models import Membership, Project
    from annotate.projects.scales import PRESETS

    started = time.perf_counter()
    rng = random.Random(2021)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=name, email=f"{name}@example.org")
        for name in ["editor", *(f"reviewer{i}" for i in range(REVIEWERS))]
    )
    editor, reviewers = users[0], users[1:]
    project = Project.objects.create(
        name="Bench", slug="bench", scale_preset="politifact",
        scale=PRESETS["politifact"].as_scale(), scale_is_ordinal=True,
    )  # fmt: skip
    Membership.objects.bulk_create(
        [Membership(project=project, user=editor, role="editor")]
        + [Membership(project=project, user=user, role="reviewer") for user in reviewers]
    )
    spans_wanted = verdicts // VERDICTS_PER_SPAN
    n_articles = -(-spans_wanted // SPANS_PER_ARTICLE)
    now = timezone.now()
    raw = connection.connection  # the psycopg connection, for COPY
    span_id = verdict_id = 0
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY corpus_article (id, title, subtitle, authors, publisher, published_on, "
            "source_url, language, body, raw_text, content_hash, origin, created_at, updated_at) "
            "FROM STDIN"
        ) as copy:
            bodies = {}
            for n in range(1, n_articles + 1):
                body, offsets = _article_body(rng, n)
                bodies[n] = (body, offsets)
                copy.write_row((
                    n, f"Article {n}", "", '["Reporter"]', "Wire", datetime.date(2021, 1, 1),
                    f"https://example.org/{n}", "en", body, body,
                    hashlib.sha256(body.encode()).hexdigest(), f"bench-{n}", now, now,
                ))  # fmt: skip
        with cursor.copy(
            "COPY annotate_project_articles (project_id, article_id) FROM STDIN"
        ) as copy:
            for n in range(1, n_articles + 1):
                copy.write_row((project.pk, n))
        with cursor.copy(
            'COPY annotate_span (id, article_id, project_id, start, "end", quote, prefix, suffix, '
            "claimant, note, orphaned, anchor_errors, created_by_id, created_at) FROM STDIN"
        ) as copy:
            for n, (body, offsets) in bodies.items():
                for start, end in offsets:
                    if span_id == spans_wanted:
                        break
                    span_id += 1
                    copy.write_row((
                        span_id, n, project.pk, start, end, body[start:end],
                        body[max(0, start - 32) : start], body[end : end + 32], "Official", "",
                        False, 0, editor.pk, now,
                    ))  # fmt: skip
        with cursor.copy(
            "COPY annotate_verdict (id, span_id, reviewer_id, label, rationale, confidence, "
            "status, version, created_at, updated_at, submitted_at) FROM STDIN"
        ) as copy:
            for span in range(1, span_id + 1):
                for reviewer in rng.sample(reviewers, VERDICTS_PER_SPAN):
                    verdict_id += 1
                    copy.write_row((
                        verdict_id, span, reviewer.pk, rng.choice(LABELS),
                        "Checked against the record.", 3, "submitted", 1, now, now, now,
                    ))  # fmt: skip
        with cursor.copy(
            "COPY annotate_source (verdict_id, position, url, title, excerpt, stance) FROM STDIN"
        ) as copy:
            for verdict in range(1, verdict_id + 1):
                copy.write_row((
                    verdict, 0, f"https://example.org/evidence/{verdict % 997}", "Record",
                    "The figure was published.", "supports",
                ))  # fmt: skip
        with cursor.copy(
            "COPY annotate_adjudication (span_id, editor_id, label, rationale, decided_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for span in range(10, span_id + 1, 10):
                copy.write_row((span, editor.pk, rng.choice(LABELS), "Final.", now, now))
        with cursor.copy(
            "COPY annotate_comment (span_id, author_id, body, created_at) FROM STDIN"
        ) as copy:
            for span in range(20, span_id + 1, 20):
                copy.write_row((span, editor.pk, "Which source?", now))
        for table in ("corpus_article", "annotate_span", "annotate_verdict"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    raw.commit()
    with raw.cursor() as cursor:
        raw.autocommit = True
        cursor.execute("VACUUM ANALYZE")
    return {
        "project": project.pk,
        "editor": editor.pk,
        "articles": n_articles,
        "spans": span_id,
        "verdicts": verdict_id,
        "seconds": round(time.perf_counter() - started, 1),
    }


def export_once(fmt: str, door: str, project_id: int, editor_id: int) -> dict:
    """One export in this (fresh) process: seconds, bytes, rows, peak RSS."""
    from annotate.models import Project

    project = Project.objects.get(pk=project_id)
    labels = "adjudicated" if fmt == "claimreview" else None
    started = time.perf_counter()
    size = 0
    if door == "command":
        from datasets.exporters import dataset_export
        from datasets.options import ExportOptions

        class Counting:
            def write(self, data: bytes) -> None:
                nonlocal size
                size += len(data)

        stats = dataset_export(
            project=project, fmt=fmt, out=Counting(), options=ExportOptions(labels=labels)
        )
        rows = stats.rows
    else:
        from django.contrib.auth import get_user_model
        from django.test import Client

        client = Client()
        client.force_login(get_user_model().objects.get(pk=editor_id))
        response = client.get(f"/api/v1/projects/{project_id}/export/", {"format": fmt})
        if response.status_code != 200 or not response.streaming:
            raise SystemExit(
                f"export {fmt}: {response.status_code}, streaming {response.streaming}"
            )
        for piece in response.streaming_content:
            size += len(piece)
        response.close()
        rows = None
    return {
        "seconds": time.perf_counter() - started,
        "mb": size / 1e6,
        "rows": rows,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(args: argparse.Namespace) -> None:
    _setup_django()
    if args.child == "populate":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(json.dumps(populate(args.verdicts)))
    else:
        fmt, door, project_id, editor_id = args.child.split(":")
        print(json.dumps(export_once(fmt, door, int(project_id), int(editor_id))))


def run_child(url: str, spec: str, verdicts: int = 0) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "",  # DEBUG would keep every query in memory
        "ALLOWED_HOSTS": "testserver",
    }
    env.setdefault("SECRET_KEY", "bench-only")
    done = subprocess.run(
        [sys.executable, __file__, "--child", spec, "--verdicts", str(verdicts)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        sys.exit(f"child {spec} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(ALL_FORMATS))
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/export.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    with scratch_postgres(base, "bench_export") as url:
        data = run_child(url, "populate", args.verdicts)
        print(
            f"{data['verdicts']:,} verdicts on {data['spans']:,} spans in {data['articles']:,} "
            f"articles, generated with COPY in {data['seconds']} s"
        )
        doors = ["command"] if args.skip_api else ["command", "api"]
        for fmt in args.formats.split(","):
            for door in doors:
                result = run_child(url, f"{fmt}:{door}:{data['project']}:{data['editor']}")
                rate = data["verdicts"] / result["seconds"]
                rows = f", {result['rows']:,} rows" if result["rows"] is not None else ""
                print(
                    f"{fmt:<13} {door:<8} {result['seconds']:7.1f} s {rate:>9,.0f} verdict rows/s "
                    f"{result['mb']:8.1f} MB{rows}, peak RSS {result['peak_rss_mb']:.0f} MB"
                )


if __name__ == "__main__":
    main()
