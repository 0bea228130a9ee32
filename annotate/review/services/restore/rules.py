"""The rules a restored row keeps: the models' and the other services' rules, checked in Python
for a whole batch (no query per row). A broken rule refuses the row's article, naming where."""

from django.core.exceptions import ValidationError

from annotate.limits import SOURCES_PER_VERDICT, TEXT_LIMITS
from annotate.models import Source, Verdict
from annotate.review.services.restore.inputs import PredictionRestore, SpanRestore, VerdictRestore


class Refused(Exception):
    """An article breaks a rule; the message says where and which."""


def check_length(model: str, field: str, text: str, *, where: str) -> None:
    """annotate.limits' limit for `model.field`, the same at this door as at every other."""
    limit = TEXT_LIMITS[f"{model}.{field}"]
    if len(text) > limit:
        raise Refused(
            f"{where}: {field}: keep this under {limit:,} characters (it has {len(text):,})"
        )


def check_offsets(body: str, start: int, end: int, *, where: str) -> None:
    if start < 0 or start > len(body):
        raise Refused(f"{where}: start: must be between 0 and {len(body)}")
    if end > len(body):
        raise Refused(f"{where}: end: must be at most {len(body)}")
    if end <= start:
        raise Refused(f"{where}: end: must be greater than start")


_SPAN_LIMITS = {"claimant": 200, "prefix": 32, "suffix": 32}


def check_span(span: SpanRestore, body: str, *, where: str) -> None:
    if span.orphaned:
        if span.start < 0 or span.end <= span.start:
            raise Refused(f"{where}: needs 0 <= start < end")
        if not span.quote:
            raise Refused(f"{where}: quote: an orphaned span keeps its quote")
    else:
        check_offsets(body, span.start, span.end, where=where)
        if body[span.start : span.end] != span.quote:
            raise Refused(f"{where}: quote: the quote does not match the article text")
        if not span.quote.strip():
            raise Refused(f"{where}: quote: a claim cannot be only whitespace")
    check_length("span", "note", span.note, where=where)
    for name, limit in _SPAN_LIMITS.items():
        value = getattr(span, name)
        if value is not None and len(value.strip() if name == "claimant" else value) > limit:
            raise Refused(f"{where}: {name}: at most {limit} characters")
    if span.anchor_errors < 0:
        raise Refused(f"{where}: anchor_errors: may not be negative")


_STATUSES = frozenset(Verdict.Status.values)
_STANCES = frozenset(Source.Stance.values)
_URL_FIELD = Source._meta.get_field("url")
_TITLE_MAX = Source._meta.get_field("title").max_length


def check_verdict(verdict: VerdictRestore, labels: frozenset[str], *, where: str) -> None:
    label = verdict.label.strip()
    if label and label not in labels:
        raise Refused(f"label: “{label}” is not on this project's scale.")
    if verdict.status not in _STATUSES:
        raise Refused(f"{where}: status: {verdict.status!r} is not a verdict status")
    if verdict.status == Verdict.Status.SUBMITTED and not label:
        raise Refused(f"label: {where}: a submitted verdict needs a label.")
    if verdict.confidence is not None and not 1 <= verdict.confidence <= 5:
        raise Refused(f"{where}: confidence: between 1 and 5")
    if verdict.version < 0:
        raise Refused(f"{where}: version: may not be negative")
    check_length("verdict", "rationale", verdict.rationale, where=where)
    if len(verdict.sources) > SOURCES_PER_VERDICT:
        raise Refused(f"{where}: sources: at most {SOURCES_PER_VERDICT} per verdict")
    for number, source in enumerate(verdict.sources):
        at = f"{where}.sources[{number}]"
        try:
            _URL_FIELD.clean(source.url.strip(), None)
        except ValidationError as error:
            raise Refused(f"{at}: url: {' '.join(error.messages)}") from None
        if len(source.title.strip()) > _TITLE_MAX:
            raise Refused(f"{at}: title: at most {_TITLE_MAX} characters")
        check_length("source", "excerpt", source.excerpt, where=at)
        if source.stance not in _STANCES:
            raise Refused(f"{at}: stance: {source.stance!r} is not a stance")


def check_prediction(given: PredictionRestore, labels: frozenset[str], body: str, *, where: str):
    if given.label and given.label not in labels:
        raise Refused(f"{where}: label: “{given.label}” is not on this project's scale.")
    if given.score is not None and not 0 <= given.score <= 1:
        raise Refused(f"{where}: score: a score is between 0 and 1")
    if not given.model_name.strip():
        raise Refused(f"{where}: model_name: name the model that made the prediction")
    check_offsets(body, given.start, given.end, where=where)
    if not body[given.start : given.end].strip():
        raise Refused(f"{where}: a claim cannot be only whitespace")
