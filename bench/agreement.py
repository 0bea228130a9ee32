"""Agreement at scale: 100,000 spans × 3 reviewers (5 % of verdicts missing) in PostgreSQL.

    python bench/agreement.py [--spans 100000] [--reviewers 3] [--missing 0.05] [--seed 2021]

Creates a throwaway database beside DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
postgres), migrates it and loads articles, spans, submitted verdicts and some adjudications with
COPY. Then it times `project_agreement()` from the database with the cache cleared (target < 2 s)
and again from the cache, and the statistics alone on the built matrix:
`annotate.quality.statistics`
(vectorised) against a pure-Python loop over the same verdicts (target ≥ 10×, same results).
Last it prints every figure, as `manage.py agreement_report` does. The database is dropped at
the end.
"""

import argparse
import datetime
import itertools
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from scratch import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SPANS_PER_ARTICLE = 100
SENTENCE = "Claim {:>7} was made by an official source. "  # 46 code points
START = datetime.datetime(2021, 6, 1, 8, tzinfo=datetime.UTC)
DAYS = 30


# --- loading ---


def load(*, spans: int, reviewers: int, missing: float, seed: int):
    """Users, a project on the PolitiFact scale (ordinal, k = reviewers), articles, and COPY
    of spans, verdicts and adjudications. Returns (project, figures of the load)."""
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.db import connection

    from annotate.models import Membership, Project
    from annotate.projects.scales import PRESETS
    from corpus.models import Article
    from corpus.text import content_hash

    rng = np.random.default_rng(seed)
    users = get_user_model().objects
    editor = users.create_user("bench-editor", password=None)
    team = [users.create_user(f"bench-reviewer-{i + 1}", password=None) for i in range(reviewers)]
    project = Project.objects.create(
        name="Agreement bench",
        slug="agreement-bench",
        scale_preset="politifact",
        scale=PRESETS["politifact"].as_scale(),
        scale_is_ordinal=True,
        reviews_per_claim=reviewers,
    )
    Membership.objects.bulk_create(
        [Membership(project=project, user=editor, role="editor")]
        + [Membership(project=project, user=user, role="reviewer") for user in team]
    )
    # 60 sentences an article: each marked once, and 40 of them a second time from 3 code
    # points in by another reviewer (Jaccard 42/45: an overlap match, never an exact one).
    sentences = 60
    n_articles = -(-spans // SPANS_PER_ARTICLE)
    bodies = [
        "".join(SENTENCE.format(a * sentences + s) for s in range(sentences)).strip()
        for a in range(n_articles)
    ]
    articles = Article.objects.bulk_create(
        Article(
            title=f"Bench article {a}",
            language="en",
            body=body,
            raw_text=body,
            content_hash=content_hash(body),
        )
        for a, body in enumerate(bodies)
    )
    project.articles.add(*articles)
    labels = project.labels
    started = time.perf_counter()
    raw = connection.connection  # psycopg 3: COPY straight from Python rows
    width = len(SENTENCE.format(0))
    span_rows = []
    for a, article in enumerate(articles):
        for j in range(min(SPANS_PER_ARTICLE, spans - a * SPANS_PER_ARTICLE)):
            sentence = j if j < sentences else j - sentences
            start = sentence * width + (3 if j >= sentences else 0)
            end = sentence * width + width - 1
            marker = team[(j + (j >= sentences)) % reviewers]
            span_rows.append((article.pk, start, end, bodies[a][start:end], marker.pk))
    now = datetime.datetime.now(datetime.UTC)
    with raw.cursor() as cursor:
        with cursor.copy(
            'COPY annotate_span (project_id, article_id, start, "end", quote, prefix, suffix, '
            "claimant, note, orphaned, anchor_errors, created_by_id, created_at) FROM STDIN"
        ) as copy:
            for article_id, start, end, quote, marker_id in span_rows:
                copy.write_row(
                    (project.pk, article_id, start, end, quote, "", "", "", "", False, 0,
                     marker_id, now)
                )  # fmt: skip
        cursor.execute(
            "SELECT id FROM annotate_span WHERE project_id = %s ORDER BY id", [project.pk]
        )
        span_ids = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)

        # A true label per span; each reviewer gives it (75 %), a neighbour on the scale (20 %)
        # or any label (5 %); 5 % of (span, reviewer) cells stay empty.
        truth = rng.integers(0, len(labels), size=len(span_ids))
        choice = rng.random((reviewers, len(span_ids)))
        step = rng.choice([-1, 1], size=(reviewers, len(span_ids)))
        given = np.where(
            choice < 0.75,
            truth,
            np.where(
                choice < 0.95,
                np.clip(truth + step, 0, len(labels) - 1),
                rng.integers(0, len(labels), size=(reviewers, len(span_ids))),
            ),
        )
        present = rng.random((reviewers, len(span_ids))) >= missing
        seconds = rng.integers(0, DAYS * 86400, size=(reviewers, len(span_ids)))
        verdicts = 0
        with cursor.copy(
            "COPY annotate_verdict (span_id, reviewer_id, label, rationale, status, version, "
            "created_at, updated_at, submitted_at) FROM STDIN"
        ) as copy:
            for r, reviewer in enumerate(team):
                for column in np.nonzero(present[r])[0].tolist():
                    at = START + datetime.timedelta(seconds=int(seconds[r, column]))
                    copy.write_row(
                        (int(span_ids[column]), reviewer.pk, labels[given[r, column]], "",
                         "submitted", 1, at, at, at)
                    )  # fmt: skip
                    verdicts += 1
        # 5 % of the spans adjudicated with their true label.
        adjudicated = np.nonzero(rng.random(len(span_ids)) < 0.05)[0]
        with cursor.copy(
            "COPY annotate_adjudication (span_id, editor_id, label, rationale, decided_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for column in adjudicated.tolist():
                copy.write_row(
                    (int(span_ids[column]), editor.pk, labels[truth[column]], "", now, now)
                )
        cursor.execute("ANALYZE annotate_span, annotate_verdict, annotate_adjudication")
    load_s = time.perf_counter() - started
    return project, {
        "articles": len(articles),
        "spans": len(span_ids),
        "verdicts": verdicts,
        "adjudications": len(adjudicated),
        "load_s": load_s,
    }


# --- the pure-Python reference ---


def loop_alpha(units: dict, n_values: int, level: str) -> float:
    """Krippendorff's alpha one unit and value pair at a time (the textbook formula)."""
    coincidence = defaultdict(float)
    for ratings in units.values():
        values = list(ratings.values())
        m = len(values)
        if m < 2:
            continue
        for i, c in enumerate(values):
            for j, d in enumerate(values):
                if i != j:
                    coincidence[(c, d)] += 1 / (m - 1)
    n_c = [sum(coincidence[(c, d)] for d in range(n_values)) for c in range(n_values)]
    present = [c for c in range(n_values) if n_c[c] > 0]
    rank = {}
    for position, c in enumerate(present):
        rank[c] = sum(n_c[g] for g in present[:position]) + n_c[c] / 2

    def delta(c: int, d: int) -> float:
        if level == "nominal":
            return float(c != d)
        return (rank[c] - rank[d]) ** 2  # ordinal: distance between mid-ranks

    observed = sum(coincidence[(c, d)] * delta(c, d) for c in present for d in present)
    expected = sum(n_c[c] * n_c[d] * delta(c, d) for c in present for d in present if c != d)
    return 1 - observed / (expected / (sum(n_c) - 1))


def loop_percent(units: dict) -> float:
    agreeing = total = 0.0
    for ratings in units.values():
        m = len(ratings)
        if m < 2:
            continue
        counts = Counter(ratings.values())
        agreeing += sum(n * (n - 1) for n in counts.values()) / (m - 1)
        total += m
    return agreeing / total


def loop_fleiss(units: dict, n_values: int, k: int) -> float:
    rows = []
    for ratings in units.values():
        if len(ratings) == k:
            counts = Counter(ratings.values())
            rows.append([counts.get(c, 0) for c in range(n_values)])
    p_bar = sum((sum(x * x for x in row) - k) / (k * (k - 1)) for row in rows) / len(rows)
    totals = [sum(row[c] for row in rows) for c in range(n_values)]
    p_e = sum((t / (len(rows) * k)) ** 2 for t in totals)
    return (p_bar - p_e) / (1 - p_e)


def loop_cohen(units: dict, n_values: int) -> dict:
    reviewers = sorted({r for ratings in units.values() for r in ratings})
    kappas = {}
    for a, b in itertools.combinations(reviewers, 2):
        pairs = [(u[a], u[b]) for u in units.values() if a in u and b in u]
        agree = sum(x == y for x, y in pairs) / len(pairs)
        first, second = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
        chance = sum(first[c] * second[c] for c in range(n_values)) / len(pairs) ** 2
        kappas[(a, b)] = (agree - chance) / (1 - chance)
    return kappas


def loop_statistics(units: dict, n_values: int, k: int) -> dict:
    """The same five statistics as `vector_statistics()`, each from the ratings on its own."""
    return {
        "alpha_nominal": loop_alpha(units, n_values, "nominal"),
        "alpha_ordinal": loop_alpha(units, n_values, "ordinal"),
        "percent_agreement": loop_percent(units),
        "fleiss": loop_fleiss(units, n_values, k),
        "cohen": loop_cohen(units, n_values),
    }


def vector_statistics(matrix, n_values: int, k: int) -> dict:
    """The five statistics by `annotate.quality.statistics`, on the reviewers × spans matrix."""
    from annotate.quality.statistics import (
        cohen_kappa_matrix,
        fleiss_kappa,
        krippendorff_alpha,
        percent_agreement,
        value_counts,
    )

    counts = value_counts(matrix, n_values)
    kappas = cohen_kappa_matrix(matrix)
    return {
        "alpha_nominal": krippendorff_alpha(matrix, "nominal"),
        "alpha_ordinal": krippendorff_alpha(matrix, "ordinal"),
        "percent_agreement": percent_agreement(matrix),
        "fleiss": fleiss_kappa(counts[counts.sum(axis=1) == k]).kappa,
        "cohen": {
            (a, b): kappas[a][b] for a, b in itertools.combinations(range(matrix.shape[0]), 2)
        },
    }


def best_of(repeat: int, run) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - started)
    return min(timings), result


