"""Machine pre-annotations: stored in bulk by tools, accepted into spans or rejected by
reviewers. A prediction is decided once: accepted (linked to its span) or rejected (who, when)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotate.access import require_writer
from annotate.models import Prediction, Project, Span
from annotate.review.services.spans import span_create, span_offsets
from corpus.models import Article


@dataclass(frozen=True, slots=True)
class PredictionInput:
    article_id: int
    model_name: str
    start: int | None = None
    end: int | None = None
    quote: str | None = None
    occurrence: int = 1
    label: str = ""
    score: float | None = None


@transaction.atomic
def predictions_bulk_create(
    *, project: Project, actor, predictions: Sequence[PredictionInput]
) -> list[Prediction]:
    """Store a tool's proposed spans, all or none: errors are reported by item index."""
    require_writer(project, actor, gettext_lazy("add predictions"))
    article_ids = {given.article_id for given in predictions}
    articles = {a.pk: a for a in project.articles.filter(pk__in=article_ids)}
    built, errors = [], {}
    for index, given in enumerate(predictions):
        try:
            built.append(_prediction(project, actor, articles, given))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"{index}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    existing = set(
        Prediction.objects.filter(project=project, article_id__in=article_ids).values_list(
            "article_id", "start", "end", "model_name"
        )
    )
    fresh = [p for p in built if (p.article_id, p.start, p.end, p.model_name) not in existing]
    # Re-sending the same predictions is a no-op, as re-importing articles is.
    unique = list({(p.article_id, p.start, p.end, p.model_name): p for p in fresh}.values())
    return Prediction.objects.bulk_create(unique)


def _prediction(project, actor, articles: dict[int, Article], given: PredictionInput) -> Prediction:
    article = articles.get(given.article_id)
    if article is None:
        raise ValidationError({"article": _("This article is not part of the project.")})
    if given.label and given.label not in project.labels:
        raise ValidationError(
            {"label": _("“%(label)s” is not on this project's scale.") % {"label": given.label}}
        )
    if given.score is not None and not 0 <= given.score <= 1:
        raise ValidationError({"score": _("A score is between 0 and 1.")})
    if not given.model_name.strip():
        raise ValidationError({"model_name": _("Name the model that made the prediction.")})
    start, end = span_offsets(
        article.body,
        start=given.start,
        end=given.end,
        quote=given.quote,
        occurrence=given.occurrence,
    )
    return Prediction(
        project=project,
        article=article,
        start=start,
        end=end,
        quote=article.body[start:end],
        label=given.label,
        model_name=given.model_name.strip()[:200],
        score=given.score,
        created_by=actor,
    )


@transaction.atomic
def prediction_accept(*, prediction: Prediction, actor) -> Span:
    """Turn an open prediction into a span (or find the span already there) and link the two."""
    prediction = Prediction.objects.select_for_update().get(pk=prediction.pk)
    require_writer(prediction.project, actor, gettext_lazy("accept predictions"))
    _require_open(prediction)
    existing = Span.objects.filter(
        project=prediction.project_id,
        article=prediction.article_id,
        start=prediction.start,
        end=prediction.end,
        orphaned=False,
    ).first()
    if existing is not None:
        span = existing
    else:
        span = span_create(
            project=prediction.project,
            article=prediction.article,
            actor=actor,
            start=prediction.start,
            end=prediction.end,
            note=f"Accepted from {prediction.model_name}'s prediction.",
        )
    prediction.accepted_span = span
    prediction.save(update_fields=["accepted_span"])
    return span


@transaction.atomic
def prediction_reject(*, prediction: Prediction, actor) -> Prediction:
    """Record that a reviewer turned an open prediction down: it is no longer offered."""
    prediction = Prediction.objects.select_for_update().get(pk=prediction.pk)
    require_writer(prediction.project, actor, gettext_lazy("reject predictions"))
    _require_open(prediction)
    prediction.rejected_at = timezone.now()
    prediction.rejected_by = actor
    prediction.save(update_fields=["rejected_at", "rejected_by"])
    return prediction


def _require_open(prediction: Prediction) -> None:
    if prediction.decision != Prediction.Decision.OPEN:
        if prediction.decision == Prediction.Decision.ACCEPTED:
            raise ValidationError(_("This prediction was already accepted."))
        raise ValidationError(_("This prediction was already rejected."))
