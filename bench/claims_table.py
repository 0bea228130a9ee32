"""Claims table server time: the first page of a project with 100,000 claims.

    python bench/claims_table.py [--claims 100000] [--articles 1000] [--repeat 30]

Builds the project in a throwaway PostgreSQL database beside DATABASE_URL (or a throwaway
SQLite file when DATABASE_URL is not PostgreSQL): `--articles` articles sharing the claims,
two submitted verdicts on 40 % of them (some disagreeing), written in bulk and then given their
stored status by `span_status_refresh` (timed: what a change of k costs such a project), then
requests the claims table's first page with Django's test client `--repeat` times per view and
prints p50/p95 server time and the queries of one request. Views: the editor's default order, a
filter and a sort by status, a search, and a blind reviewer's default order, sort and filter by
status (the reviewer has submitted nothing, so every outcome is hidden from them). Target: p95
< 150 ms.

Figures (PostgreSQL 15 on this 2-core machine shared with other engineers' jobs, 100,000 claims,
80,000 verdicts, 30 requests each, p50 / p95 ms; three runs, the quietest first, then the other
two; 8 queries in every view):
  editor, default order (reading order):  52 / 56   (57 / 100, 50 / 52)
  editor, sorted by status:               50 / 54   (54 / 89,  47 / 61)
  editor, status=contested:               36 / 39   (35 / 39,  36 / 55)
  editor, search in quote ("day 7"):      75 / 78   (75 / 78,  94 / 136)
  blind reviewer, default order:          43 / 45   (47 / 51,  59 / 75)
  blind reviewer, sorted by status:       78 / 82   (99 / 147, 136 / 234)
  blind reviewer, status=in_review:       44 / 48   (63 / 92, 107 / 218)
  span_status_refresh of all 100,000:     3.4 s     (4.3 s, 3.5 s)
Before Span.review_status, sorting or filtering by status computed every claim's status (a
GROUP BY over the project's verdicts, twice with a filter: the count and the page): sorted by
status 395 / 824 ms and status=contested 439 / 507 ms on the same machine that day (530 / 990
and 774 / 1058 in earlier runs). Now the status is stored, kept by the review services in the
transaction of every write that changes it, and the editor's status views read the index
span_status_order_idx (project, status, reading order): the page is an index scan that stops
after 50 rows and the pager's count an index-only count. A blind reviewer's status depends on
their own verdicts, so their sort still orders every claim (by the stored status, hidden where
they have not submitted: no verdict is aggregated) and is the slowest view, over budget in the
noisiest run. Before span_table_order_idx and with the article filter as a select of every
article, the default order took 510 / 1391 ms (the first page sorted all claims by article title).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "Officials said the talks went well on day {n}. "
BATCH = 5_000


def build(claims: int, articles: int):
    from django.contrib.auth import get_user_model

    from annotate.models import Membership, Span, Verdict
    from annotate.projects import services as project_services
    from annotate.review.services.status import span_status_refresh
    from corpus.models import Article
    from corpus.text import content_hash

    users = get_user_model().objects
    editor = users.create_user("bench-editor", password=None, is_staff=True)
    reviewers = [users.create_user(f"bench-r{i}", password=None) for i in range(3)]
    project = project_services.project_create(actor=editor, name="Bench", slug="bench")
    Membership.objects.bulk_create(
        Membership(project=project, user=r, role="reviewer") for r in reviewers
    )
    per_article = -(-claims // articles)
    sentences = [SENTENCE.format(n=n) for n in range(per_article)]
    body = "".join(sentences)
    made = Article.objects.bulk_create(
        Article(
            title=f"Article {a:05d}",
            publisher="Bench Daily",
            body=body + f"({a})",
            raw_text=body,
            content_hash=content_hash(body + f"({a})"),
            language="en",
        )
        for a in range(articles)
    )
    project.articles.add(*made)
    offsets, position = [], 0
    for sentence in sentences:
        offsets.append((position, position + len(sentence) - 1))
        position += len(sentence)
    rows = (
        Span(
            project=project,
            article=made[i // per_article],
            start=offsets[i % per_article][0],
            end=offsets[i % per_article][1],
            quote=sentences[i % per_article][:-1],
            created_by=editor,
        )
        for i in range(claims)
    )
    _batched(Span, rows)
    span_ids = list(Span.objects.filter(project=project).values_list("pk", flat=True))
    labels = project.labels
    verdicts = (
        Verdict(
            span_id=span_id,
            reviewer=reviewer,
            label=labels[(n + k) % 2 if n % 10 == 0 else 0],
            status="submitted",
            submitted_at="2021-12-08T10:00:00Z",
        )
        for n, span_id in enumerate(span_ids)
        if n % 5 < 2
        for k, reviewer in enumerate(reviewers[:2])
    )
    _batched(Verdict, verdicts)
    # Rows written in bulk, as a restore does: the stored status comes from the rule after. The
    # whole project at once is what a change of k costs.
    started = time.perf_counter()
    span_status_refresh(project=project)
    print(f"  span_status_refresh of every claim: {time.perf_counter() - started:.1f} s")
    return project, editor, reviewers[2]


def _batched(model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


def _time(client, url: str, repeat: int) -> tuple[float, float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def measure(claims: int, articles: int, repeat: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    project, editor, reviewer = build(claims, articles)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have by now
    print(f"{connection.vendor}: built {claims:,} claims in {time.perf_counter() - started:.0f} s")
    url = reverse("annotate:claims", args=[project.pk])
    views = [
        ("editor, default order", editor, ""),
        ("editor, sorted by status", editor, "?sort=-status"),
        ("editor, status=contested", editor, "?status=contested"),
        ("editor, search in quote", editor, "?q=day+7"),
        ("blind reviewer, default order", reviewer, ""),
        ("blind reviewer, sorted by status", reviewer, "?sort=-status"),
        ("blind reviewer, status=in_review", reviewer, "?status=in_review"),
    ]
    for title, user, query in views:
        client = Client()
        client.force_login(user)
        client.get(url + query)  # warm the caches as a second visit would
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url + query)
        p50, p95 = _time(client, url + query, repeat)
        print(f"  {title}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {len(queries)} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    with scratch_database("bench_claims"):
        measure(args.claims, args.articles, args.repeat)


if __name__ == "__main__":
    main()
