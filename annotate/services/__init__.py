"""The only way doors change annotation data: one business operation per function, atomic."""

from annotate.services.predictions import (
    PredictionInput,
    prediction_accept,
    predictions_bulk_create,
)
from annotate.services.projects import membership_set_role, project_articles_add, project_create
from annotate.services.restore import (
    AdjudicationRestore,
    ArticleRestore,
    CommentRestore,
    PredictionRestore,
    RestoreCounts,
    RestoreResult,
    SourceRestore,
    SpanRestore,
    VerdictRestore,
    annotations_restore,
)
from annotate.services.review import (
    adjudicate,
    comment_post,
    next_span_for_review,
    queue_refresh,
)
from annotate.services.revisions import RevisionReport, article_body_revise
from annotate.services.spans import span_create, span_delete
from annotate.services.verdicts import (
    SourceInput,
    source_add,
    source_remove,
    source_update,
    verdict_save_draft,
    verdict_submit,
    verdict_withdraw,
)

__all__ = [
    "AdjudicationRestore",
    "ArticleRestore",
    "CommentRestore",
    "PredictionInput",
    "PredictionRestore",
    "RestoreCounts",
    "RestoreResult",
    "RevisionReport",
    "SourceInput",
    "SourceRestore",
    "SpanRestore",
    "VerdictRestore",
    "adjudicate",
    "annotations_restore",
    "article_body_revise",
    "comment_post",
    "membership_set_role",
    "next_span_for_review",
    "prediction_accept",
    "predictions_bulk_create",
    "project_articles_add",
    "project_create",
    "queue_refresh",
    "source_add",
    "source_remove",
    "source_update",
    "span_create",
    "span_delete",
    "verdict_save_draft",
    "verdict_submit",
    "verdict_withdraw",
]
