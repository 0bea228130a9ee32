"""Discussion and decisions on a span: comments, adjudication, and handing out review work."""

from collections.abc import Iterable, Sequence
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils.translation import gettext, gettext_lazy

from annotate.access import Role, require_editor, require_writer
from annotate.limits import text_limits_check
from annotate.models import Adjudication, Assignment, Comment, Project, Skip, Span, Verdict
from annotate.quality import agreement_invalidate
from annotate.review.queue import held_by_settled_claim
from annotate.review.services.status import span_status_refresh
from annotate.webhooks import payloads
from annotate.webhooks.events import webhook_emit
from annotate.webhooks.models import EventType


@transaction.atomic
def comment_post(*, span: Span, author, body: str, parent: Comment | None = None) -> Comment:
    """Add a comment (or a reply) to a span's discussion; editors and reviewers may."""
    role = require_writer(span.project, author, gettext_lazy("comment"))
    if span.orphaned and role != Role.EDITOR:
        raise PermissionDenied(
            gettext("Only editors can discuss a claim that lost its place in the text.")
        )
    body = body.strip()
    if not body:
        raise ValidationError({"body": gettext("Write something first.")})
    text_limits_check("comment", body=body)
    if parent is not None and parent.span_id != span.pk:
        raise ValidationError({"parent": gettext("Replies must stay on the same span.")})
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
    require_editor(project, editor, gettext_lazy("adjudicate"))
    rationale = rationale.strip()
    text_limits_check("adjudication", rationale=rationale)
    if label not in project.labels:
        raise ValidationError(
            {"label": gettext("“%(label)s” is not on this project's scale.") % {"label": label}}
        )
    submitted = Verdict.objects.filter(span=span, status=Verdict.Status.SUBMITTED)
    if considered_verdicts is None:
        considered = list(submitted)
    else:
        considered = list(considered_verdicts)
        allowed = set(submitted.values_list("pk", flat=True))
        if any(verdict.pk not in allowed for verdict in considered):
            raise ValidationError(
                {
                    "considered_verdicts": gettext(
                        "Only this span's submitted verdicts can be considered."
                    )
                }
            )
    adjudication = Adjudication.objects.select_for_update().filter(span=span).first()
    if adjudication is None:
        adjudication = Adjudication(span=span)
    adjudication.editor, adjudication.label, adjudication.rationale = (
        editor,
        label,
        rationale,
    )
    adjudication._history_user = editor
    adjudication.save()
    adjudication.considered_verdicts.set(considered)
    Span.objects.filter(pk=span.pk).update(queue_open=False)  # decided: no more reviews wanted
    span_status_refresh(project=project, span_ids=[span.pk])
    webhook_emit(
        project_id=project.pk,
        type=EventType.ADJUDICATION_RECORDED,
        subject=f"span:{span.pk}",
        data=payloads.adjudication_data(adjudication, [verdict.pk for verdict in considered]),
    )
    transaction.on_commit(partial(agreement_invalidate, project_id=project.pk))
    return adjudication


