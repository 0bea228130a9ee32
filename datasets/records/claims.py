"""The claims of an export, for the formats that write a record per claim: for ClaimReview each
claim with its appearances in the spans the export selects, for native each claim with its
verdict, comments, links and span-less decisions; read in claim order with one query per table
and merged here."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, F, OuterRef, Q, Subquery

from annotate.models import Appearance, Claim, ClaimComment, ClaimLink, MatchDecision
from datasets.records.context import ExportContext
from datasets.records.reading import DateText, UtcText, _snapshot, _utc, spans_where
from datasets.records.shapes import DecisionRecord, iso


@dataclass(slots=True)
class AppearanceRecord:
    """Where a claim was said: the article's URL, title, publisher and date (ISO or None)."""

    url: str
    title: str
    publisher: str
    published_on: str | None


@dataclass(slots=True)
class ClaimRecord:
    ref: str
    pk: int
    text: str
    claimant: str
    verdict_label: str
    verdict_set_at: str | None  # ISO 8601 UTC
    # Earliest dated article first, undated last, then by span creation (the claim page's order).
    appearances: list[AppearanceRecord] = field(default_factory=list)


def claim_records(*, context: ExportContext) -> Iterator[ClaimRecord]:
    """The project's claims in pk order that appear in the spans the export selects, each with
    those appearances."""
    with _snapshot():  # server-side cursors stream only inside a transaction
        yield from _claims_merged(context)


def _claims_merged(context: ExportContext) -> Iterator[ClaimRecord]:
    claims = (
        Claim.objects.filter(project=context.project)
        .order_by("pk")
        .values_list("pk", "text", "claimant", "verdict_label", UtcText("verdict_set_at"))
        .iterator(chunk_size=context.options.chunk_size)
    )
    appearances = (
        Appearance.objects.filter(spans_where(context, "span__"))
        .order_by(
            "claim_id",
            F("span__article__published_on").asc(nulls_last=True),
            "span__created_at",
            "span_id",
        )
        .values_list(
            "claim_id",
            "span__article__source_url",
            "span__article__title",
            "span__article__publisher",
            DateText("span__article__published_on"),
        )
        .iterator(chunk_size=context.options.chunk_size)
    )
    grouped = groupby(appearances, key=lambda row: row[0])
    pending = next(grouped, None)
    for pk, text, claimant, label, set_at in claims:
        while pending is not None and pending[0] < pk:  # appearances of no claim read (cannot be)
            pending = next(grouped, None)
        if pending is None or pending[0] != pk:
            continue  # no appearance in this export's selection
        yield ClaimRecord(
            ref=context.claim_ref(pk),
            pk=pk,
            text=text,
            claimant=claimant,
            verdict_label=label,
            verdict_set_at=_utc(set_at),
            # iso(): SQLite hands DateText's value back as a date, PostgreSQL as text.
            appearances=[
                AppearanceRecord(url, title, publisher, iso(published_on))
                for _, url, title, publisher, published_on in pending[1]
            ],
        )
        pending = next(grouped, None)


@dataclass(slots=True)
class ClaimCommentRecord:
    author: str
    body: str
    created_at: str


@dataclass(slots=True)
class ClaimLinkRecord:
    """A link to a claim of another project, named by that project's slug and the claim's
    export ref there (its rank by pk), with its text to check on import."""

    project: str
    claim: str
    text: str
    by: str
    at: str


@dataclass(slots=True)
class NativeClaimRecord:
    """Everything about a claim but its appearances (which the spans carry)."""

    ref: str
    text: str
    claimant: str
    language: str
    fresh_reviews: bool
    created_by: str
    created_at: str
    updated_at: str
    verdict: dict | None
    verdict_span_pk: int | None  # the span whose adjudication the verdict was taken from
    comments: list[ClaimCommentRecord]
    links: list[ClaimLinkRecord]
    decisions: list[DecisionRecord]  # those whose span is gone (its texts kept)


