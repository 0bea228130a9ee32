"""Trusted restores: many articles' annotations written at once, as a dataset file states them.

The other services record what someone does now; a restore records what was done elsewhere
(another tool, an export of this one), so it may set authors, times and versions from the file.
Every rule of the models and of the other services still holds (a label on the scale, a submitted
verdict labelled, the quote at its offsets in the body, one verdict per reviewer and span, one
adjudication per span); what a rule refuses fails its article alone, with a reason.

Restores are batch operations: the articles' existing rows are read in one query per table,
validation is set-based in Python, and new rows are inserted in bulk (COPY on PostgreSQL), with
their history rows (the importing editor, RESTORE_REASON). Only the touched spans' queue flags are
set, and the project's agreement cache is invalidated once, on commit. A re-import finds every
row and writes nothing: spans are matched by (project, article, start, end), verdicts by (span,
reviewer), adjudications by span, comments by (span, author, body, parent), predictions by
(article, start, end, model).
"""

from collections.abc import Sequence
from functools import partial

from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext_lazy

from annotate.access import require_editor
from annotate.models import Project
from annotate.quality import agreement_invalidate
from annotate.review.services.restore.inputs import (
    AdjudicationRestore,
    ArticleRestore,
    CommentRestore,
    PredictionRestore,
    RestoreCounts,
    RestoreResult,
    SourceRestore,
    SpanRestore,
    VerdictRestore,
)
from annotate.review.services.restore.plan import Plan, State
from annotate.review.services.restore.rules import Refused
from annotate.review.services.restore.write import RESTORE_REASON, plans_write
from corpus.services import search_index_soon

__all__ = [
    "RESTORE_REASON",
    "AdjudicationRestore",
    "ArticleRestore",
    "CommentRestore",
    "PredictionRestore",
    "RestoreCounts",
    "RestoreResult",
    "SourceRestore",
    "SpanRestore",
    "VerdictRestore",
    "annotations_restore",
]


@transaction.atomic
def annotations_restore(
    *, project: Project, actor, articles: Sequence[ArticleRestore]
) -> list[RestoreResult]:
    """Store many articles' spans, verdicts (sources, assignments), comments, adjudications and
    predictions as given, skipping rows already there; one result per article, in order."""
    require_editor(project, actor, gettext_lazy("import annotations"))
    state = State.load(project, actor, articles)
    results: list[RestoreResult] = []
    plans: list[Plan | None] = []
    for given in articles:
        plan = Plan(given.article_id)
        try:
            state.plan_article(given, plan)
        except Refused as refusal:
            results.append(RestoreResult(error=str(refusal)))
            plans.append(None)
            continue
        results.append(RestoreResult(created=plan.counts))
        plans.append(plan)
    good = [plan for plan in plans if plan is not None and not plan.empty]
    if not good:
        return results
    try:
        with transaction.atomic():
            plans_write(project, actor, good)
    except (IntegrityError, DatabaseError):
        # The database refused the batch: store the articles one by one, so that only the one
        # it refuses fails.
        for index, plan in enumerate(plans):
            if plan is None or plan.empty:
                continue
            try:
                with transaction.atomic():
                    plans_write(project, actor, [plan])
            except (IntegrityError, DatabaseError) as error:
                results[index] = RestoreResult(error=f"refused by the database: {error}")
    # New spans' quotes get their search vectors after the commit, off the import's path.
    transaction.on_commit(search_index_soon)
    if any(plan.counts.verdicts or plan.counts.adjudications for plan in good):
        transaction.on_commit(partial(agreement_invalidate, project_id=project.pk))
    return results
