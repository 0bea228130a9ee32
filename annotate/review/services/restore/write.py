"""Writing planned restores: parents before children, each table in one COPY (see `bulk`), the
history of each row, and the queue flags the new rows decide."""

from collections.abc import Sequence

from django.apps import apps
from django.db.models import Count

from annotate.models import (
    Adjudication,
    Assignment,
    Comment,
    Prediction,
    Project,
    Source,
    Span,
    Verdict,
)
from annotate.review.services.bulk import parents_keyed, rows_insert
from annotate.review.services.restore.plan import Plan
from annotate.review.services.restore.rows import NewAdjudication, NewComment
from annotate.review.services.status import span_status_refresh
from annotate.review.status import SpanFacts, span_status_of

RESTORE_REASON = "imported from a dataset file"


def plans_write(project: Project, actor, plans: Sequence[Plan]) -> None:
    """Insert the plans' rows parents first, with their history, and set the queue flags."""
    spans = [span for plan in plans for span in plan.spans]
    assignments = [row for plan in plans for row in plan.assignments]
    adjudications = [row for plan in plans for row in plan.adjudications]
    verdicts = [verdict for plan in plans for verdict in plan.verdicts]
    _queue_flags_set(project, spans, assignments, adjudications)
    _statuses_set(project, spans, verdicts, adjudications)
    history = {"history_user": actor, "history_reason": RESTORE_REASON}
    rows_insert(Span, spans, **history)
    parents_keyed(verdicts, "span")
    rows_insert(Verdict, verdicts, **history)
    sources = [row for plan in plans for row in plan.sources]
    parents_keyed(sources, "verdict")
    rows_insert(Source, sources, **history)
    parents_keyed(assignments, "span")
    rows_insert(Assignment, assignments)
    _comments_write([row for plan in plans for row in plan.comments])
    _adjudications_write(adjudications, actor)
    rows_insert(Prediction, [row for plan in plans for row in plan.predictions])
    touched = set().union(*(plan.touched_span_ids for plan in plans))
    if touched:
        _queue_settle(project, touched)
        # New spans were stored with their status; stored spans given new rows (touched) get
        # theirs from the rule's SQL form, one UPDATE per chunk.
        span_status_refresh(project=project, span_ids=touched)


def _statuses_set(project: Project, spans, verdicts, adjudications) -> None:
    """The status of each new span from its new rows by the rule's pure form, before it is
    stored (an UPDATE per span afterwards cost a tenth of a first import)."""
    submitted: dict[int, list[str]] = {id(span): [] for span in spans}
    counts = dict.fromkeys(submitted, 0)
    for verdict in verdicts:
        key = id(verdict.span)
        if key in counts:
            counts[key] += 1
            if verdict.status == Verdict.Status.SUBMITTED:
                submitted[key].append(verdict.label)
    adjudicated = {id(row.span) for row in adjudications}
    for span in spans:
        key = id(span)
        facts = SpanFacts(
            submitted_labels=submitted[key],
            verdict_count=counts[key],
            reviews_per_claim=project.reviews_per_claim,
            adjudicated=key in adjudicated,
        )
        span.review_status = span_status_of(facts).value


def _queue_flags_set(project: Project, spans, assignments, adjudications) -> None:
    """The queue flag of each new span from the facts (queue_refresh's rule), before it is
    stored: open while it is anchored, undecided and has fewer reviewers than the project's k."""
    new = {id(span) for span in spans}
    taken: dict[int, int] = {}
    for assignment in assignments:
        if id(assignment.span) in new:
            taken[id(assignment.span)] = taken.get(id(assignment.span), 0) + 1
    decided = {id(adjudication.span) for adjudication in adjudications}
    for span in spans:
        span.queue_open = (
            not span.orphaned
            and id(span) not in decided
            and taken.get(id(span), 0) < project.reviews_per_claim
        )


def _comments_write(comments: list[NewComment]) -> None:
    # A reply needs its parent's key: insert a generation at a time (parents come first).
    new = {id(comment) for comment in comments}
    depth: dict[int, int] = {}
    for comment in comments:
        parent = comment.parent
        depth[id(comment)] = depth[id(parent)] + 1 if id(parent) in new else 0
    for generation in sorted(set(depth.values())):
        ready = [comment for comment in comments if depth[id(comment)] == generation]
        for comment in ready:
            comment.span_id = comment.span.pk
            comment.parent_id = comment.parent.pk if comment.parent is not None else None
        rows_insert(Comment, ready)


def _adjudications_write(adjudications: list[NewAdjudication], actor) -> None:
    if not adjudications:
        return
    parents_keyed(adjudications, "span")
    history_ids = rows_insert(
        Adjudication, adjudications, history_user=actor, history_reason=RESTORE_REASON
    )
    through = Adjudication.considered_verdicts.through
    links = [
        through(adjudication_id=adjudication.id, verdict_id=verdict.pk)
        for adjudication in adjudications
        for verdict in adjudication.considered
    ]
    rows_insert(through, links)
    # The m2m's history, as simple_history keeps it: the links of each historical record.
    m2m_history = apps.get_model("annotate", "HistoricalAdjudication_considered_verdicts")
    history_of = {
        adjudication.id: history_id
        for adjudication, history_id in zip(adjudications, history_ids, strict=True)
    }
    rows_insert(
        m2m_history,
        [
            m2m_history(
                id=link.pk,
                adjudication_id=link.adjudication_id,
                verdict_id=link.verdict_id,
                history_id=history_of[link.adjudication_id],
            )
            for link in links
        ],
    )


def _queue_settle(project: Project, span_ids: set[int]) -> None:
    """queue_open of stored spans the restore gave assignments or an adjudication, from the
    facts (queue_refresh's rule), in two UPDATEs for the batch."""
    counts = dict(
        Assignment.objects.filter(span_id__in=span_ids)
        .values("span_id")
        .annotate(total=Count("pk"))
        .values_list("span_id", "total")
    )
    decided = set(
        Adjudication.objects.filter(span_id__in=span_ids).values_list("span_id", flat=True)
    )
    closed = {
        span_id
        for span_id in span_ids
        if span_id in decided or counts.get(span_id, 0) >= project.reviews_per_claim
    }
    # Only closing: a restore adds assignments and adjudications, which never reopen a span.
    if closed:
        Span.objects.filter(pk__in=closed, queue_open=True).update(queue_open=False)
