"""The only way doors change annotation data: one business operation per function, atomic."""

from annotate.review.services.moderation import (
    adjudication_delete,
    assignment_delete,
    comment_delete,
    project_delete,
    spans_assign,
    spans_reopen,
)
from annotate.review.services.predictions import (
    PredictionInput,
    prediction_accept,
    prediction_reject,
    predictions_bulk_create,
)
from annotate.review.services.restore import (
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
from annotate.review.services.review import (
    adjudicate,
    comment_post,
    next_span_for_review,
    queue_refresh,
    span_skip,
)
from annotate.review.services.revisions import (
    RevisionReport,
    article_body_revise,
    article_language_set,
)
from annotate.review.services.spans import (
    span_bounds_editable,
    span_create,
    span_delete,
    span_update,
)
from annotate.review.services.verdicts import (
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
    "adjudication_delete",
    "annotations_restore",
    "article_body_revise",
    "article_language_set",
    "assignment_delete",
    "comment_delete",
    "comment_post",
    "next_span_for_review",
    "prediction_accept",
    "prediction_reject",
    "predictions_bulk_create",
    "project_delete",
    "queue_refresh",
    "source_add",
    "source_remove",
    "source_update",
    "span_bounds_editable",
    "span_create",
    "span_delete",
    "span_skip",
    "span_update",
    "spans_assign",
    "spans_reopen",
    "verdict_save_draft",
    "verdict_submit",
    "verdict_withdraw",
]
