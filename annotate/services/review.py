"""Discussion and decisions on a span: comments, adjudication, and handing out review work."""

from collections.abc import Sequence
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from annotate.access import Role, require_editor, require_writer
from annotate.models import Adjudication, Assignment, Comment, Project, Span, Verdict
from annotate.quality import agreement_invalidate

COMMENT_MAX_CHARS = 10_000


@transaction.atomic
def comment_post(*, span: Span, author, body: str, parent: Comment | None = None) -> Comment:
    """Add a comment (or a reply) to a span's discussion; editors and reviewers may."""
    role = require_writer(span.project, author, "comment")
    if span.orphaned and role != Role.EDITOR:
        raise PermissionDenied("Only editors can discuss a claim that lost its place in the text.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    if len(body) > COMMENT_MAX_CHARS:
        raise ValidationError({"body": f"Keep comments under {COMMENT_MAX_CHARS} characters."})
    if parent is not None and parent.span_id != span.pk:
        raise ValidationError({"parent": "Replies must stay on the same span."})
    return Comment.objects.create(span=span, author=author, body=body, parent=parent)


@transaction.atomic
def adjudicate(
    *,
    span: Span,
    editor,
    label: str,
    rationale: str = "",
    considered_verdicts: Sequence[Verdict] | None = None,
) -> Adjudication:
    """Record or revise the editor's final label; by default it considers all submitted verdicts."""
    project = span.project
    require_editor(project, editor, "adjudicate")
    if label not in project.labels:
        raise ValidationError({"label": f"“{label}” is not on this project's scale."})
    submitted = Verdict.objects.filter(span=span, status=Verdict.Status.SUBMITTED)
    if considered_verdicts is None:
        considered = list(submitted)
    else:
        considered = list(considered_verdicts)
        allowed = set(submitted.values_list("pk", flat=True))
        if any(verdict.pk not in allowed for verdict in considered):
            raise ValidationError(
                {"considered_verdicts": "Only this span's submitted verdicts can be considered."}
            )
    adjudication = Adjudication.objects.select_for_update().filter(span=span).first()
    if adjudication is None:
        adjudication = Adjudication(span=span)
    adjudication.editor, adjudication.label, adjudication.rationale = (
        editor,
        label,
        rationale.strip(),
    )
    adjudication._history_user = editor
    adjudication.save()
    adjudication.considered_verdicts.set(considered)
    transaction.on_commit(partial(agreement_invalidate, project_id=project.pk))
    return adjudication


@transaction.atomic
def next_span_for_review(*, project: Project, reviewer) -> Span | None:
    """The next span this reviewer should judge, so that each span gets k independent reviews.

    The reviewer's unfinished assignment comes first. Otherwise a new slot is taken on the first
    span in reading order that has one free, so claims fill up one after another; each candidate
    is row-locked and its slots recounted under the lock, so two reviewers asking at once never
    both take a span's last slot (PostgreSQL).
    """
    require_writer(project, reviewer, "review claims")
    reviewable = Span.objects.filter(project=project, orphaned=False, adjudication__isnull=True)
    submitted_by_reviewer = Verdict.objects.filter(
        span=OuterRef("pk"), reviewer=reviewer, status=Verdict.Status.SUBMITTED
    )
    unfinished = (
        reviewable.filter(assignments__reviewer=reviewer)
        .exclude(Exists(submitted_by_reviewer))
        .order_by("assignments__created_at", "pk")
        .first()
    )
    if unfinished is not None:
        return unfinished

    # Reading order, so that a claim fills its k slots before the next one starts. The slot
    # count is a correlated subquery evaluated row by row until 50 candidates are found: no
    # aggregate over the whole project (a GROUP BY there cost ~100 ms at 50,000 spans).
    taken = (
        Assignment.objects.filter(span=OuterRef("pk"))
        .order_by()
        .values("span")
        .annotate(total=Count("pk"))
        .values("total")
    )
    candidate_ids = list(
        reviewable.exclude(
            Exists(Assignment.objects.filter(span=OuterRef("pk"), reviewer=reviewer))
        )
        .exclude(Exists(submitted_by_reviewer))
        .annotate(taken=Coalesce(Subquery(taken), 0))
        .filter(taken__lt=project.reviews_per_claim)
        .order_by("article_id", "start", "pk")
        .values_list("pk", flat=True)[:50]
    )
    busy = []
    for span_id in candidate_ids:
        span = _take_slot(span_id, project, reviewer, skip_locked=True)
        if span is _LOCKED:
            busy.append(span_id)
        elif span is not None:
            return span
    # Spans another reviewer held a moment ago: wait for their lock, then look again.
    for span_id in busy:
        span = _take_slot(span_id, project, reviewer, skip_locked=False)
        if span is not None and span is not _LOCKED:
            return span
    return None


_LOCKED = object()


class _NoSlotLeft(Exception):
    pass


def _take_slot(span_id: int, project: Project, reviewer, *, skip_locked: bool):
    """Lock the span, recount its slots, and assign one to the reviewer if any is left.

    A span without a free slot rolls its savepoint back, which releases its row lock at once:
    holding it while waiting for another span's lock could deadlock two reviewers.
    """
    try:
        with transaction.atomic():
            span = (
                Span.objects.select_for_update(skip_locked=skip_locked, of=("self",))
                .filter(pk=span_id)
                .first()
            )
            if span is None:
                return _LOCKED if skip_locked else None
            taken = Assignment.objects.filter(span=span).aggregate(
                total=Count("pk"), mine=Count("pk", filter=Q(reviewer=reviewer))
            )
            if taken["mine"] or taken["total"] >= project.reviews_per_claim:
                raise _NoSlotLeft
            Assignment.objects.create(span=span, reviewer=reviewer)
            return span
    except _NoSlotLeft:
        return None
