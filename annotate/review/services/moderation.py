"""Corrections and removals by a project's editors, or by staff in the admin.

The admin is a door like the others: it calls these, so removing a row has the same effects
wherever it is done (queue flags refreshed, agreement cache invalidated, history attributed).
"""

from functools import partial

from django.db import transaction

from annotate.access import require_editor
from annotate.models import Adjudication, Assignment, Comment, Project
from annotate.quality import agreement_invalidate
from annotate.review.services.review import queue_refresh


def require_moderator(project: Project, actor, perm: str, action: str) -> None:
    """Project editors may; so may active staff holding the model's admin permission (e.g.
    `annotate.delete_comment`), who need not be members: the admin is their door."""
    if actor.is_active and actor.is_staff and actor.has_perm(perm):
        return
    require_editor(project, actor, action)


@transaction.atomic
def comment_delete(*, comment: Comment, actor) -> None:
    """Remove a comment and its replies (moderation)."""
    require_moderator(comment.span.project, actor, "annotate.delete_comment", "delete comments")
    comment.delete()


@transaction.atomic
def adjudication_delete(*, adjudication: Adjudication, actor) -> None:
    """Undo an adjudication: the span takes reviews again if it has free slots."""
    span = adjudication.span
    require_moderator(span.project, actor, "annotate.delete_adjudication", "undo adjudications")
    adjudication._history_user = actor
    adjudication.delete()
    queue_refresh(project=span.project, span_ids=[span.pk])
    transaction.on_commit(partial(agreement_invalidate, project_id=span.project_id))


@transaction.atomic
def assignment_delete(*, assignment: Assignment, actor) -> None:
    """Take a review slot back from a reviewer: the span may be handed out again."""
    span = assignment.span
    require_moderator(
        span.project, actor, "annotate.delete_assignment", "remove review assignments"
    )
    assignment.delete()
    queue_refresh(project=span.project, span_ids=[span.pk])


@transaction.atomic
def project_delete(*, project: Project, actor) -> None:
    """Remove a project with its spans, verdicts, discussion and adjudications."""
    require_moderator(project, actor, "annotate.delete_project", "delete the project")
    project_id = project.pk
    project.delete()
    transaction.on_commit(partial(agreement_invalidate, project_id=project_id))
