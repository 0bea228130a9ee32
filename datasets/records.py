"""The selector every export format shares: a project's articles, each with its spans, verdicts,
sources, comments and adjudication, streamed as plain records (doccano's "records" step).

Streaming: one query per relation for the whole export (articles, spans, verdicts, sources,
comments, adjudications, the verdicts they considered), each sorted by span position and read
through a server-side cursor (`iterator(chunk_size=...)`), merged here article by article. So the
number of queries is constant whatever the size, the database sorts each table once (per-chunk
joins made PostgreSQL rescan the million verdicts for every chunk), and memory holds one
article. Rows are read with `values_list` (tuples: 1M model instances would cost seconds),
timestamps come formatted by the database (psycopg's datetime loader was 90% of a verdict row's
cost) and the span status is derived from the verdicts read (`span_status`, with_status's rules;
in SQL it was a GROUP BY over every verdict).

Identifiers in every format are per-export and derived from order, never database pks: articles
`a-1, a-2, ...` by pk, spans `s-N` by (article, start, end, pk), verdicts `v-N`, sources `src-N`,
comments `c-N` by pk within their parent. An import that creates rows in file order into an empty
database therefore exports to the same identifiers.

People: the project's members and everyone who wrote anything in it, ranked by user pk. Each is
named by their username (`real_names`) or by a pseudonym `r-` + 10 hex digits of
HMAC-SHA256(salt, "<project slug>:<rank>"): stable for the same salt, unrelated for another, and,
because it hides the rank rather than the database id, the same again after an import that creates
the people in the order of the export's `people` list.
"""

import datetime
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Func, Q, TextField

from annotate.models import Adjudication, Comment, Membership, Project, Source, Span, Verdict
from annotate.selectors import SpanStatus
from corpus.models import Article
from datasets.options import ExportOptions

SCHEMA = "factcheck-native/1"
# Source stances as the native file writes them (FORMATS.md §4a): the model's `context` is
# `neutral` there.
NATIVE_STANCES = {"supports": "supports", "refutes": "refutes", "context": "neutral"}
SUBMITTED = Verdict.Status.SUBMITTED


@dataclass(slots=True)
class SourceRecord:
    ref: str
    number: int
    url: str
    title: str
    excerpt: str
    stance: str
    accessed_on: str | None  # ISO 8601


@dataclass(slots=True)
class VerdictRecord:
    ref: str
    number: int
    reviewer: str
    label: str
    rationale: str
    confidence: int | None
    status: str
    version: int
    created_at: str  # ISO 8601 UTC, as iso() writes it
    updated_at: str
    submitted_at: str | None
    sources: list[SourceRecord] = field(default_factory=list)


@dataclass(slots=True)
class CommentRecord:
    ref: str
    author: str
    parent: str | None
    body: str
    created_at: str
    parent_comment: "CommentRecord | None" = None


@dataclass(slots=True)
class AdjudicationRecord:
    editor: str
    label: str
    rationale: str
    decided_at: str
    updated_at: str
    considered: list[str] = field(default_factory=list)  # verdict refs
    considered_verdicts: list[VerdictRecord] = field(default_factory=list)


@dataclass(slots=True)
class SpanRecord:
    ref: str
    number: int
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    claimant: str
    note: str
    status: str
    orphaned: bool
    anchor_errors: int
    created_by: str
    created_at: str
    verdicts: list[VerdictRecord] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    adjudication: AdjudicationRecord | None = None


@dataclass(slots=True)
class ArticleRecord:
    ref: str
    number: int
    title: str
    subtitle: str
    authors: list[str]
    publisher: str
    published_on: datetime.date | None
    url: str
    language: str
    origin: str
    body: str
    spans: list[SpanRecord] = field(default_factory=list)


@dataclass(slots=True)
class LabelRow:
    """One label a span contributes under a label mode."""

    label: str
    kind: str  # "verdict", "adjudication" or "majority"
    author: str | None  # reviewer or editor; None for a majority
    verdict: VerdictRecord | None = None


