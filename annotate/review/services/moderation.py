"""Corrections and removals by a project's editors, or by staff in the admin.

The admin is a door like the others: it calls these, so removing a row has the same effects
wherever it is done (queue flags refreshed, agreement cache invalidated, history attributed).
"""

from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotate.access import WRITERS, require_editor, require_moderator, role_in
from annotate.models import Adjudication, Assignment, Comment, Project, Span
from annotate.quality import agreement_invalidate
from annotate.review.services.review import queue_refresh
from annotate.review.services.status import span_status_refresh


@transaction.atomic
def comment_delete(*, comment: Comment, actor) -> None:
    """Remove a comment and its replies (moderation)."""
    require_moderator(
        comment.span.project, actor, "annotate.delete_comment", gettext_lazy("delete comments")
    )
    comment.delete()


@transaction.atomic
def adjudication_delete(*, adjudication: Adjudication, actor) -> None:
    """Undo an adjudication: the span takes reviews again if it has free slots."""
    span = adjudication.span
    require_moderator(
        span.project, actor, "annotate.delete_adjudication", gettext_lazy("undo adjudications")
    )
    adjudication._history_user = actor
    adjudication.delete()
    queue_refresh(project=span.project, span_ids=[span.pk])
    span_status_refresh(project=span.project, span_ids=[span.pk])
    transaction.on_commit(partial(agreement_invalidate, project_id=span.project_id))


@transaction.atomic
def assignment_delete(*, assignment: Assignment, actor) -> None:
    """Take a review slot back from a reviewer: the span may be handed out again."""
    span = assignment.span
    require_moderator(
        span.project, actor, "annotate.delete_assignment", gettext_lazy("remove review assignments")
    )
    assignment.delete()
    queue_refresh(project=span.project, span_ids=[span.pk])


@transaction.atomic
def project_delete(*, project: Project, actor) -> None:
    """Remove a project with its spans, verdicts, discussion and adjudications."""
    require_moderator(project, actor, "annotate.delete_project", gettext_lazy("delete the project"))
    project_id = project.pk
    project.delete()
    transaction.on_commit(partial(agreement_invalidate, project_id=project_id))


@transaction.atomic
def spans_assign(*, project: Project, actor, spans: Iterable[Span], reviewer) -> int:
    """Give a reviewer a review slot on each of the project's claims (editors), beyond the
    queue's k if need be, as a direct verdict would. Orphaned claims and slots the reviewer
    already holds are left as they are. Returns how many slots were added."""
    require_editor(project, actor, gettext_lazy("assign claims"))
    if role_in(project, reviewer) not in WRITERS:
        raise ValidationError(
            {"reviewer": _("Assign claims to a reviewer or editor of the project.")}
        )
    span_ids = [s.pk for s in spans if s.project_id == project.pk and not s.orphaned]
    held = set(
        Assignment.objects.filter(span_id__in=span_ids, reviewer=reviewer).values_list(
            "span_id", flat=True
        )
    )
    added = Assignment.objects.bulk_create(
        Assignment(span_id=span_id, reviewer=reviewer)
        for span_id in span_ids
        if span_id not in held
    )
    queue_refresh(project=project, span_ids=span_ids)  # a full span takes no more slots
    return len(added)


@transaction.atomic
def spans_reopen(*, project: Project, actor, spans: Iterable[Span]) -> int:
    """Reopen adjudicated claims (editors): their final verdicts are undone, with history, and
    they take reviews again where slots are free. Returns how many were reopened."""
    require_editor(project, actor, gettext_lazy("reopen claims"))
    span_ids = [s.pk for s in spans if s.project_id == project.pk]
    adjudications = list(Adjudication.objects.filter(span_id__in=span_ids))
    for adjudication in adjudications:
        adjudication._history_user = actor
        adjudication.delete()
    queue_refresh(project=project, span_ids=span_ids)
    if adjudications:
        span_status_refresh(project=project, span_ids=[a.span_id for a in adjudications])
        transaction.on_commit(partial(agreement_invalidate, project_id=project.pk))
    return len(adjudications)
