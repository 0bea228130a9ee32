"""Reader page server time: one 50,000-character article with 300 spans (and their verdicts).

    python bench/reader.py [--chars 50000] [--spans 300] [--repeat 20]

Renders the page in-process with Django's test client against a throwaway SQLite database (or
a throwaway PostgreSQL database beside DATABASE_URL when it is set) and prints the median and
95th-percentile server time and the number of queries of one request.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "the",
    "envoy",
    "said",
    "talks",
    "went",
    "well",
    "while",
    "officials",
    "claimed",
    "troops",
    "massed",
    "at",
    "the",
    "border",
]


def build(chars: int, spans: int):
    import random

    from django.contrib.auth import get_user_model

    from annotate.models import Membership, Span, Verdict
    from annotate.projects import services as project_services
    from corpus.models import Article
    from corpus.text import content_hash

    rng = random.Random(7)
    paragraphs, size = [], 0
    while size < chars:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))) + " 👋 “ok”."
        paragraphs.append(sentence.capitalize())
        size += len(sentence) + 2
    body = "\n\n".join(paragraphs)[:chars].rstrip()
    users = get_user_model().objects
    editor = users.create_user("bench-editor", password=None, is_staff=True)
    reviewers = [users.create_user(f"bench-r{i}", password=None) for i in range(3)]
    project = project_services.project_create(actor=editor, name="Bench", slug="bench")
    Membership.objects.bulk_create(
        Membership(project=project, user=r, role="reviewer") for r in reviewers
    )
    article = Article.objects.create(
        title="Long", body=body, raw_text=body, content_hash=content_hash(body), language="en"
    )
    project.articles.add(article)
    step = max(1, len(body) // spans)
    rows = []
    for i in range(spans):
        start = i * step
        end = min(len(body), start + rng.randint(20, 3 * step))  # overlaps and nesting
        rows.append(
            Span(
                project=project,
                article=article,
                start=start,
                end=end,
                quote=body[start:end],
                created_by=editor,
            )
        )
    created = Span.objects.bulk_create(rows)
    Verdict.objects.bulk_create(
        Verdict(
            span=span,
            reviewer=reviewer,
            label="True",
            status="submitted",
            submitted_at="2021-12-08T10:00:00Z",
        )
        for span in created
        for reviewer in reviewers[:2]
    )
    return project, article, created[len(created) // 2], reviewers[2]


def measure(chars: int, spans: int, repeat: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    # Render as runserver does: no collectstatic manifest in a scratch run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    project, article, span, reviewer = build(chars, spans)
    client = Client()
    client.force_login(reviewer)
    url = reverse("annotate:reader", args=[project.pk, article.pk]) + f"?span={span.pk}"
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"the reader answered {response.status_code}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(
        f"{connection.vendor}: reader page, {len(article.body):,} characters, {spans} spans: "
        f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"{len(queries)} queries, {len(response.content) / 1e3:.0f} kB of HTML"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=50_000)
    parser.add_argument("--spans", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    with scratch_database("bench_reader"):
        measure(args.chars, args.spans, args.repeat)


if __name__ == "__main__":
    main()
