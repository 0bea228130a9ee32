"""Native JSONL (FORMATS.md §4a): lossless, sorted keys, import -> export byte-identical.

Line 1: `{"schema": "factcheck-native/1", "type": "project", "project": {...}}` with the scale,
settings, `people` (every member and contributor, in the order an importer must create them so
pseudonyms come out the same) and `members` (person, role, joined_at). Then a line per claim of
the project (`{"type": "claim", "claim": {...}}`, pk order, ids `cl-N`): text, claimant,
language, fresh_reviews, who founded it and when, its final verdict, comments, links to claims
of other projects (that project's slug and the claim's `cl-N` there, with its text) and the
match decisions whose span is gone. A span that appears as a claim carries `appearance` (claim,
method, by, at, score, reused_by/at, `settles_claim`: the claim's verdict is this span's
adjudication) and `match_decisions`; both keys are absent otherwise. Then one line per article
of the project (pk order; articles without spans too) with its spans in (start, end) order, each
with every exported verdict (sources inside), comments and adjudication. Identifiers are the
export's own (`a-1`, `s-1`, `v-1`, `src-1`, `c-1`; see datasets.records). The derived span
`status` is informative: an importer recomputes it. Not exported: the article's raw input
(`raw_text`; an importer takes the body), assignments (queue state), predictions, history.
Label modes: `adjudicated` keeps only adjudicated spans; `majority` and `all` keep every span.
"""

from collections.abc import Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import jsonl_sorted
from datasets.records import (
    NATIVE_STANCES,
    SCHEMA,
    AdjudicationRecord,
    ArticleRecord,
    CommentRecord,
    ExportContext,
    SpanRecord,
    VerdictRecord,
    iso,
    project_memberships,
)
from datasets.records.claims import NativeClaimRecord, native_claim_records
from datasets.records.shapes import DecisionRecord


def head(context: ExportContext) -> Iterator[dict]:
    project = context.project
    people = context.people
    yield {
        "schema": SCHEMA,
        "type": "project",
        "project": {
            "id": project.slug,
            "name": project.name,
            "description": project.description,
            "created_at": iso(project.created_at),
            "scale": {
                "preset": project.scale_preset,
                "ordinal": project.scale_is_ordinal,
                "labels": project.scale,
            },
            "settings": {
                "reviews_per_claim": project.reviews_per_claim,
                "blind_review": project.blind_review,
                "sources_required": project.sources_required,
                "fever_mapping": project.fever_mapping,
            },
            "people": [person.name for person in people.values()],
            "members": [
                {"person": people[user_id].name, "role": role, "joined_at": iso(joined)}
                for user_id, role, joined in project_memberships(project=project)
            ],
        },
    }
    # The spans whose adjudication settled a claim, marked on their appearance.
    verdict_spans = context.state.setdefault(_VERDICT_SPANS, set())
    for claim in native_claim_records(context=context):
        if claim.verdict_span_pk is not None:
            verdict_spans.add(claim.verdict_span_pk)
        yield {"schema": SCHEMA, "type": "claim", "claim": _claim(claim)}


_VERDICT_SPANS = "native.verdict_spans"


def _claim(claim: NativeClaimRecord) -> dict:
    return {
        "id": claim.ref,
        "text": claim.text,
        "claimant": claim.claimant,
        "language": claim.language,
        "fresh_reviews": claim.fresh_reviews,
        "created_by": claim.created_by,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
        "verdict": claim.verdict,
        "comments": [
            {"author": c.author, "body": c.body, "created_at": c.created_at} for c in claim.comments
        ],
        "links": [
            {
                "project": link.project,
                "claim": link.claim,
                "text": link.text,
                "by": link.by,
                "at": link.at,
            }
            for link in claim.links
        ],
        "decisions": [_decision(decision) for decision in claim.decisions],
    }


def _decision(decision: DecisionRecord) -> dict:
    return {
        "claim": decision.claim,
        "decision": decision.decision,
        "by": decision.by,
        "at": decision.at,
        "span_text": decision.span_text,
        "claim_text": decision.claim_text,
        "scores": decision.scores,
    }


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[dict]:
    yield {
        "schema": SCHEMA,
        "type": "article",
        "article": {
            "id": article.ref,
            "title": article.title,
            "subtitle": article.subtitle,
            "authors": article.authors,
            "publisher": article.publisher,
            "published_on": iso(article.published_on),
            "url": article.url,
            "language": article.language,
            "origin": article.origin,
            "body": article.body,
        },
        "spans": [_span(span, context) for span in article.spans],
    }


def _span(span: SpanRecord, context: ExportContext) -> dict:
    written = {
        "id": span.ref,
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
        "prefix": span.prefix,
        "suffix": span.suffix,
        "claimant": span.claimant,
        "note": span.note,
        "status": span.status,
        "orphaned": span.orphaned,
        "anchor_errors": span.anchor_errors,
        "created_by": span.created_by,
        "created_at": iso(span.created_at),
        "verdicts": [_verdict(verdict) for verdict in span.verdicts],
        "comments": [_comment(comment) for comment in span.comments],
        "adjudication": None if span.adjudication is None else _adjudication(span.adjudication),
    }
    # Claims' keys only where there is something: files without claims read as before.
    if span.appearance is not None:
        appearance = span.appearance
        written["appearance"] = {
            "claim": span.claim,
            "method": appearance.method,
            "by": appearance.by,
            "at": appearance.at,
            "score": appearance.score,
            "reused_by": appearance.reused_by,
            "reused_at": appearance.reused_at,
            "settles_claim": span.pk in context.state.get(_VERDICT_SPANS, ()),
        }
    if span.decisions:
        written["match_decisions"] = [_decision(decision) for decision in span.decisions]
    return written


def _verdict(verdict: VerdictRecord) -> dict:
    return {
        "id": verdict.ref,
        "reviewer": verdict.reviewer,
        "label": verdict.label,
        "rationale": verdict.rationale,
        "confidence": verdict.confidence,
        "status": verdict.status,
        "version": verdict.version,
        "created_at": iso(verdict.created_at),
        "updated_at": iso(verdict.updated_at),
        "submitted_at": iso(verdict.submitted_at),
        "sources": [
            {
                "id": source.ref,
                "url": source.url,
                "title": source.title,
                "excerpt": source.excerpt,
                "stance": NATIVE_STANCES[source.stance],
                "accessed_on": iso(source.accessed_on),
            }
            for source in verdict.sources
        ],
    }


def _comment(comment: CommentRecord) -> dict:
    return {
        "id": comment.ref,
        "author": comment.author,
        "parent": comment.parent,
        "body": comment.body,
        "created_at": iso(comment.created_at),
    }


def _adjudication(adjudication: AdjudicationRecord) -> dict:
    return {
        "label": adjudication.label,
        "by": adjudication.editor,
        "rationale": adjudication.rationale,
        "considered": adjudication.considered,
        "decided_at": iso(adjudication.decided_at),
        "updated_at": iso(adjudication.updated_at),
    }


register(
    Exporter(
        name="native",
        title="Native (JSONL, round-trips)",
        media_type="application/x-ndjson; charset=utf-8",
        extension="jsonl",
        format_row=format_row,
        write=jsonl_sorted,
        head=head,
        claim_details=True,
        description="Native JSONL, lossless (factcheck-native/1)",
    )
)
