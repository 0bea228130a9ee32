"""The plain records every export format reads, and the rules derived from them (status, labels)."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from annotate.models import Verdict
from annotate.review.status import SpanFacts, SpanStatus, span_status_of

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
class SpanAppearanceRecord:
    """How a span came to appear as its claim (native only: Exporter.claim_details)."""

    method: str
    by: str | None
    at: str
    score: float | None
    reused_by: str | None
    reused_at: str | None


@dataclass(slots=True)
class DecisionRecord:
    """A match decision on a span (native only): a claim suggested, and what became of it."""

    claim: str  # the claim's export ref
    decision: str
    by: str | None
    at: str
    span_text: str
    claim_text: str
    scores: dict


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
    claim: str | None = None  # the claim it appears as, by its export ref (`cl-N`)
    claim_pk: int | None = None
    appearance: SpanAppearanceRecord | None = None  # with Exporter.claim_details only
    decisions: list[DecisionRecord] = field(default_factory=list)  # idem
    pk: int = 0  # the database's, to match a claim's verdict to its adjudication; never written


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


def span_status(span: SpanRecord, *, reviews_per_claim: int) -> SpanStatus:
    """The span's status (annotate.review.status's rule, as with_status reads it without a viewer)
    from its exported verdicts.

    The same as the database's whenever drafts are exported; without them, a span in review
    only through drafts is "open", as the file shows it (and as an import of the file derives
    it: export -> import -> export must give the same bytes).
    """
    facts = SpanFacts(
        submitted_labels=[v.label for v in span.verdicts if v.status == SUBMITTED],
        verdict_count=len(span.verdicts),
        reviews_per_claim=reviews_per_claim,
        adjudicated=span.adjudication is not None,
    )
    return span_status_of(facts)


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