@dataclass
class ExportStats:
    """What an export wrote, for the datasheet and the command's summary."""

    articles: int = 0
    spans: int = 0
    verdicts: int = 0
    sources: int = 0
    comments: int = 0
    adjudicated: int = 0
    orphaned: int = 0
    rows: int = 0
    labels: Counter = field(default_factory=Counter)
    reviewers: Counter = field(default_factory=Counter)  # verdicts per reviewer name

    def count(self, article: ArticleRecord, label_rows: list[list[LabelRow]]) -> None:
        self.articles += 1
        for span, rows in zip(article.spans, label_rows, strict=True):
            self.spans += 1
            self.verdicts += len(span.verdicts)
            self.comments += len(span.comments)
            self.adjudicated += span.adjudication is not None
            self.orphaned += span.orphaned
            for verdict in span.verdicts:
                self.sources += len(verdict.sources)
                self.reviewers[verdict.reviewer] += 1
            self.labels.update(row.label for row in rows if row.label)


@dataclass(frozen=True, slots=True)
class Person:
    name: str  # username or pseudonym, as written in the export
    email: str


class ExportContext:
    """The project, options and people of one export, shared by its formatter and writer."""

    def __init__(self, *, project: Project, fmt: str, options: ExportOptions, labels: str):
        self.project = project
        self.fmt = fmt
        self.options = options
        self.labels = labels  # the effective label mode
        self.stats = ExportStats()
        self.people = project_people(project=project, options=options)
        # Ordinal scales: worst = 1 ... best = n (FORMATS.md §3); the scale lists most true first.
        labels_in_order = project.labels
        self.ranks: dict[str, int] = (
            {label: len(labels_in_order) - i for i, label in enumerate(labels_in_order)}
            if project.scale_is_ordinal
            else {}
        )

    def name(self, user_id: int) -> str:
        person = self.people.get(user_id)
        if person is None:  # someone who joined after the people were read: the next rank
            person = self._newcomer(user_id)
        return person.name

    def _newcomer(self, user_id: int) -> Person:
        user = get_user_model().objects.filter(pk=user_id).values("username", "email").first()
        if self.options.real_names and user is not None:
            person = Person(user["username"], user["email"] or "")
        else:
            salt = pseudonym_salt(project=self.project, salt=self.options.salt)
            rank = len(self.people) + 1
            person = Person(pseudonym(salt=salt, project_slug=self.project.slug, rank=rank), "")
        self.people[user_id] = person
        return person

    def label_rows(self, span: SpanRecord) -> list[LabelRow]:
        return label_rows(span, self.labels)


def pseudonym_salt(*, project: Project, salt: str) -> bytes:
    """The given salt, else one derived from SECRET_KEY: stable on this server, never written."""
    if salt:
        return salt.encode()
    message = f"datasets.pseudonyms:{project.slug}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def pseudonym(*, salt: bytes, project_slug: str, rank: int, digits: int = 10) -> str:
    digest = hmac.new(salt, f"{project_slug}:{rank}".encode(), hashlib.sha256).hexdigest()
    return f"r-{digest[:digits]}"


def project_people(*, project: Project, options: ExportOptions) -> dict[int, Person]:
    """{user pk: Person} for members and contributors, in rank (user pk) order."""
    in_project = (
        Q(memberships__project=project)
        | Q(pk__in=Span.objects.filter(project=project).values("created_by"))
        | Q(pk__in=Verdict.objects.filter(span__project=project).values("reviewer"))
        | Q(pk__in=Comment.objects.filter(span__project=project).values("author"))
        | Q(pk__in=Adjudication.objects.filter(span__project=project).values("editor"))
    )
    users = list(
        get_user_model()
        .objects.filter(in_project)
        .distinct()
        .order_by("pk")
        .values_list("pk", "username", "email")
    )
    if options.real_names:
        return {pk: Person(username, email or "") for pk, username, email in users}
    salt = pseudonym_salt(project=project, salt=options.salt)
    for digits in (10, 16, 64):  # longer only if two people collide (improbable)
        names = [pseudonym(salt=salt, project_slug=project.slug, rank=rank, digits=digits)
                 for rank in range(1, len(users) + 1)]  # fmt: skip
        if len(set(names)) == len(names):
            break
    return {pk: Person(name, "") for (pk, _, _), name in zip(users, names, strict=True)}


def project_memberships(*, project: Project) -> list[tuple[int, str, datetime.datetime]]:
    """(user pk, role, joined) of the project's members, by user pk."""
    return list(
        Membership.objects.filter(project=project)
        .order_by("user_id")
        .values_list("user_id", "role", "created_at")
    )


