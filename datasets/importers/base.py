"""What every dataset reader produces: one record per article (or a failure naming where and why).

Readers are pure: they parse, check offsets against the text and translate them into code points
of the canonical body, and leave users, labels and storing to `datasets.importers.store`.
"""

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from config.json_input import json_decode, json_error_reason
from corpus.importers import utf8_lines
from corpus.importers.base import ArticleDraft, ImportFailure
from datasets.importers.offsets import CanonicalText

__all__ = [
    "MAX_STORED_INT",
    "AdjudicationRecord",
    "ArticleRecord",
    "CommentRecord",
    "ImportFailure",
    "JsonLine",
    "MemberRecord",
    "ParseError",
    "PredictionRecord",
    "ProjectHeader",
    "ReviewerRef",
    "SourceRecord",
    "SpanRecord",
    "VerdictRecord",
    "is_stored_int",
    "json_lines",
    "normalisation_note",
    "place_span",
]


# The largest whole number an integer column holds (Django's PositiveIntegerField, on every
# database): a file's counts and offsets beyond it were an OverflowError or DataError on storing.
MAX_STORED_INT = 2**31 - 1


def is_stored_int(value: Any, *, minimum: int) -> bool:
    """Whether `value` is a whole number (not a bool) that an integer column can hold."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and minimum <= value <= MAX_STORED_INT
    )


class ParseError(ValueError):
    """Raised for a record that cannot be imported; the message is the reason."""


@dataclass(frozen=True, slots=True)
class ReviewerRef:
    """Who a peer file says did something, in the forms peer files use.

    Resolution (store.py): a local user with this email, else one whose username is the
    pseudonym, else an inactive placeholder user named after the pseudonym.
    """

    pseudonym: str = ""
    email: str = ""

    def __str__(self) -> str:
        return self.pseudonym or self.email


@dataclass(frozen=True, slots=True)
class SourceRecord:
    url: str
    title: str = ""
    excerpt: str = ""
    stance: str = "context"
    accessed_on: datetime.date | None = None


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    reviewer: ReviewerRef | None  # None: the file does not say (the command's --reviewer)
    label: str
    rationale: str = ""
    status: str = "submitted"
    confidence: int | None = None
    submitted_at: datetime.datetime | None = None
    sources: tuple[SourceRecord, ...] = ()
    where: str = ""  # the region or line it came from, for messages
    # Native files only (kept so that an export of the import is byte-identical):
    ref: str = ""  # the file's id, which an adjudication's `considered` names
    version: int = 1
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None


@dataclass(frozen=True, slots=True)
class CommentRecord:
    author: ReviewerRef
    body: str
    created_at: datetime.datetime | None = None
    ref: str = ""
    parent: str = ""  # the ref of the comment it replies to (an earlier one of the same span)


@dataclass(frozen=True, slots=True)
class AdjudicationRecord:
    editor: ReviewerRef
    label: str
    rationale: str = ""
    decided_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    considered: tuple[str, ...] | None = None  # verdict refs; None: every submitted verdict


@dataclass(slots=True)
class SpanRecord:
    """A claim in code points of the canonical body; `quote` is what the file expects there."""

    start: int
    end: int
    quote: str
    verdicts: list[VerdictRecord] = field(default_factory=list)
    claimant: str = ""
    note: str = ""
    created_by: ReviewerRef | None = None
    orphaned: bool = False
    # Selectors as the file gives them (native): an orphaned span keeps the ones it lost its
    # place with; None computes them from the body.
    prefix: str | None = None
    suffix: str | None = None
    anchor_errors: int = 0
    created_at: datetime.datetime | None = None
    comments: list[CommentRecord] = field(default_factory=list)  # in file order, parents first
    adjudication: AdjudicationRecord | None = None
    appearance: "AppearanceRecord | None" = None  # native: the claim it appears as
    decisions: list["DecisionRecord"] = field(default_factory=list)  # native: match decisions


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A match decision (native): `claim` is the file's claim id."""

    claim: str
    decision: str
    by: ReviewerRef | None
    at: datetime.datetime | None
    span_text: str
    claim_text: str
    scores: dict


@dataclass(frozen=True, slots=True)
class AppearanceRecord:
    """How a span appears as a claim of the file (native)."""

    claim: str
    method: str
    by: ReviewerRef | None
    at: datetime.datetime | None
    score: float | None
    reused_by: ReviewerRef | None
    reused_at: datetime.datetime | None
    settles_claim: bool


