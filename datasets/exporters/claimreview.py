"""schema.org ClaimReview JSON-LD (FORMATS.md §4e), one JSON document a line, label mode
`adjudicated` (the only one accepted).

A span that appears as a claim is reviewed with its claim: one ClaimReview per claim, written
after the articles, `claimReviewed` the claim's canonical text, the rating its final verdict (or,
while it has none, the adjudication of its first exported appearance), and `itemReviewed` a Claim
with every `appearance` in the exported articles and `firstAppearance`, the earliest dated one
(Google's ClaimReview markup: CreativeWork with `url`, `headline`, `publisher`,
`datePublished`). A claim with neither a final verdict nor an adjudicated appearance is not
reviewed yet and left out. Adjudicated spans without a claim keep one ClaimReview each.

`url` comes from the `review_url` template ({project}, {article}, {span} replaced, and {claim};
for a claim {span} is the claim's ref `cl-N` too; default `urn:fc:{project}:{span}`: Google
wants an http(s) page on the publisher's domain, so pass one); `author` is the `organization`
option when given. Ordinal scales rate numerically, worst = 1 ... best = n; nominal ones give
`alternateName` only. Unknown claimant, URL or date: the field is left out, never guessed. The
claimant's type is unknown here; it is written as a Person.
"""

from collections.abc import Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import jsonl
from datasets.records import ArticleRecord, ExportContext, iso
from datasets.records.claims import AppearanceRecord, ClaimRecord, claim_records

# context.state's key: {claim pk: (label, decided_at, article ref)} of the first adjudicated
# appearance of each claim met while the articles streamed.
_ADJUDICATED = "claimreview.adjudicated"


def review_url(template: str, *, project: str, article: str, span: str, claim: str = "") -> str:
    # Plain replacement, not str.format: the template is user input.
    return (
        template.replace("{project}", project)
        .replace("{article}", article)
        .replace("{span}", span)
        .replace("{claim}", claim)
    )


def _rating(label: str, context: ExportContext) -> dict:
    rating = {"@type": "Rating", "alternateName": label}
    if label in context.ranks:
        rating |= {
            "ratingValue": context.ranks[label],
            "bestRating": len(context.ranks),
            "worstRating": 1,
        }
    return rating


def _review(
    *, url: str, text: str, date: str | None, label: str, item: dict, context: ExportContext
) -> dict:
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": text,
    }
    if date:
        review["datePublished"] = date[:10]
    if context.options.organization:
        review["author"] = {"@type": "Organization", "name": context.options.organization}
    review |= {"reviewRating": _rating(label, context), "itemReviewed": item}
    return review


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[dict]:
    adjudicated = context.state.setdefault(_ADJUDICATED, {})
    for span in article.spans:
        adjudication = span.adjudication
        if adjudication is None:
            continue
        if span.claim_pk is not None:
            # Reviewed once with its claim, at the end (claim_rows).
            adjudicated.setdefault(
                span.claim_pk, (adjudication.label, adjudication.decided_at, article.ref)
            )
            continue
        appearance = {"@type": "CreativeWork", "headline": article.title}
        if article.url:
            appearance["url"] = article.url
        claim: dict = {"@type": "Claim"}
        if span.claimant:
            claim["author"] = {"@type": "Person", "name": span.claimant}
        if article.published_on:
            claim["datePublished"] = iso(article.published_on)
        claim["appearance"] = appearance
        yield _review(
            url=review_url(
                context.options.review_url,
                project=context.project.slug,
                article=article.ref,
                span=span.ref,
            ),
            text=span.quote,
            date=adjudication.decided_at,
            label=adjudication.label,
            item=claim,
            context=context,
        )


def _creative_work(appearance: AppearanceRecord) -> dict:
    work: dict = {"@type": "CreativeWork", "headline": appearance.title}
    if appearance.url:
        work["url"] = appearance.url
    if appearance.publisher:
        work["publisher"] = {"@type": "Organization", "name": appearance.publisher}
    if appearance.published_on:
        work["datePublished"] = appearance.published_on
    return work


def _claim_item(claim: ClaimRecord) -> dict:
    item: dict = {"@type": "Claim"}
    if claim.claimant:
        item["author"] = {"@type": "Person", "name": claim.claimant}
    # Appearances come earliest dated first: the first, if dated, is the first appearance.
    first = claim.appearances[0]
    if first.published_on:
        item["datePublished"] = first.published_on
        item["firstAppearance"] = _creative_work(first)
    item["appearance"] = [_creative_work(appearance) for appearance in claim.appearances]
    return item


def claim_rows(context: ExportContext) -> Iterator[dict]:
    """One ClaimReview per reviewed claim with appearances in the export, in claim order."""
    adjudicated = context.state.get(_ADJUDICATED, {})
    for claim in claim_records(context=context):
        if claim.verdict_label:
            label, date, article_ref = claim.verdict_label, claim.verdict_set_at, ""
        elif claim.pk in adjudicated:
            label, date, article_ref = adjudicated[claim.pk]
        else:
            continue
        yield _review(
            url=review_url(
                context.options.review_url,
                project=context.project.slug,
                article=article_ref,
                span=claim.ref,
                claim=claim.ref,
            ),
            text=claim.text,
            date=date,
            label=label,
            item=_claim_item(claim),
            context=context,
        )


register(
    Exporter(
        name="claimreview",
        title="ClaimReview (JSON-LD)",
        media_type="application/x-ndjson; charset=utf-8",
        extension="jsonl",
        format_row=format_row,
        write=jsonl,
        tail=claim_rows,
        default_labels="adjudicated",
        label_modes=("adjudicated",),
        description="schema.org ClaimReview JSON-LD, one per claim or adjudicated span",
    )
)
