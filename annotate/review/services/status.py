"""The stored copy of each span's status (`Span.review_status`), kept by the services that
change what it depends on: verdicts, adjudication and the project's k."""

from collections.abc import Iterable

from django.db.models import QuerySet

from annotate.models import Project, Span
from annotate.review.status import span_status_computed

# Span ids per UPDATE: under SQLite's limit of bound parameters.
_CHUNK = 900


def span_status_refresh(*, project: Project, span_ids: Iterable[int] | None = None) -> int:
    """Recompute review_status of the project's spans (or of some) by the rule's SQL form, in
    the caller's transaction. Call it after anything that can change a status: a verdict saved,
    submitted or withdrawn, an adjudication made or undone, a restore, a new k. Returns how
    many rows were updated."""
    spans = Span.objects.filter(project=project)
    if span_ids is None:
        return _refresh(spans)
    ids = sorted(set(span_ids))
    chunks = (ids[first : first + _CHUNK] for first in range(0, len(ids), _CHUNK))
    return sum(_refresh(spans.filter(pk__in=chunk)) for chunk in chunks)


def _refresh(spans: QuerySet[Span]) -> int:
    return spans.update(review_status=span_status_computed(spans))