def export_articles(*, project: Project, options: ExportOptions):
    """The project's articles the options select (a queryset, for counting and chunking)."""
    articles = Article.objects.filter(projects=project)
    if options.articles:
        articles = articles.filter(pk__in=options.articles)
    return articles


class UtcText(Func):
    """A timestamp as ISO 8601 text in UTC (`2021-12-08T10:00:00.000000`), formatted by the
    database: psycopg's datetime loader costs ten times the rest of a verdict row (3.2 s against
    0.3 s for 100,000 rows, measured), and every format writes text anyway."""

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC there.
        return self.as_sql(compiler, connection, template="REPLACE(%(expressions)s, ' ', 'T')")


class DateText(Func):
    """A date as `YYYY-MM-DD` text, formatted by the database (whatever its DateStyle)."""

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="%(expressions)s")


def _utc(text: str | None) -> str | None:
    """UtcText's value as iso() writes a datetime: `Z`, microseconds only when there are any."""
    if text is None:
        return None
    return (text[:-7] if text.endswith(".000000") else text) + "Z"


_ARTICLE_FIELDS = (
    "pk",
    "title",
    "subtitle",
    "authors",
    "publisher",
    "published_on",
    "source_url",
    "language",
    "origin",
    "body",
)
# Every child row starts with its span's position key: (article, start, end, span pk).
_SPAN_KEY = ("article_id", "start", "end", "pk")
_SPAN_FIELDS = (
    "quote",
    "prefix",
    "suffix",
    "claimant",
    "note",
    "orphaned",
    "anchor_errors",
    "created_by_id",
)
_VERDICT_FIELDS = ("pk", "reviewer_id", "label", "rationale", "confidence", "status", "version")


def _span_key(prefix: str) -> tuple[str, ...]:
    return (f"{prefix}article_id", f"{prefix}start", f"{prefix}end", f"{prefix[:-2]}_id")


class _Counters:
    __slots__ = ("articles", "comments", "sources", "spans", "verdicts")

    def __init__(self) -> None:
        self.articles = self.spans = self.verdicts = self.sources = self.comments = 0


class _Sorted:
    """Rows sorted by a key (their first `width` values), consumed in step with another stream:
    `take(key)` returns the rows with that key, skipping rows with smaller keys (whose parent the
    filters left out)."""

    __slots__ = ("head", "rows", "width")

    def __init__(self, rows: Iterator[tuple], width: int) -> None:
        self.rows = rows
        self.width = width
        self.head = next(rows, None)

    def take(self, key: tuple) -> list[tuple]:
        taken = []
        head, rows, width = self.head, self.rows, self.width
        last = width - 1
        parent = key[last]  # the key's last value (span or article pk) identifies the parent
        while head is not None:
            if head[last] == parent:
                taken.append(head)
            elif head[:width] > key:
                break
            head = next(rows, None)
        self.head = head
        return taken


@contextmanager
def _snapshot() -> Iterator[None]:
    """One transaction for the export's cursors: on PostgreSQL, server-side cursors stream only
    inside a transaction (outside, Django declares them WITH HOLD and the server materialises
    each result first), and REPEATABLE READ gives every cursor the same snapshot."""
    if connection.in_atomic_block:
        yield  # a caller's transaction (tests, the admin): its snapshot rules
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def article_records(*, context: ExportContext) -> Iterator[ArticleRecord]:
    """The selected articles in pk order, each with the spans the options select.

    One query per relation for the whole export, each read through a server-side cursor
    (`iterator(chunk_size=...)`) in the same order, by span position, and merged here: the
    database sorts each relation once (no per-chunk join that would rescan the verdicts, which
    PostgreSQL's planner prefers at 1M rows), and memory holds one article at a time.
    """
    with _snapshot():
        yield from _merged(context)


