"""The claims of an export, for the formats that write one record per claim (ClaimReview): each
claim with its appearances in the spans the export selects, read in claim order with one query
per table and merged here (memory: one claim's appearances at a time)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import F

from annotate.models import Appearance, Claim
from datasets.records.context import ExportContext
from datasets.records.reading import DateText, UtcText, _snapshot, _utc, spans_where


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
            appearances=[AppearanceRecord(*row[1:]) for row in pending[1]],
        )
        pending = next(grouped, None)
