"""schema.org ClaimReview JSON-LD (FORMATS.md §4e), one JSON document a line, adjudicated spans
only (label mode `adjudicated`, the only one accepted).

`url` comes from the `review_url` template ({project}, {article}, {span} replaced; default
`urn:fc:{project}:{span}`: Google wants an http(s) page on the publisher's domain, so pass one);
`author` is the `organization` option when given. Ordinal scales rate numerically, worst = 1 ...
best = n; nominal ones give `alternateName` only. Unknown claimant, URL or date: the field is left
out, never guessed. The claimant's type is unknown here; it is written as a Person.
"""

from collections.abc import Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import jsonl
from datasets.records import ArticleRecord, ExportContext, iso


def review_url(template: str, *, project: str, article: str, span: str) -> str:
    # Plain replacement, not str.format: the template is user input.
    return (
        template.replace("{project}", project).replace("{article}", article).replace("{span}", span)
    )


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[dict]:
    options, n = context.options, len(context.ranks)
    for span in article.spans:
        adjudication = span.adjudication
        if adjudication is None:
            continue
        rating = {"@type": "Rating", "alternateName": adjudication.label}
        if adjudication.label in context.ranks:
            rating |= {
                "ratingValue": context.ranks[adjudication.label],
                "bestRating": n,
                "worstRating": 1,
            }
        appearance = {"@type": "CreativeWork", "headline": article.title}
        if article.url:
            appearance["url"] = article.url
        claim: dict = {"@type": "Claim"}
        if span.claimant:
            claim["author"] = {"@type": "Person", "name": span.claimant}
        if article.published_on:
            claim["datePublished"] = iso(article.published_on)
        claim["appearance"] = appearance
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": review_url(
                options.review_url, project=context.project.slug, article=article.ref, span=span.ref
            ),
            "claimReviewed": span.quote,
            "datePublished": iso(adjudication.decided_at)[:10],
        }
        if options.organization:
            review["author"] = {"@type": "Organization", "name": options.organization}
        review |= {"reviewRating": rating, "itemReviewed": claim}
        yield review


register(
    Exporter(
        name="claimreview",
        title="ClaimReview (JSON-LD)",
        media_type="application/x-ndjson; charset=utf-8",
        extension="jsonl",
        format_row=format_row,
        write=jsonl,
        default_labels="adjudicated",
        label_modes=("adjudicated",),
        description="schema.org ClaimReview JSON-LD, adjudicated claims",
    )
)