# --- the run ---


def measure(args) -> None:
    import django

    django.setup()
    import numpy as np
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection

    from annotate.models import Verdict
    from annotate.quality import project_agreement

    call_command("migrate", verbosity=0)
    project, loaded = load(
        spans=args.spans, reviewers=args.reviewers, missing=args.missing, seed=args.seed
    )
    print(
        f"loaded {loaded['articles']:,} articles, {loaded['spans']:,} spans, "
        f"{loaded['verdicts']:,} submitted verdicts ({args.reviewers} reviewers, "
        f"{args.missing:.0%} missing) and {loaded['adjudications']:,} adjudications "
        f"with COPY in {loaded['load_s']:.2f} s"
    )

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    timings = []
    for _ in range(args.repeat):
        caches["shared"].clear()
        queries.clear()
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            report = project_agreement(project)
            timings.append(time.perf_counter() - started)
    cold = min(timings)
    started = time.perf_counter()
    project_agreement(project)
    warm = time.perf_counter() - started
    verdict = "OK" if cold < 2 else "OVER TARGET"
    print(
        f"project_agreement from PostgreSQL, cache cleared: best {cold:.3f} s of {args.repeat} "
        f"(median {sorted(timings)[len(timings) // 2]:.3f} s; target < 2 s: {verdict}), "
        f"{len(queries)} queries; from the cache: {warm * 1000:.2f} ms"
    )

    # The statistics alone, on data read once: a matrix for numpy, unit dicts for the loop.
    labels = project.labels
    index = {label: i for i, label in enumerate(labels)}
    started = time.perf_counter()
    triples = list(
        Verdict.objects.filter(span__project=project, status="submitted")
        .order_by()
        .values_list("span_id", "reviewer_id", "label")
        .iterator(chunk_size=20_000)
    )
    read_s = time.perf_counter() - started
    reviewers = sorted({r for _, r, _ in triples})
    row_of = {r: i for i, r in enumerate(reviewers)}
    spans = np.array([s for s, _, _ in triples], dtype=np.int64)
    units, columns = np.unique(spans, return_inverse=True)
    matrix = np.full((len(reviewers), len(units)), np.nan)
    matrix[[row_of[r] for _, r, _ in triples], columns] = [index[label] for _, _, label in triples]
    unit_dicts: dict = defaultdict(dict)
    for span_id, reviewer_id, label in triples:
        unit_dicts[span_id][row_of[reviewer_id]] = index[label]
    k = project.reviews_per_claim

    vector_s, vector = best_of(args.repeat, lambda: vector_statistics(matrix, len(labels), k))
    loop_s, loop = best_of(min(2, args.repeat), lambda: loop_statistics(unit_dicts, len(labels), k))
    for name in ("alpha_nominal", "alpha_ordinal", "percent_agreement", "fleiss"):
        if abs(vector[name] - loop[name]) > 1e-9:
            raise SystemExit(f"{name} differs: vectorised {vector[name]}, loop {loop[name]}")
    for pair, kappa in vector["cohen"].items():
        if abs(kappa - loop["cohen"][pair]) > 1e-9:
            raise SystemExit(f"Cohen's kappa of {pair} differs: {kappa}, {loop['cohen'][pair]}")
    speedup = loop_s / vector_s
    print(
        f"statistics alone (alpha nominal + ordinal, percent agreement, Fleiss, Cohen matrix) "
        f"on {matrix.shape[0]} × {matrix.shape[1]:,}: vectorised {vector_s * 1000:.1f} ms, "
        f"pure-Python loop {loop_s * 1000:.0f} ms: {speedup:.1f}× "
        f"(target ≥ 10×: {'OK' if speedup >= 10 else 'UNDER TARGET'}); same results"
    )
    print(f"(reading the {len(triples):,} triples in one streamed query: {read_s:.3f} s)")
    print()
    print(f"report computed from {report.verdicts:,} verdicts; every figure:")
    call_command("agreement_report", "--project", project.slug, stdout=sys.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--reviewers", type=int, default=3)
    parser.add_argument("--missing", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        database_url = DEFAULT_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    with scratch_postgres(database_url, "bench_agreement") as url:
        os.environ["DATABASE_URL"] = url
        measure(args)


if __name__ == "__main__":
    main()