@transaction.atomic
def next_span_for_review(*, project: Project, reviewer) -> Span | None:
    """The next span this reviewer should judge, so that each span gets k independent reviews.
    Spans whose claim is settled are passed over (annotate.review.queue).

    The reviewer's unfinished assignment comes first. Otherwise a new slot is taken on the first
    span in reading order that has one free, so claims fill up one after another; each candidate
    is row-locked and its slots recounted under the lock, so two reviewers asking at once never
    both take a span's last slot (PostgreSQL).
    """
    require_writer(project, reviewer, gettext_lazy("review claims"))
    submitted_by_reviewer = Verdict.objects.filter(
        span=OuterRef("pk"), reviewer=reviewer, status=Verdict.Status.SUBMITTED
    )
    skipped_by_reviewer = Skip.objects.filter(span=OuterRef("pk"), reviewer=reviewer)
    unfinished = (
        Span.objects.filter(
            project=project,
            orphaned=False,
            adjudication__isnull=True,
            assignments__reviewer=reviewer,
        )
        .exclude(Exists(submitted_by_reviewer))
        .exclude(Exists(skipped_by_reviewer))
        .exclude(held_by_settled_claim())
        .order_by("assignments__created_at", "pk")
        .first()
    )
    if unfinished is not None:
        return unfinished

    # Only spans still open (queue_open, read through its partial index) are candidates, in
    # reading order, so the cost does not grow with the spans already fully reviewed. The facts
    # behind the flag are checked once a candidate is locked (_take_slot): joined in here, they
    # led the planner to a full scan and sort.
    candidate_ids = list(
        Span.objects.filter(project=project, queue_open=True)
        .exclude(Exists(Assignment.objects.filter(span=OuterRef("pk"), reviewer=reviewer)))
        .exclude(Exists(submitted_by_reviewer))
        .exclude(Exists(skipped_by_reviewer))
        .exclude(held_by_settled_claim())
        .order_by("article_id", "start", "pk")
        .values_list("pk", flat=True)[:CANDIDATES]
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


CANDIDATES = 50


@transaction.atomic
def span_skip(*, span: Span, reviewer, reason: str = "") -> Skip:
    """Pass on a claim: the queue does not offer it to this reviewer again, and the review slot
    they held goes back to the pool for the others. Skipping again only replaces the reason.

    The span's row is locked first, as _take_slot does before it counts slots, so a reviewer
    taking a slot meanwhile sees the freed one or none, never a half-released state.
    """
    require_writer(span.project, reviewer, gettext_lazy("skip claims"))
    reason = reason.strip()
    text_limits_check("skip", reason=reason)
    Span.objects.select_for_update(of=("self",)).filter(pk=span.pk).first()
    if Verdict.objects.filter(
        span=span, reviewer=reviewer, status=Verdict.Status.SUBMITTED
    ).exists():
        raise ValidationError(
            {
                "span": gettext(
                    "You have submitted a verdict on this claim; withdraw it before skipping."
                )
            }
        )
    skip, _ = Skip.objects.update_or_create(
        span=span, reviewer=reviewer, defaults={"reason": reason}
    )
    released, _ = Assignment.objects.filter(span=span, reviewer=reviewer).delete()
    if released:
        queue_refresh(project=span.project, span_ids=[span.pk])
    return skip


_LOCKED = object()


class _NoSlotLeft(Exception):
    pass


def _take_slot(span_id: int, project: Project, reviewer, *, skip_locked: bool):
    """Lock the span if it is still open, recount its slots under the lock, and assign one to
    the reviewer if any is left.

    Services that close a span (adjudication, orphaning) update its row, so the lock also waits
    for them and the re-read sees queue_open as they left it. The recount is the truth; a span
    found full is closed here, whatever filled it. A span without a free slot rolls its
    savepoint back, which releases its row lock at once: holding it while waiting for another
    span's lock could deadlock two reviewers.
    """
    try:
        with transaction.atomic():
            span = (
                Span.objects.select_for_update(skip_locked=skip_locked, of=("self",))
                .filter(pk=span_id, queue_open=True, orphaned=False, adjudication__isnull=True)
                .first()
            )
            if span is None:
                return _LOCKED if skip_locked else None
            taken = Assignment.objects.filter(span=span).aggregate(
                total=Count("pk"), mine=Count("pk", filter=Q(reviewer=reviewer))
            )
            full = taken["total"] >= project.reviews_per_claim
            if full or taken["mine"]:
                raise _NoSlotLeft(full)
            Assignment.objects.create(span=span, reviewer=reviewer)
            if taken["total"] + 1 >= project.reviews_per_claim:
                Span.objects.filter(pk=span.pk).update(queue_open=False)
            return span
    except _NoSlotLeft as refusal:
        (full,) = refusal.args
        if full:  # filled meanwhile by direct verdicts: settle the stale hint
            Span.objects.filter(pk=span_id).update(queue_open=False)
        return None


def queue_refresh(*, project: Project, span_ids: Iterable[int] | QuerySet | None = None) -> int:
    """Recompute queue_open of the project's spans (or of some) from the facts: not orphaned,
    not adjudicated, fewer assignments than the project wants. Call it after anything that can
    reopen a span: more reviews per claim, a deleted assignment or adjudication, a span found
    again in a revised text. Returns how many spans are open."""
    spans = Span.objects.filter(project=project)
    if span_ids is not None:
        spans = spans.filter(pk__in=span_ids)
    taken = (
        Assignment.objects.filter(span=OuterRef("pk"))
        .order_by()
        .values("span")
        .annotate(total=Count("pk"))
        .values("total")
    )
    is_open = (
        Q(orphaned=False)
        & ~Exists(Adjudication.objects.filter(span=OuterRef("pk")))
        & LessThan(Coalesce(Subquery(taken), 0), project.reviews_per_claim)
    )
    spans.update(queue_open=Case(When(is_open, then=Value(True)), default=Value(False)))
    return spans.filter(queue_open=True).count()