def _merged(context: ExportContext) -> Iterator[ArticleRecord]:
    project, options, name = context.project, context.options, context.name
    size = options.chunk_size

    def where(prefix: str = "") -> Q:
        """The spans the export may touch (status and label mode are checked in Python)."""
        condition = Q(**{f"{prefix}project": project})
        if options.articles:
            condition &= Q(**{f"{prefix}article_id__in": options.articles})
        if not options.include_orphaned:
            condition &= Q(**{f"{prefix}orphaned": False})
        return condition

    def by_span(queryset, prefix: str, *fields, then=("pk",)):
        key = _span_key(prefix)
        ordered = queryset.order_by(*key, *then).values_list(*key, *fields)
        return _Sorted(ordered.iterator(chunk_size=size), 4)

    # Status and the adjudicated-only mode are decided below, once a span's verdicts are read
    # (span_status): an SQL status costs a GROUP BY over every verdict, 2 of 6 s at 1M.
    wanted_statuses = set(options.statuses)
    adjudicated_only = context.labels == "adjudicated"
    reviews_per_claim = project.reviews_per_claim
    span_rows = _Sorted(
        Span.objects.filter(where())
        .order_by(*_SPAN_KEY)
        .values_list(*_SPAN_KEY, *_SPAN_FIELDS, UtcText("created_at"))
        .iterator(chunk_size=size),
        1,
    )
    verdicts = Verdict.objects.filter(where("span__"))
    if not options.include_drafts:
        verdicts = verdicts.filter(status=SUBMITTED)
    verdict_rows = by_span(
        verdicts,
        "span__",
        *_VERDICT_FIELDS,
        UtcText("created_at"),
        UtcText("updated_at"),
        UtcText("submitted_at"),
    )
    sources = Source.objects.filter(where("verdict__span__"))
    if not options.include_drafts:
        sources = sources.filter(verdict__status=SUBMITTED)
    source_rows = by_span(
        sources,
        "verdict__span__",
        "verdict_id", "url", "title", "excerpt", "stance", DateText("accessed_on"),
        then=("verdict_id", "position", "pk"),
    )  # fmt: skip
    comment_rows = by_span(
        Comment.objects.filter(where("span__")),
        "span__",
        "pk", "author_id", "parent_id", "body", UtcText("created_at"),
    )  # fmt: skip
    adjudication_rows = by_span(
        Adjudication.objects.filter(where("span__")),
        "span__",
        "editor_id", "label", "rationale", UtcText("decided_at"), UtcText("updated_at"),
    )  # fmt: skip
    considered_rows = by_span(
        Adjudication.considered_verdicts.through.objects.filter(where("adjudication__span__")),
        "adjudication__span__",
        "verdict_id",
        then=("verdict_id",),
    )

    counters = _Counters()
    articles = export_articles(project=project, options=options)
    for article in articles.order_by("pk").values_list(*_ARTICLE_FIELDS).iterator(chunk_size=100):
        pk, title, subtitle, authors, publisher, published_on, url, language, origin, body = article
        records = []
        for row in span_rows.take((pk,)):
            key = row[:4]
            quote, prefix, suffix, claimant, note, orphaned, errors, creator, created = row[4:]
            span = SpanRecord(
                ref="",  # numbered below, if the filters keep it
                number=0,
                start=key[1],
                end=key[2],
                quote=quote,
                prefix=prefix,
                suffix=suffix,
                claimant=claimant,
                note=note,
                status="",
                orphaned=orphaned,
                anchor_errors=errors,
                created_by=name(creator),
                created_at=_utc(created),
            )
            verdict_by_pk = {}
            for (
                _,
                _,
                _,
                _,
                verdict_pk,
                reviewer_id,
                *rest,
                created_at,
                updated_at,
                submitted_at,
            ) in verdict_rows.take(key):
                verdict = VerdictRecord(
                    "", 0, name(reviewer_id), *rest,
                    _utc(created_at), _utc(updated_at), _utc(submitted_at),
                )  # fmt: skip
                span.verdicts.append(verdict)
                verdict_by_pk[verdict_pk] = verdict
            for _, _, _, _, verdict_pk, *rest in source_rows.take(key):
                if (verdict := verdict_by_pk.get(verdict_pk)) is not None:
                    verdict.sources.append(SourceRecord("", 0, *rest))
            comment_by_pk: dict[int, CommentRecord] = {}
            for _, _, _, _, comment_pk, author_id, parent_id, text, created_at in comment_rows.take(
                key
            ):
                parent = comment_by_pk.get(parent_id) if parent_id is not None else None
                comment = CommentRecord("", name(author_id), None, text, _utc(created_at), parent)
                comment_by_pk[comment_pk] = comment
                span.comments.append(comment)
            for (
                _,
                _,
                _,
                _,
                editor_id,
                label,
                rationale,
                decided_at,
                updated_at,
            ) in adjudication_rows.take(key):
                span.adjudication = AdjudicationRecord(
                    name(editor_id), label, rationale, _utc(decided_at), _utc(updated_at)
                )
            for *_, verdict_pk in considered_rows.take(key):
                if span.adjudication is not None and verdict_pk in verdict_by_pk:
                    # a verdict withdrawn to draft since is left out (unless drafts are exported)
                    span.adjudication.considered_verdicts.append(verdict_by_pk[verdict_pk])
            span.status = span_status(span, reviews_per_claim=reviews_per_claim)
            if wanted_statuses and span.status not in wanted_statuses:
                continue
            if adjudicated_only and span.adjudication is None:
                continue
            records.append(span)
        _number(records, counters)
        counters.articles += 1
        yield ArticleRecord(
            ref=f"a-{counters.articles}",
            number=counters.articles,
            title=title,
            subtitle=subtitle,
            authors=list(authors or []),
            publisher=publisher,
            published_on=published_on,
            url=url,
            language=language,
            origin=origin,
            body=body,
            spans=records,
        )