def native_claim_records(*, context: ExportContext) -> Iterator[NativeClaimRecord]:
    """The project's claims in pk order with their final verdict, comments, links to other
    projects' claims and span-less match decisions: one query per table, the small ones
    (comments, links, decisions without a span) held by claim while the claims stream."""
    project, name = context.project, context.name
    comments: dict[int, list[ClaimCommentRecord]] = {}
    for claim_pk, author, body, created in (
        ClaimComment.objects.filter(claim__project=project)
        .order_by("claim_id", "created_at", "pk")
        .values_list("claim_id", "author_id", "body", UtcText("created_at"))
    ):
        comments.setdefault(claim_pk, []).append(
            ClaimCommentRecord(name(author), body, _utc(created))
        )
    links: dict[int, list[ClaimLinkRecord]] = {}
    rank = (
        Claim.objects.filter(project_id=OuterRef("project_id"), pk__lte=OuterRef("pk"))
        .order_by()
        .values("project_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    for mine, other, by, at in (
        ClaimLink.objects.filter(Q(claim_low__project=project) | Q(claim_high__project=project))
        .order_by("created_at", "pk")
        .values_list("claim_low_id", "claim_high_id", "created_by_id", UtcText("created_at"))
    ):
        links.setdefault(mine, []).append((other, by, at))
        links.setdefault(other, []).append((mine, by, at))
    others = {
        pk: (slug, f"cl-{n}", text)
        for pk, slug, n, text in Claim.objects.filter(
            pk__in={other for entries in links.values() for other, _, _ in entries}
        )
        .exclude(project=project)
        .annotate(rank=Subquery(rank))
        .values_list("pk", "project__slug", "rank", "text")
    }
    decisions: dict[int, list[DecisionRecord]] = {}
    for claim_pk, decision, by, at, span_text, claim_text, scores in (
        MatchDecision.objects.filter(claim__project=project, span__isnull=True)
        .order_by("claim_id", "created_at", "pk")
        .values_list(
            "claim_id", "decision", "decided_by_id", UtcText("created_at"),
            "span_text", "claim_text", "scores",
        )
    ):  # fmt: skip
        decisions.setdefault(claim_pk, []).append(
            DecisionRecord(
                context.claim_ref(claim_pk), decision, None if by is None else name(by),
                _utc(at), span_text, claim_text, scores,
            )
        )  # fmt: skip
    rows = (
        Claim.objects.filter(project=project)
        .order_by("pk")
        .values_list(
            "pk", "text", "claimant", "language", "fresh_reviews", "created_by_id",
            UtcText("created_at"), UtcText("updated_at"), "verdict_label", "verdict_rationale",
            "verdict_origin", "verdict_set_by_id", UtcText("verdict_set_at"),
            "verdict_adjudication__span_id",
        )
        .iterator(chunk_size=context.options.chunk_size)
    )  # fmt: skip
    for row in rows:
        pk, text, claimant, language, fresh, creator, created, updated = row[:8]
        label, rationale, origin, set_by, set_at, verdict_span = row[8:]
        verdict = None
        if label:
            verdict = {
                "label": label,
                "rationale": rationale,
                "origin": origin,
                "by": None if set_by is None else name(set_by),
                "set_at": _utc(set_at),
            }
        yield NativeClaimRecord(
            ref=context.claim_ref(pk),
            text=text,
            claimant=claimant,
            language=language,
            fresh_reviews=fresh,
            created_by=name(creator),
            created_at=_utc(created),
            updated_at=_utc(updated),
            verdict=verdict,
            verdict_span_pk=verdict_span,
            comments=comments.get(pk, []),
            links=[
                ClaimLinkRecord(*others[other], by=name(by), at=_utc(at))
                for other, by, at in links.get(pk, [])
                if other in others
            ],
            decisions=decisions.get(pk, []),
        )
