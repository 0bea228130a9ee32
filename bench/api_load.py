"""API latency under load: a generated project served by gunicorn, driven at a fixed request rate.

    python bench/api_load.py [--articles 10000] [--spans-per-article 5] [--reviewers 3]
                             [--pool 200] [--reviewed 0.9] [--rate 100] [--duration 60] [--warmup 3]
                             [--workers 4] [--mix list=35,retrieve=35,next=15,verdict=15]

Creates a throwaway PostgreSQL database beside DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/postgres), migrates it and fills one project with COPY:
articles, spans (valid offsets, quotes and context), submitted verdicts of `--reviewers`
reviewers on every span (with sources and assignments), and a pool of extra reviewers. The
project wants one review more per claim than it has, so next-span always has work to hand out;
with --reviewed, that share of spans (the first in reading order) already has its last review
too, as in a project nearing its end, and next-span has to find the open ones after them.

Then it prints the queries one request of each endpoint runs (in-process, rolled back), starts
gunicorn on the database and drives an open-loop load: requests start on schedule whether or not
earlier ones have answered, and latency counts from the scheduled start, so a slow server shows
up as latency instead of a lower request rate. Mix: list spans (walking cursors sometimes),
retrieve a span, next-span from pool reviewers, and submit a verdict on a fresh reviewer+span
pair (the span next-span handed out, else one the reviewer has not judged). Prints count,
achieved rate, p50/p95/p99 and errors per endpoint against the targets (p95 < 50 ms for reads,
< 100 ms for writes, no errors). Gunicorn is stopped and the database dropped on every exit.
"""

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from import_corpus import WORDS  # the same vocabulary as the import benchmark
from scratch import run_sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# Astral emoji, curly quotes, CJK: code-point offsets must hold beyond ASCII.
FLAVOUR = ["👋", "🇺🇦", "“quoted”", "‘single’", "—", "東京", "…", "café", "Zoë"]

# Share of requests per endpoint; reads are the bulk of real traffic.
MIX = {"list": 0.35, "retrieve": 0.35, "next": 0.15, "verdict": 0.15}
TITLES = {
    "list": "list spans",
    "retrieve": "retrieve span",
    "next": "next span",
    "verdict": "submit verdict",
}
TARGET_P95_MS = {"list": 50, "retrieve": 50, "next": 100, "verdict": 100}
CURSOR_WALK_SHARE = 0.3  # list requests that follow a `next` cursor of an earlier page
MAX_IN_FLIGHT = 1000  # beyond this the server is hopelessly behind; count the request as failed
REQUEST_TIMEOUT_S = 30.0
COPY_BATCH = 5_000
NO_ANSWER = 0  # timed out after REQUEST_TIMEOUT_S, or the connection failed
NOT_SENT = -1  # MAX_IN_FLIGHT requests were already waiting: the server is far behind
STATUS_NAMES = {NO_ANSWER: "no answer", NOT_SENT: "not sent"}
# Field names in the order of the generated rows.
SPAN_COLUMNS = [
    "id",
    "article",
    "project",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "claimant",
    "note",
    "orphaned",
    "anchor_errors",
    "created_by",
    "created_at",
    "queue_open",  # one slot left, except on spans counted as reviewed (--reviewed)
]
VERDICT_COLUMNS = [
    "id",
    "span",
    "reviewer",
    "label",
    "rationale",
    "confidence",
    "status",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
]
# The environment the app runs under, in gunicorn and in the in-process probes alike.
APP_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "ALLOWED_HOSTS": "127.0.0.1",
    "API_THROTTLE_TOKEN": "1000000/min",  # the load is many requests per token, on purpose
}


# ---------------------------------------------------------------------------------------------
# Data generation (in this process, against the throwaway database)


@dataclass
class Setup:
    database: str
    project_id: int
    span_ids: list[int]
    labels: list[str]
    readers: list[str]  # tokens of the editor, the seeded reviewers and a few pool reviewers
    next_reviewers: list[str]  # pool tokens that ask for the next span
    direct_reviewers: list[str]  # pool tokens that judge spans picked by this script
    probe_reviewer: str  # a pool reviewer outside the load, for the in-process probes
    probe_reader: str  # a seeded reviewer: sees every verdict of the spans it reads


