"""The rows a restore inserts, as plain slotted records rather than model instances.

A batch of 500 articles brings some 30,000 rows; building them as model instances cost more than
storing them (Model.__init__ and the related descriptors were a fifth of an import). These carry
exactly the columns `bulk.rows_insert` copies (the models' attnames; choices as plain strings),
plus the parent object where the key comes only at insert time (`bulk.parents_keyed` copies it).
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Stored:
    """A row already in the database, known by its key: what a new row may point to."""

    pk: int


@dataclass(slots=True, kw_only=True)
class NewSpan:
    project_id: int
    article_id: int
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    claimant: str
    note: str
    orphaned: bool
    anchor_errors: int
    created_by_id: int
    created_at: datetime.datetime
    queue_open: bool = True
    review_status: str = "open"  # set by the rule from the batch's rows before it is stored
    id: int | None = None

    @property
    def pk(self) -> int | None:
        return self.id


@dataclass(slots=True, kw_only=True)
class NewVerdict:
    span: "NewSpan | Stored"
    reviewer_id: int
    label: str
    rationale: str
    confidence: int | None
    status: str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    submitted_at: datetime.datetime | None
    span_id: int | None = None
    id: int | None = None

    @property
    def pk(self) -> int | None:
        return self.id


@dataclass(slots=True, kw_only=True)
class NewSource:
    verdict: "NewVerdict | Stored"
    position: int
    url: str
    title: str
    excerpt: str
    stance: str
    accessed_on: datetime.date | None
    verdict_id: int | None = None
    id: int | None = None


@dataclass(slots=True, kw_only=True)
class NewAssignment:
    span: "NewSpan | Stored"
    reviewer_id: int
    created_at: datetime.datetime
    span_id: int | None = None
    id: int | None = None


@dataclass(slots=True, kw_only=True)
class NewComment:
    span: "NewSpan | Stored"
    author_id: int
    body: str
    created_at: datetime.datetime
    parent: "NewComment | None" = None  # or a Stored comment
    span_id: int | None = None
    parent_id: int | None = None
    id: int | None = None

    @property
    def pk(self) -> int | None:
        return self.id


@dataclass(slots=True, kw_only=True)
class NewAdjudication:
    span: "NewSpan | Stored"
    editor_id: int
    label: str
    rationale: str
    decided_at: datetime.datetime
    updated_at: datetime.datetime
    considered: list  # of NewVerdict or Stored verdicts
    span_id: int | None = None
    id: int | None = None


@dataclass(slots=True, kw_only=True)
class NewPrediction:
    project_id: int
    article_id: int
    start: int
    end: int
    quote: str
    label: str
    model_name: str
    score: float | None
    created_by_id: int
    created_at: datetime.datetime
    accepted_span_id: int | None = None
    # Imported predictions arrive undecided: no format carries a reviewer's rejection yet.
    rejected_at: datetime.datetime | None = None
    rejected_by_id: int | None = None
    id: int | None = None
