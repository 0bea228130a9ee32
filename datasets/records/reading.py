"""Reading a project for export: one sorted, streamed query per relation, merged article by
article into records.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Func, Q, TextField

from annotate.models import (
    Adjudication,
    Appearance,
    Comment,
    MatchDecision,
    Project,
    Source,
    Span,
    Verdict,
)
from corpus.models import Article
from datasets.options import ExportOptions
from datasets.records.context import ExportContext
from datasets.records.shapes import (
    SUBMITTED,
    AdjudicationRecord,
    ArticleRecord,
    CommentRecord,
    DecisionRecord,
    SourceRecord,
    SpanAppearanceRecord,
    SpanRecord,
    VerdictRecord,
    span_status,
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
    options = context.options
    streams = _Streams.open(context)
    # Status and the adjudicated-only mode are decided here, once a span's verdicts are read
    # (span_status): an SQL status costs a GROUP BY over every verdict, 2 of 6 s at 1M.
    wanted_statuses = set(options.statuses)
    adjudicated_only = context.labels == "adjudicated"
    reviews_per_claim = context.project.reviews_per_claim
    counters = _Counters()
    articles = export_articles(project=context.project, options=options)
    for article in articles.order_by("pk").values_list(*_ARTICLE_FIELDS).iterator(chunk_size=100):
        records = []
        for row in streams.spans.take((article[0],)):
            span = streams.span_record(row, context.name, context.claim_ref)
            span.status = span_status(span, reviews_per_claim=reviews_per_claim)
            if wanted_statuses and span.status not in wanted_statuses:
                continue
            if adjudicated_only and span.adjudication is None:
                continue
            records.append(span)
        _number(records, counters)
        counters.articles += 1
        yield _article_record(article, records, counters.articles)


def _article_record(row: tuple, spans: list[SpanRecord], number: int) -> ArticleRecord:
    title, subtitle, authors, publisher, published_on, url, language, origin, body = row[1:]
    return ArticleRecord(
        ref=f"a-{number}",
        number=number,
        title=title,
        subtitle=subtitle,
        authors=list(authors or []),
        publisher=publisher,
        published_on=published_on,
        url=url,
        language=language,
        origin=origin,
        body=body,
        spans=spans,
    )


def spans_where(context: ExportContext, prefix: str = "") -> Q:
    """The spans the export may touch (status and label mode are checked in Python)."""
    options = context.options
    condition = Q(**{f"{prefix}project": context.project})
    if options.articles:
        condition &= Q(**{f"{prefix}article_id__in": options.articles})
    if not options.include_orphaned:
        condition &= Q(**{f"{prefix}orphaned": False})
    return condition


class _Streams:
    """One sorted, streamed query per relation, each read in step with the spans."""

    __slots__ = (
        "adjudications",
        "appearances",
        "comments",
        "considered",
        "decisions",
        "sources",
        "spans",
        "verdicts",
    )

    def __init__(
        self,
        *,
        spans: _Sorted,
        verdicts: _Sorted,
        sources: _Sorted,
        comments: _Sorted,
        adjudications: _Sorted,
        considered: _Sorted,
        appearances: _Sorted,
        decisions: _Sorted | None,
    ) -> None:
        self.spans, self.verdicts, self.sources = spans, verdicts, sources
        self.comments, self.adjudications, self.considered = comments, adjudications, considered
        self.appearances, self.decisions = appearances, decisions

    @classmethod
    def open(cls, context: ExportContext) -> "_Streams":
        size = context.options.chunk_size

        def by_span(queryset, prefix: str, *fields, then=("pk",)) -> _Sorted:
            key = _span_key(prefix)
            ordered = queryset.order_by(*key, *then).values_list(*key, *fields)
            return _Sorted(ordered.iterator(chunk_size=size), 4)

        def where(prefix: str = "") -> Q:
            return spans_where(context, prefix)

        verdicts = Verdict.objects.filter(where("span__"))
        sources = Source.objects.filter(where("verdict__span__"))
        if not context.options.include_drafts:
            verdicts = verdicts.filter(status=SUBMITTED)
            sources = sources.filter(verdict__status=SUBMITTED)
        span_rows = _Sorted(
            Span.objects.filter(where())
            .order_by(*_SPAN_KEY)
            .values_list(*_SPAN_KEY, *_SPAN_FIELDS, UtcText("created_at"))
            .iterator(chunk_size=size),
            1,
        )
        verdict_rows = by_span(
            verdicts,
            "span__",
            *_VERDICT_FIELDS,
            UtcText("created_at"), UtcText("updated_at"), UtcText("submitted_at"),
        )  # fmt: skip
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
        # A span appears as at most one claim (Appearance.span is one-to-one). How it was
        # linked, and the match decisions on it, only for formats that write them (native).
        details = context.claim_details
        how = (
            ("link_method", "linked_by_id", UtcText("linked_at"), "score",
             "verdict_reused_by_id", UtcText("verdict_reused_at"))
            if details else ()
        )  # fmt: skip
        appearance_rows = by_span(
            Appearance.objects.filter(where("span__")), "span__", "claim_id", *how, then=()
        )
        decision_rows = None
        if details:
            decision_rows = by_span(
                MatchDecision.objects.filter(where("span__")),
                "span__",
                "claim_id", "decision", "decided_by_id", UtcText("created_at"),
                "span_text", "claim_text", "scores",
                then=("created_at", "pk"),
            )  # fmt: skip
        return cls(
            spans=span_rows,
            verdicts=verdict_rows,
            sources=source_rows,
            comments=comment_rows,
            adjudications=adjudication_rows,
            considered=considered_rows,
            appearances=appearance_rows,
            decisions=decision_rows,
        )

    def span_record(
        self, row: tuple, name: Callable[[int], str], claim_ref: Callable[[int], str]
    ) -> SpanRecord:
        """The span of a span row, with its verdicts (sources inside), comments and
        adjudication taken from the other streams; status and numbers are set later."""
        key = row[:4]
        quote, prefix, suffix, claimant, note, orphaned, errors, creator, created = row[4:]
        span = SpanRecord(
            ref="",  # numbered later, if the filters keep it
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
        verdict_by_pk = self._add_verdicts(span, key, name)
        for _, _, _, _, verdict_pk, *rest in self.sources.take(key):
            if (verdict := verdict_by_pk.get(verdict_pk)) is not None:
                verdict.sources.append(SourceRecord("", 0, *rest))
        self._add_comments(span, key, name)
        self._add_adjudication(span, key, name, verdict_by_pk)
        span.pk = key[3]
        self._add_claim(span, key, name, claim_ref)
        return span

    def _add_claim(
        self,
        span: SpanRecord,
        key: tuple,
        name: Callable[[int], str],
        claim_ref: Callable[[int], str],
    ) -> None:
        def named(user_id: int | None) -> str | None:
            return None if user_id is None else name(user_id)

        for row in self.appearances.take(key):
            claim_pk, *how = row[4:]
            span.claim_pk, span.claim = claim_pk, claim_ref(claim_pk)
            if how:
                method, by, at, score, reused_by, reused_at = how
                span.appearance = SpanAppearanceRecord(
                    method, named(by), _utc(at), score, named(reused_by), _utc(reused_at)
                )
        if self.decisions is None:
            return
        for row in self.decisions.take(key):
            claim_pk, decision, by, at, span_text, claim_text, scores = row[4:]
            span.decisions.append(
                DecisionRecord(
                    claim_ref(claim_pk), decision, named(by), _utc(at), span_text, claim_text,
                    scores,
                )
            )  # fmt: skip

    def _add_verdicts(
        self, span: SpanRecord, key: tuple, name: Callable[[int], str]
    ) -> dict[int, VerdictRecord]:
        verdict_by_pk = {}
        for row in self.verdicts.take(key):
            verdict_pk, reviewer_id, *rest, created_at, updated_at, submitted_at = row[4:]
            verdict = VerdictRecord(
                "", 0, name(reviewer_id), *rest,
                _utc(created_at), _utc(updated_at), _utc(submitted_at),
            )  # fmt: skip
            span.verdicts.append(verdict)
            verdict_by_pk[verdict_pk] = verdict
        return verdict_by_pk

    def _add_comments(self, span: SpanRecord, key: tuple, name: Callable[[int], str]) -> None:
        comment_by_pk: dict[int, CommentRecord] = {}
        for row in self.comments.take(key):
            comment_pk, author_id, parent_id, text, created_at = row[4:]
            parent = comment_by_pk.get(parent_id) if parent_id is not None else None
            comment = CommentRecord("", name(author_id), None, text, _utc(created_at), parent)
            comment_by_pk[comment_pk] = comment
            span.comments.append(comment)

    def _add_adjudication(
        self,
        span: SpanRecord,
        key: tuple,
        name: Callable[[int], str],
        verdict_by_pk: dict[int, VerdictRecord],
    ) -> None:
        for row in self.adjudications.take(key):
            editor_id, label, rationale, decided_at, updated_at = row[4:]
            span.adjudication = AdjudicationRecord(
                name(editor_id), label, rationale, _utc(decided_at), _utc(updated_at)
            )
        for *_, verdict_pk in self.considered.take(key):
            if span.adjudication is not None and verdict_pk in verdict_by_pk:
                # a verdict withdrawn to draft since is left out (unless drafts are exported)
                span.adjudication.considered_verdicts.append(verdict_by_pk[verdict_pk])


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