def article_body(rng: random.Random, n: int, chars: int) -> str:
    paragraphs, size = [f"Dispatch {n}."], 0
    while size < chars:
        words = [rng.choice(WORDS) for _ in range(rng.randint(30, 60))]
        words.insert(rng.randrange(len(words)), rng.choice(FLAVOUR))
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def span_offsets(rng: random.Random, body: str, count: int) -> Iterator[tuple[int, int]]:
    """`count` disjoint [start, end) passages, one per equal slice of the body, on word edges."""
    slice_chars = len(body) // count
    for index in range(count):
        low, high = index * slice_chars, (index + 1) * slice_chars
        start = body.find(" ", low + rng.randrange(max(1, slice_chars // 3))) + 1
        if not low < start < high - 20:
            start = low
        end = min(start + rng.randint(40, 160), high)
        word_end = body.rfind(" ", start + 10, end)
        end = word_end if word_end > start else end
        if not body[start:end].strip():
            start, end = low, high
        yield start, end


def copy_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into the model's table (columns by field name); returns how many."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def generate(args: argparse.Namespace) -> Setup:
    """Users, one project, articles, spans, verdicts, sources and assignments; prints timings."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.services import token_create
    from annotate.models import Assignment, Membership, Project, Source, Span, Verdict
    from annotate.projects.services import project_create
    from annotate.review.anchoring import quote_context
    from corpus.models import Article
    from corpus.services import articles_insert
    from corpus.text import canonical_body, content_hash

    User = get_user_model()
    rng = random.Random(args.seed)
    now = timezone.now()
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}

    def timed(step: str, started: float) -> None:
        timings[step] = time.perf_counter() - started

    started = time.perf_counter()
    with transaction.atomic():
        # Token-only users: an unusable password, no hashing cost.
        nopass = UNUSABLE_PASSWORD_PREFIX
        editor = User.objects.create(username="bench-editor", is_staff=True, password=nopass)
        reviewers = User.objects.bulk_create(
            User(username=f"bench-reviewer-{n}", password=nopass) for n in range(args.reviewers)
        )
        pool = User.objects.bulk_create(
            User(username=f"bench-pool-{n}", password=nopass) for n in range(args.pool + 1)
        )
        # Takes the last slot of the spans counted as fully reviewed (--reviewed).
        filler = User.objects.create(username="bench-filler", password=nopass)
        project = project_create(
            actor=editor,
            name="Load benchmark",
            slug="load-benchmark",
            scale_preset="plain",
            reviews_per_claim=args.reviewers + 1,
        )
        Membership.objects.bulk_create(
            Membership(project=project, user=user, role=Membership.Role.REVIEWER)
            for user in [*reviewers, *pool, filler]
        )
        keys = {user.pk: token_create(user=user, name="bench")[1] for user in [editor, *pool]}
        keys.update({user.pk: token_create(user=user, name="bench")[1] for user in reviewers})
    counts["users"] = 2 + len(reviewers) + len(pool)
    timed("users, project, tokens", started)

    started = time.perf_counter()
    bodies: list[tuple[int, str]] = []
    with transaction.atomic():
        for first in range(0, args.articles, COPY_BATCH):
            batch = []
            for n in range(first, min(first + COPY_BATCH, args.articles)):
                body = canonical_body(article_body(rng, n, args.chars))
                batch.append(
                    Article(
                        title=f"Synthetic article {n}: {rng.choice(WORDS)}",
                        authors=[f"Reporter {n % 97}"],
                        publisher=f"Outlet {n % 13}",
                        published_on=f"2021-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                        language="en",
                        body=body,
                        raw_text=body,
                        content_hash=content_hash(body),
                        origin=f"bench/{n}",
                    )
                )
            articles_insert(batch)  # the importer's COPY
            bodies.extend((article.pk, article.body) for article in batch)
        copy_rows(
            Project.articles.through,
            ["project", "article"],
            ((project.pk, article_id) for article_id, _ in bodies),
        )
    counts["articles"] = len(bodies)
    timed("articles", started)

    started = time.perf_counter()
    labels = project.labels
    span_rows, verdict_rows, source_rows, assignment_rows = [], [], [], []
    span_id = verdict_id = source_id = 0
    # The first spans in reading order (the queue's order) count as fully reviewed: the filler
    # holds their last slot, so next-span must look past them.
    reviewed = int(args.reviewed * args.articles * args.spans_per_article)
    for article_id, body in bodies:
        for start, end in span_offsets(rng, body, args.spans_per_article):
            span_id += 1
            prefix, suffix = quote_context(body, start, end)
            span_rows.append(
                (
                    span_id,
                    article_id,
                    project.pk,
                    start,
                    end,
                    body[start:end],
                    prefix,
                    suffix,
                    "",
                    "",
                    False,
                    0,
                    editor.pk,
                    now,
                    span_id > reviewed,  # queue_open
                )
            )
            # Reviewers mostly agree, so the project has agreed and contested claims.
            consensus = rng.choice(labels)
            for reviewer in reviewers:
                verdict_id += 1
                label = consensus if rng.random() < 0.7 else rng.choice(labels)
                verdict_rows.append(
                    (
                        verdict_id,
                        span_id,
                        reviewer.pk,
                        label,
                        "Checked against the record.",
                        rng.randint(1, 5),
                        Verdict.Status.SUBMITTED,
                        1,
                        now,
                        now,
                        now,
                    )
                )
                if project.label_needs_sources(label):
                    source_id += 1
                    source_rows.append(
                        (
                            source_id,
                            verdict_id,
                            0,
                            f"https://example.org/evidence/{verdict_id}",
                            "Evidence",
                            "",
                            Source.Stance.SUPPORTS,
                        )
                    )
                assignment_rows.append((verdict_id, span_id, reviewer.pk, now))
    assignment_rows.extend(
        (verdict_id + n, n, filler.pk, now) for n in range(1, min(reviewed, span_id) + 1)
    )
    timed("rows built in Python", started)

    started = time.perf_counter()
    with transaction.atomic():
        counts["spans"] = copy_rows(Span, SPAN_COLUMNS, span_rows)
        counts["verdicts"] = copy_rows(Verdict, VERDICT_COLUMNS, verdict_rows)
        counts["sources"] = copy_rows(
            Source, ["id", "verdict", "position", "url", "title", "excerpt", "stance"], source_rows
        )
        counts["assignments"] = copy_rows(
            Assignment, ["id", "span", "reviewer", "created_at"], assignment_rows
        )
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [Span, Verdict, Source, Assignment]
            ):
                cursor.execute(statement)
    timed("COPY spans, verdicts, sources, assignments", started)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by the time anyone reads
    timed("VACUUM ANALYZE", started)

    print("generated " + ", ".join(f"{count} {name}" for name, count in counts.items()))
    for step, seconds in timings.items():
        print(f"  {step:<44} {seconds:6.1f} s")
    print(f"  {'total':<44} {sum(timings.values()):6.1f} s")

    probe = pool.pop()  # not driven by the load; the probes' writes are rolled back anyway
    half = len(pool) // 2
    return Setup(
        database=connection.settings_dict["NAME"],
        project_id=project.pk,
        span_ids=list(range(1, span_id + 1)),
        labels=labels,
        readers=[keys[user.pk] for user in [editor, *reviewers, *pool[:20]]],
        next_reviewers=[keys[user.pk] for user in pool[:half]],
        direct_reviewers=[keys[user.pk] for user in pool[half:]],
        probe_reviewer=keys[probe.pk],
        probe_reader=keys[reviewers[0].pk],
    )


# ---------------------------------------------------------------------------------------------
# Query counts: one request per endpoint through Django's test client, rolled back


class _Rollback(Exception):
    pass


def probe_queries(setup: Setup) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    reader_key, reviewer_key = setup.probe_reader, setup.probe_reviewer
    project = setup.project_id
    list_path = f"/api/v1/spans/?project={project}&page_size=50"
    first_page = client.get(list_path, HTTP_AUTHORIZATION=f"Bearer {reader_key}")
    next_link = first_page.json().get("next") or list_path
    cursor_path = urlsplit(next_link)._replace(scheme="", netloc="").geturl()
    span_id = setup.span_ids[len(setup.span_ids) // 2]
    probes = [
        ("list", "get", list_path, None, reader_key),
        ("list (cursor)", "get", cursor_path, None, reader_key),
        ("retrieve", "get", f"/api/v1/spans/{span_id}/", None, reader_key),
        ("next", "post", f"/api/v1/projects/{project}/next/", None, reviewer_key),
        (
            "verdict",
            "post",
            "/api/v1/verdicts/",
            verdict_body(span_id, setup.labels[0]),
            reviewer_key,
        ),
    ]
    timings: list[float] = []

    def timed(execute, sql, params, many, context):
        # CaptureQueriesContext rounds to whole milliseconds; this keeps microseconds.
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started) * 1000)

    print("queries per request (in-process, DEBUG off, warm, writes rolled back):")
    for name, method, path, body, key in probes:
        for attempt in ("warm-up", "measured"):
            timings.clear()
            try:
                with transaction.atomic():
                    with (
                        CaptureQueriesContext(connection) as captured,
                        connection.execute_wrapper(timed),
                    ):
                        started = time.perf_counter()
                        response = getattr(client, method)(
                            path,
                            data=body,
                            content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {key}",
                        )
                        elapsed_ms = (time.perf_counter() - started) * 1000
                    raise _Rollback
            except _Rollback:
                pass
            if attempt == "warm-up":
                continue
            times, count = list(timings), len(captured.captured_queries)
            slowest = max(range(len(times)), key=times.__getitem__) if times else None
            line = (
                f"  {name:<14} {response.status_code}  {count:>3} queries, "
                f"db {sum(times):6.1f} ms of {elapsed_ms:6.1f} ms"
            )
            if slowest is not None:
                sql = " ".join(captured.captured_queries[slowest]["sql"].split())
                line += f"; slowest #{slowest + 1} {times[slowest]:.1f} ms: {sql[:140]}"
            print(line)


def verdict_body(span_id: int, label: str) -> dict:
    return {
        "span": span_id,
        "version": 0,
        "status": "submitted",
        "label": label,
        "rationale": "Load benchmark.",
        "sources": [{"url": f"https://example.org/check/{span_id}", "stance": "supports"}],
    }


# ---------------------------------------------------------------------------------------------
# A minimal asyncio HTTP/1.1 client (keep-alive when the server allows it)


class HttpClient:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.phase = "setup"  # sent as X-Bench-Phase, so the access log can tell phases apart

    async def request(
        self, method: str, path: str, *, token: str | None = None, body: object = None
    ) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept: application/json",
            f"Content-Length: {len(payload)}",
            f"X-Bench-Phase: {self.phase}",
        ]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        message = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        while self.idle:  # a kept-alive connection the server may have closed meanwhile
            reader, writer = self.idle.pop()
            try:
                return await self._exchange(reader, writer, message, method)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            return await self._exchange(reader, writer, message, method)
        except BaseException:
            writer.close()
            raise

    async def _exchange(self, reader, writer, message: bytes, method: str) -> tuple[int, bytes]:
        writer.write(message)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        version, status = status_line.split(" ", 2)[:2]
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        code = int(status)
        if method == "HEAD" or code in (204, 304) or 100 <= code < 200:
            content = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # trailers end with an empty line
            content = b"".join(parts)
        elif "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        else:
            content = await reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close" or version == "HTTP/1.0":
            writer.close()
        else:
            self.idle.append((reader, writer))
        return code, content

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


# ---------------------------------------------------------------------------------------------
# Open-loop load


@dataclass
class Result:
    endpoint: str
    status: int  # NO_ANSWER or NOT_SENT when there is no HTTP status
    latency_ms: float
    finished_at: float


@dataclass
class Traffic:
    """What the next request of each kind should be; deterministic for a given seed."""

    setup: Setup
    rng: random.Random
    cursors: deque = field(default_factory=lambda: deque(maxlen=200))
    handed_out: deque = field(default_factory=deque)  # (token, span_id) from next-span
    pending: set = field(default_factory=set)  # handed-out pairs whose verdict has not landed
    idle_next: deque = field(default_factory=deque)
    fresh_pairs: Iterator[tuple[str, int]] | None = None
    mix: dict[str, float] = field(default_factory=lambda: dict(MIX))

    def __post_init__(self) -> None:
        self.idle_next.extend(self.setup.next_reviewers)
        self.fresh_pairs = self._fresh_pairs()

    def _fresh_pairs(self) -> Iterator[tuple[str, int]]:
        """(reviewer, span) pairs never used before: each round shifts reviewers by one."""
        spans = list(self.setup.span_ids)
        self.rng.shuffle(spans)
        reviewers = self.setup.direct_reviewers
        for shift in range(len(reviewers)):
            for index, span_id in enumerate(spans):
                yield reviewers[(index + shift) % len(reviewers)], span_id

    def pick(self) -> str:
        return self.rng.choices(list(self.mix), weights=list(self.mix.values()))[0]


async def one_request(
    client: HttpClient, traffic: Traffic, endpoint: str, scheduled: float
) -> Result:
    setup, rng = traffic.setup, traffic.rng
    project = setup.project_id
    pending_pair = None
    next_token = None
    if endpoint == "list":
        token = rng.choice(setup.readers)
        if traffic.cursors and rng.random() < CURSOR_WALK_SHARE:
            path = traffic.cursors.popleft()
        else:
            path = f"/api/v1/spans/?project={project}&page_size=50"
        method, body = "GET", None
    elif endpoint == "retrieve":
        token = rng.choice(setup.readers)
        path, method, body = f"/api/v1/spans/{rng.choice(setup.span_ids)}/", "GET", None
    elif endpoint == "next":
        # An idle reviewer takes a new slot; a busy one would only get their open span back.
        next_token = (
            traffic.idle_next.popleft() if traffic.idle_next else rng.choice(setup.next_reviewers)
        )
        token = next_token
        path, method, body = f"/api/v1/projects/{project}/next/", "POST", None
    else:
        if traffic.handed_out:
            pending_pair = traffic.handed_out.popleft()
            token, span_id = pending_pair
        else:
            token, span_id = next(traffic.fresh_pairs)
        path, method = "/api/v1/verdicts/", "POST"
        body = verdict_body(span_id, rng.choice(setup.labels))

    loop = asyncio.get_running_loop()
    try:
        status, content = await asyncio.wait_for(
            client.request(method, path, token=token, body=body), REQUEST_TIMEOUT_S
        )
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        status, content = NO_ANSWER, b""
    finished = loop.time()

    if endpoint == "list" and status == 200:
        link = json.loads(content).get("next")
        if link and rng.random() < 0.5:
            traffic.cursors.append(urlsplit(link)._replace(scheme="", netloc="").geturl())
    elif endpoint == "next":
        pair = (next_token, json.loads(content)["id"]) if status == 200 else None
        if pair is not None and pair not in traffic.pending:
            traffic.pending.add(pair)
            traffic.handed_out.append(pair)
        elif pair is None and next_token not in traffic.idle_next:
            traffic.idle_next.append(next_token)
        # Else a busy reviewer got their open span back: its verdict is already queued.
    elif pending_pair is not None:
        traffic.pending.discard(pending_pair)
        if pending_pair[0] not in traffic.idle_next:
            traffic.idle_next.append(pending_pair[0])  # judged: free for another next-span
    return Result(endpoint, status, (finished - scheduled) * 1000, finished)


async def drive(
    client: HttpClient, traffic: Traffic, *, rate: float, duration: float
) -> tuple[list[Result], float, float]:
    """Start rate × duration requests on a fixed schedule; returns results, window, worst lag."""
    loop = asyncio.get_running_loop()
    total = int(rate * duration)
    begin = loop.time() + 0.05
    tasks: list[asyncio.Task] = []
    worst_lag = 0.0
    capped: list[Result] = []
    in_flight = 0

    def landed(_task: asyncio.Task) -> None:
        nonlocal in_flight
        in_flight -= 1

    for index in range(total):
        scheduled = begin + index / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_lag = max(worst_lag, loop.time() - scheduled)
        endpoint = traffic.pick()
        if in_flight >= MAX_IN_FLIGHT:
            capped.append(Result(endpoint, NOT_SENT, math.inf, loop.time()))
            continue
        in_flight += 1
        task = asyncio.create_task(one_request(client, traffic, endpoint, scheduled))
        task.add_done_callback(landed)
        tasks.append(task)
    results = [*capped, *(await asyncio.gather(*tasks))]
    end = max((result.finished_at for result in results), default=begin)
    return results, end - begin, worst_lag * 1000


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return math.nan
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]


def report(results: list[Result], window_s: float) -> int:
    """Print the table; returns how many target checks failed."""
    print(
        f"{'endpoint':<15} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}  target"
    )
    failures = 0
    total_errors = 0
    for endpoint, title in TITLES.items():
        mine = [result for result in results if result.endpoint == endpoint]
        if not mine:
            print(f"{title:<15} {0:>6}  not driven (--mix)")
            continue
        latencies = sorted(result.latency_ms for result in mine)
        errors = Counter(result.status for result in mine if not 200 <= result.status < 300)
        error_count = sum(errors.values())
        total_errors += error_count
        p95 = percentile(latencies, 0.95)
        target = TARGET_P95_MS[endpoint]
        passed = p95 < target and error_count == 0
        failures += not passed
        named = {STATUS_NAMES.get(status, status): count for status, count in errors.items()}
        detail = f"  ({named})" if errors else ""
        if endpoint == "next":
            empty = sum(result.status == 204 for result in mine)
            detail += f"  ({empty} × 204 nothing left)" if empty else ""
        print(
            f"{title:<15} {len(mine):>6} {len(mine) / window_s:>7.1f} "
            f"{percentile(latencies, 0.5):>8.1f} {p95:>8.1f} {percentile(latencies, 0.99):>8.1f} "
            f"{error_count:>6}  p95 < {target} ms, 0 errors: {'PASS' if passed else 'FAIL'}{detail}"
        )
    latencies = sorted(result.latency_ms for result in results)
    print(
        f"{'all':<15} {len(results):>6} {len(results) / window_s:>7.1f} "
        f"{percentile(latencies, 0.5):>8.1f} {percentile(latencies, 0.95):>8.1f} "
        f"{percentile(latencies, 0.99):>8.1f} {total_errors:>6}  "
        f"0 errors: {'PASS' if total_errors == 0 else 'FAIL'}"
    )
    if any(result.status in STATUS_NAMES for result in results):
        print(
            f"(no answer: timed out after {REQUEST_TIMEOUT_S:g} s or connection failed; not sent: "
            f"{MAX_IN_FLIGHT} requests already in flight. Both count as errors with their "
            "latency, inf when not sent.)"
        )
    return failures + (total_errors > 0)


async def run_load(
    port: int, setup: Setup, args: argparse.Namespace, server: subprocess.Popen
) -> int:
    client = HttpClient("127.0.0.1", port)
    traffic = Traffic(setup=setup, rng=random.Random(args.seed), mix=args.mix)
    try:
        if args.warmup > 0:
            client.phase = "warmup"
            await drive(client, traffic, rate=args.rate, duration=args.warmup)
            print(f"warm-up: {args.warmup:g} s at {args.rate:g} requests/s, not counted")
        client.phase = "load"
        meter = CpuMeter(server.pid, setup.database)
        meter.start()
        sampler = asyncio.create_task(meter.run())
        try:
            results, window_s, worst_lag_ms = await drive(
                client, traffic, rate=args.rate, duration=args.duration
            )
        finally:
            sampler.cancel()
    finally:
        client.close()
    print(
        f"load: {len(results)} requests scheduled at {args.rate:g}/s over {args.duration:g} s, "
        f"done in {window_s:.1f} s (worst scheduling lag {worst_lag_ms:.1f} ms)"
    )
    failures = report(results, window_s)
    meter.report()
    return failures


class CpuMeter:
    """CPU seconds spent during the load by the gunicorn processes, the scratch database's
    backends, this process, and the whole machine (which includes whatever else runs on it).

    Processes are sampled every half second, so a backend that exits mid-run (Django reconnects
    after CONN_MAX_AGE) still counts up to its last sample."""

    def __init__(self, master_pid: int, database: str) -> None:
        self.master_pid = master_pid
        self.title = f" {database} ".encode()  # in the backends' process titles
        self.baseline: dict[int, float] = {}
        self.latest: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres backends": {}}
        self.started = (0.0, 0.0, 0, 0)  # monotonic, this process's CPU, machine jiffies

    def sample(self) -> None:
        for pid in _all_pids():
            fields = _stat(pid)
            if len(fields) < 13:
                continue
            group = None
            if pid == self.master_pid or fields[1] == str(self.master_pid):
                group = "gunicorn"
            else:
                try:
                    if self.title in Path(f"/proc/{pid}/cmdline").read_bytes():
                        group = "postgres backends"
                except OSError:
                    continue
            if group is not None:
                seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                self.latest[group][pid] = seconds

    def start(self) -> None:
        self.sample()
        self.baseline = {pid: s for group in self.latest.values() for pid, s in group.items()}
        self.started = (time.monotonic(), time.process_time(), *_machine_jiffies())

    async def run(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.sample()

    def report(self) -> None:
        self.sample()
        elapsed = time.monotonic() - self.started[0]
        parts = {
            group: sum(s - self.baseline.get(pid, 0.0) for pid, s in seen.items())
            for group, seen in self.latest.items()
        }
        parts["load client"] = time.process_time() - self.started[1]
        busy, total = _machine_jiffies()
        busy, total = busy - self.started[2], total - self.started[3]
        tick = os.sysconf("SC_CLK_TCK")
        print(
            f"CPU over {elapsed:.1f} s on {os.cpu_count()} cores: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in parts.items())
            + f"; machine {busy / max(total, 1):.0%} busy, "
            f"{busy / tick - sum(parts.values()):.1f} s of it by other processes"
        )


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot; iowait counts as idle."""
    jiffies = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    return sum(jiffies) - jiffies[3] - jiffies[4], sum(jiffies)


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name: state, ppid, ... (utime at 11)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


ACCESS_LOG_FORMAT = "%({x-bench-phase}i)s %(m)s %(U)s %(s)s %(D)s"


def endpoint_of(method: str, path: str) -> str | None:
    parts = [part for part in path.split("/") if part]  # api v1 spans 12
    if parts[2:3] == ["spans"]:
        return "list" if len(parts) == 3 else "retrieve"
    if parts[2:3] == ["projects"] and parts[-1] == "next" and method == "POST":
        return "next"
    if parts[2:] == ["verdicts"] and method == "POST":
        return "verdict"
    return None


def report_server_times(access_log: Path) -> None:
    """Time inside gunicorn workers per endpoint (from the access log): what is left of the
    client's latency is waiting for a free worker (and the client itself)."""
    times: dict[str, list[float]] = {endpoint: [] for endpoint in TITLES}
    for line in access_log.read_text().splitlines():
        fields = line.split()
        if len(fields) != 5 or fields[0] != "load":
            continue
        endpoint = endpoint_of(fields[1], fields[2])
        if endpoint is not None:
            times[endpoint].append(int(fields[4]) / 1000)
    print("time inside the gunicorn worker (access log), ms:")
    for endpoint, title in TITLES.items():
        ordered = sorted(times[endpoint])
        if not ordered:
            continue
        print(
            f"  {title:<15} {len(ordered):>6} requests  p50 {percentile(ordered, 0.5):7.1f}  "
            f"p95 {percentile(ordered, 0.95):7.1f}  p99 {percentile(ordered, 0.99):7.1f}  "
            f"mean {sum(ordered) / max(1, len(ordered)):7.1f}"
        )


async def wait_healthy(port: int, server: subprocess.Popen, timeout_s: float = 60) -> None:
    client = HttpClient("127.0.0.1", port)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            status, _ = await client.request("GET", "/api/v1/health/")
            if status == 200:
                client.close()
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /api/v1/health/ in time")


# ---------------------------------------------------------------------------------------------
# Database and server lifecycle


def scratch_urls(database_url: str) -> tuple[str, str, str]:
    """(admin URL, scratch URL, scratch name) beside the given database."""
    parts = urlsplit(database_url)
    name = f"bench_api_{os.getpid()}"
    return (
        parts._replace(path="/postgres").geturl(),
        parts._replace(path=f"/{name}").geturl(),
        name,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(database_url: str, workers: int, scratch: Path) -> tuple[subprocess.Popen, int]:
    """Gunicorn on a free port; its output goes to scratch/gunicorn.log, requests to access.log."""
    port = free_port()
    env = {**os.environ, **APP_ENV, "DATABASE_URL": database_url}
    env.setdefault("SECRET_KEY", "bench-only-not-secret")
    env.pop("DEBUG", None)
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--access-logfile",
        str(scratch / "access.log"),
        "--access-logformat",
        ACCESS_LOG_FORMAT,
    ]
    with (scratch / "gunicorn.log").open("wb") as log:
        # A session of its own: Ctrl-C reaches this script, which stops gunicorn in order.
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return server, port


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # SIGTERM: graceful shutdown of the master and its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def parse_mix(text: str) -> dict[str, float]:
    mix = dict.fromkeys(MIX, 0.0)
    for part in text.split(","):
        name, _, share = part.partition("=")
        if name.strip() not in mix:
            raise argparse.ArgumentTypeError(f"unknown endpoint {name!r}; use {', '.join(MIX)}")
        mix[name.strip()] = float(share)
    if not sum(mix.values()) > 0:
        raise argparse.ArgumentTypeError("give at least one endpoint a share")
    return mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=2_000, help="body size in code points")
    parser.add_argument("--spans-per-article", type=int, default=5)
    parser.add_argument("--reviewers", type=int, default=3, help="verdicts per span")
    parser.add_argument("--pool", type=int, default=200, help="extra reviewers for the load")
    parser.add_argument(
        "--reviewed",
        type=float,
        default=0.0,
        help="share of spans (first in reading order) already given their last review",
    )
    parser.add_argument("--rate", type=float, default=100, help="requests per second")
    parser.add_argument("--duration", type=float, default=60, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load not counted")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=dict(MIX),
        help="request shares, e.g. list=35,retrieve=35,next=15,verdict=15 (0 leaves one out)",
    )
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    if args.pool < 2 or args.reviewers < 1 or args.spans_per_article < 1:
        parser.error("need --pool >= 2, --reviewers >= 1, --spans-per-article >= 1")
    if not 0 <= args.reviewed < 1:
        parser.error("--reviewed is a share: 0 <= share < 1")

    # SIGTERM unwinds like Ctrl-C, through the finally blocks below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    sys.path.insert(0, str(ROOT))
    admin_url, database_url, name = scratch_urls(
        os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    )
    os.environ.update({**APP_ENV, "DATABASE_URL": database_url})
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.pop("DEBUG", None)

    from psycopg import sql

    run_sql(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        import django

        # WhiteNoise looks for collected files; the API serves none.
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        django.setup()
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"database {name}: migrated in {time.perf_counter() - started:.1f} s")
        setup = generate(args)
        probe_queries(setup)
        connections.close_all()

        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            server, port = start_gunicorn(database_url, args.workers, scratch)
            try:
                asyncio.run(wait_healthy(port, server))
                print(
                    f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; host has "
                    f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (1 min)"
                )
                failures = asyncio.run(run_load(port, setup, args, server))
            finally:
                stop_gunicorn(server)
            report_server_times(scratch / "access.log")
            problems = [
                line
                for line in (scratch / "gunicorn.log").read_text().splitlines()
                if "Error" in line or "Traceback" in line
            ]
            if problems:
                print(f"gunicorn log: {len(problems)} error lines, last: {problems[-1][:300]}")
        print("result:", "PASS" if failures == 0 else f"FAIL ({failures} checks)")
        return 1 if failures else 0
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        run_sql(
            admin_url,
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        )
        print(f"database {name} dropped")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; gunicorn stopped, database dropped", file=sys.stderr)
        sys.exit(130)