@dataclass(frozen=True, slots=True)
class ClaimLinkRecord:
    project: str  # the other project's slug
    claim: str  # the claim's id in that project's export (`cl-N`: its rank by pk)
    text: str
    by: ReviewerRef
    at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """A claim line of a native file; its appearances come with the spans."""

    location: str
    ref: str
    text: str
    claimant: str
    language: str
    fresh_reviews: bool
    created_by: ReviewerRef
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    verdict_label: str
    verdict_rationale: str
    verdict_origin: str
    verdict_by: ReviewerRef | None
    verdict_at: datetime.datetime | None
    comments: tuple[tuple[ReviewerRef, str, datetime.datetime | None], ...]
    links: tuple[ClaimLinkRecord, ...]
    decisions: tuple[DecisionRecord, ...]  # whose span is gone


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    start: int
    end: int
    model_name: str
    label: str = ""
    score: float | None = None


@dataclass(frozen=True, slots=True)
class MemberRecord:
    person: str
    role: str
    joined_at: datetime.datetime | None = None


@dataclass(frozen=True, slots=True)
class ProjectHeader:
    """A native file's first line: enough to recreate the project in an empty database."""

    slug: str
    name: str
    scale: list[dict]
    description: str = ""
    scale_preset: str = ""
    scale_is_ordinal: bool = False
    settings: dict = field(default_factory=dict)
    created_at: datetime.datetime | None = None
    # Everyone who appears in the file, in the order an import creates them: the exporter ranks
    # people by user pk and derives pseudonyms from ranks, so the order makes them come out same.
    people: tuple[str, ...] = ()
    members: tuple[MemberRecord, ...] = ()

    @property
    def labels(self) -> list[str]:
        return [entry.get("label", "") for entry in self.scale if isinstance(entry, dict)]


@dataclass(slots=True)
class ArticleRecord:
    """One article of a dataset file with its claims, in canonical-body code points."""

    location: str
    draft: ArticleDraft
    spans: list[SpanRecord] = field(default_factory=list)
    predictions: list[PredictionRecord] = field(default_factory=list)
    # What the reader did that a person should know: offsets converted, regions skipped.
    notes: list[str] = field(default_factory=list)

    def labels(self) -> set[str]:
        """Every label the record would store, for checking against the project's scale."""
        found = {verdict.label for span in self.spans for verdict in span.verdicts}
        found |= {span.adjudication.label for span in self.spans if span.adjudication}
        found |= {prediction.label for prediction in self.predictions}
        found.discard("")
        return found


def place_span(
    text: CanonicalText, start: int, end: int, *, where: str, notes: list[str]
) -> tuple[int, int, str]:
    """`[start, end)` code points of the sent text as (start, end, quote) in the canonical body."""
    placed = text.span(start, end)
    if placed is None:
        raise ParseError(
            _("%(where)s: [%(start)s, %(end)s] is not a span of the text")
            % {"where": where, "start": start, "end": end}
        )
    quote = text.body[placed.start : placed.end]
    if not quote.strip():
        raise ParseError(
            _("%(where)s: [%(start)s, %(end)s] holds only whitespace")
            % {"where": where, "start": start, "end": end}
        )
    if not placed.exact:
        notes.append(
            _(
                "%(where)s: an end fell inside a character that NFC composes; "
                "widened to [%(start)s, %(end)s]"
            )
            % {"where": where, "start": placed.start, "end": placed.end}
        )
    return placed.start, placed.end, quote


def normalisation_note(text: CanonicalText) -> list[str]:
    """One note per article whose text was normalised, so its offsets were mapped."""
    if text.is_identity:
        return []
    return ["text normalised (NFC, line ends, blank lines): offsets mapped onto the stored body"]


@dataclass(frozen=True, slots=True)
class JsonLine:
    number: int
    location: str  # file:line
    value: Any


def json_lines(path: Path) -> Iterator[JsonLine | ImportFailure]:
    """Each non-blank line of a JSONL file decoded, or a failure naming `file:line`; streamed."""
    name = str(path)
    for number, line in enumerate(utf8_lines(path, name), start=1):
        if isinstance(line, ImportFailure):
            yield line
            continue
        if not line.strip():
            continue
        location = f"{name}:{number}"
        try:
            yield JsonLine(number, location, json_decode(line))
        except json.JSONDecodeError as error:
            yield ImportFailure(location, json_error_reason(error))
