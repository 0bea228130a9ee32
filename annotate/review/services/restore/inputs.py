"""What a restore takes (a dataset file's annotations, people already resolved to users) and
what it answers per article."""

import datetime
from dataclasses import dataclass, field

from annotate.models import Source, Verdict


@dataclass(frozen=True, slots=True)
class SourceRestore:
    url: str
    title: str = ""
    excerpt: str = ""
    stance: str = Source.Stance.CONTEXT
    accessed_on: datetime.date | None = None


@dataclass(frozen=True, slots=True)
class VerdictRestore:
    reviewer: object  # a User
    label: str
    rationale: str = ""
    status: str = Verdict.Status.SUBMITTED
    confidence: int | None = None
    submitted_at: datetime.datetime | None = None  # None: now, if submitted
    sources: tuple[SourceRestore, ...] = ()
    ref: str = ""  # the file's id, which an adjudication's `considered` names
    version: int = 1
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    where: str = ""  # for messages


@dataclass(frozen=True, slots=True)
class CommentRestore:
    author: object  # a User
    body: str
    created_at: datetime.datetime | None = None
    ref: str = ""
    parent: str = ""  # the ref of an earlier comment of the same span


@dataclass(frozen=True, slots=True)
class AdjudicationRestore:
    editor: object  # a User; need not be a member (a restore grants no role)
    label: str
    rationale: str = ""
    decided_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    considered: tuple[str, ...] | None = None  # verdict refs; None: every submitted verdict


@dataclass(slots=True)
class SpanRestore:
    """A claim at [start, end) code points of the body; `quote` must be the body there, unless
    the span is orphaned (it lost its place and keeps the selectors it had)."""

    start: int
    end: int
    quote: str
    created_by: object = None  # a User; None: the importing editor
    claimant: str = ""
    note: str = ""
    orphaned: bool = False
    prefix: str | None = None  # None: from the body
    suffix: str | None = None
    anchor_errors: int = 0
    created_at: datetime.datetime | None = None
    verdicts: list[VerdictRestore] = field(default_factory=list)
    comments: list[CommentRestore] = field(default_factory=list)  # parents first
    adjudication: AdjudicationRestore | None = None


@dataclass(frozen=True, slots=True)
class PredictionRestore:
    start: int
    end: int
    model_name: str
    label: str = ""
    score: float | None = None


@dataclass(slots=True)
class ArticleRestore:
    """One article's annotations; the article must be in the project already."""

    article_id: int
    spans: list[SpanRestore] = field(default_factory=list)
    predictions: list[PredictionRestore] = field(default_factory=list)


@dataclass(slots=True)
class RestoreCounts:
    spans: int = 0
    verdicts: int = 0
    predictions: int = 0
    comments: int = 0
    adjudications: int = 0


@dataclass(slots=True)
class RestoreResult:
    """What a restore did with one article: the rows it added, or why it refused the article."""

    created: RestoreCounts = field(default_factory=RestoreCounts)
    error: str = ""