def span_status(span: SpanRecord, *, reviews_per_claim: int) -> str:
    """The span's status (annotate.selectors.with_status's rules) from its exported verdicts.

    The same as the database's whenever drafts are exported; without them, a span in review
    only through drafts is "open", as the file shows it (and as an import of the file derives
    it: export -> import -> export must give the same bytes).
    """
    if span.adjudication is not None:
        return SpanStatus.ADJUDICATED
    submitted = [verdict.label for verdict in span.verdicts if verdict.status == SUBMITTED]
    if len(set(submitted)) > 1:
        return SpanStatus.CONTESTED
    if len(submitted) >= reviews_per_claim:
        return SpanStatus.AGREED
    if span.verdicts:
        return SpanStatus.IN_REVIEW
    return SpanStatus.OPEN


def _number(spans: list[SpanRecord], counters: _Counters) -> None:
    """Span, verdict, source and comment ids in export order."""
    for span in spans:
        counters.spans += 1
        span.number, span.ref = counters.spans, f"s-{counters.spans}"
        for verdict in span.verdicts:
            counters.verdicts += 1
            verdict.number, verdict.ref = counters.verdicts, f"v-{counters.verdicts}"
            for source in verdict.sources:
                counters.sources += 1
                source.number, source.ref = counters.sources, f"src-{counters.sources}"
        for comment in span.comments:
            counters.comments += 1
            comment.ref = f"c-{counters.comments}"
            if comment.parent_comment is not None:
                comment.parent = comment.parent_comment.ref or None
        if span.adjudication is not None:
            considered = sorted(span.adjudication.considered_verdicts, key=lambda v: v.number)
            span.adjudication.considered = [verdict.ref for verdict in considered]


def majority_label(span: SpanRecord) -> str | None:
    """The most frequent submitted label if no other ties with it, else None."""
    counts = Counter(v.label for v in span.verdicts if v.status == SUBMITTED and v.label)
    if not counts:
        return None
    (top, n), *rest = counts.most_common(2)
    return None if rest and rest[0][1] == n else top


def label_rows(span: SpanRecord, mode: str) -> list[LabelRow]:
    """The labels a span contributes under a label mode (see datasets.options)."""
    adjudication = span.adjudication
    if mode == "adjudicated":
        if adjudication is None:
            return []
        return [LabelRow(adjudication.label, "adjudication", adjudication.editor)]
    if mode == "majority":
        if adjudication is not None:
            return [LabelRow(adjudication.label, "adjudication", adjudication.editor)]
        label = majority_label(span)
        return [] if label is None else [LabelRow(label, "majority", None)]
    return [LabelRow(v.label, "verdict", v.reviewer, v) for v in span.verdicts]


def iso(moment: datetime.datetime | datetime.date | str | None) -> str | None:
    """UTC `2021-12-08T10:00:00Z` (microseconds only when there are any), a date as is; text
    (already formatted by the database) passes through."""
    if moment is None or isinstance(moment, str):
        return moment
    if not isinstance(moment, datetime.datetime):
        return moment.isoformat()
    moment = moment.astimezone(datetime.UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


__all__ = [
    "NATIVE_STANCES",
    "SCHEMA",
    "AdjudicationRecord",
    "ArticleRecord",
    "CommentRecord",
    "ExportContext",
    "ExportStats",
    "LabelRow",
    "SourceRecord",
    "SpanRecord",
    "SpanStatus",
    "VerdictRecord",
    "article_records",
    "iso",
    "label_rows",
    "majority_label",
    "project_memberships",
]
