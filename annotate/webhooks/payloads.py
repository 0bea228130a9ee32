"""The `data` of each event type, from rows the emitting service already holds (no query).

People are named by user id, as elsewhere in the API; text is the span's quote and the words
of verdicts and adjudications (endpoints are registered by editors, who see all of it).
"""

from typing import Any


def span_data(span) -> dict[str, Any]:
    return {
        "span": {
            "id": span.pk,
            "article": span.article_id,
            "start": span.start,
            "end": span.end,
            "quote": span.quote,
            "claimant": span.claimant,
            "created_by": span.created_by_id,
        }
    }


def verdict_data(verdict) -> dict[str, Any]:
    return {
        "verdict": {
            "id": verdict.pk,
            "span": verdict.span_id,
            "reviewer": verdict.reviewer_id,
            "status": verdict.status,
            "label": verdict.label,
            "rationale": verdict.rationale,
            "confidence": verdict.confidence,
            "version": verdict.version,
            "submitted_at": verdict.submitted_at.isoformat() if verdict.submitted_at else None,
        }
    }


def appearance_data(appearance) -> dict[str, Any]:
    return {
        "appearance": {
            "id": appearance.pk,
            "span": appearance.span_id,
            "claim": appearance.claim_id,
            "method": appearance.link_method,
            "score": appearance.score,
            "linked_by": appearance.linked_by_id,
        }
    }


def adjudication_data(adjudication, considered_ids: list[int]) -> dict[str, Any]:
    return {
        "adjudication": {
            "id": adjudication.pk,
            "span": adjudication.span_id,
            "editor": adjudication.editor_id,
            "label": adjudication.label,
            "rationale": adjudication.rationale,
            "considered_verdicts": considered_ids,
        }
    }


def job_data(job, *, status: str, error: str = "") -> dict[str, Any]:
    return {
        "job": {
            "id": job.pk,
            "kind": job.kind,
            "status": status,
            "error": error,
            "created_by": job.created_by_id,
        }
    }
