"""The rules a restored row keeps: the models' and the other services' rules, checked in Python
for a whole batch (no query per row). A broken rule refuses the row's article, naming where."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
            _("%(where)s: %(field)s: keep this under %(limit)s characters (it has %(count)s)")
            % {
                "where": where,
                "field": field,
                "limit": format(limit, ","),
                "count": format(len(text), ","),
            }
        )


def check_offsets(body: str, start: int, end: int, *, where: str) -> None:
    if start < 0 or start > len(body):
        raise Refused(
            _("%(where)s: start: must be between 0 and %(count)s")
            % {"where": where, "count": len(body)}
        )
    if end > len(body):
        raise Refused(
            _("%(where)s: end: must be at most %(count)s") % {"where": where, "count": len(body)}
        )
    if end <= start:
        raise Refused(_("%(where)s: end: must be greater than start") % {"where": where})


_SPAN_LIMITS = {"claimant": 200, "prefix": 32, "suffix": 32}


def check_span(span: SpanRestore, body: str, *, where: str) -> None:
    if span.orphaned:
        if span.start < 0 or span.end <= span.start:
            raise Refused(_("%(where)s: needs 0 <= start < end") % {"where": where})
        if not span.quote:
            raise Refused(
                _("%(where)s: quote: an orphaned span keeps its quote") % {"where": where}
            )
    else:
        check_offsets(body, span.start, span.end, where=where)
        if body[span.start : span.end] != span.quote:
            raise Refused(
                _("%(where)s: quote: the quote does not match the article text") % {"where": where}
            )
        if not span.quote.strip():
            raise Refused(
                _("%(where)s: quote: a claim cannot be only whitespace") % {"where": where}
            )
    check_length("span", "note", span.note, where=where)
    for name, limit in _SPAN_LIMITS.items():
        value = getattr(span, name)
        if value is not None and len(value.strip() if name == "claimant" else value) > limit:
            raise Refused(
                _("%(where)s: %(name)s: at most %(limit)s characters")
                % {"where": where, "name": name, "limit": limit}
            )
    if span.anchor_errors < 0:
        raise Refused(_("%(where)s: anchor_errors: may not be negative") % {"where": where})


_STATUSES = frozenset(Verdict.Status.values)
_STANCES = frozenset(Source.Stance.values)
_URL_FIELD = Source._meta.get_field("url")
_TITLE_MAX = Source._meta.get_field("title").max_length


def check_verdict(verdict: VerdictRestore, labels: frozenset[str], *, where: str) -> None:
    label = verdict.label.strip()
    if label and label not in labels:
        raise Refused(_("label: “%(label)s” is not on this project's scale.") % {"label": label})
    if verdict.status not in _STATUSES:
        raise Refused(
            _("%(where)s: status: %(status)r is not a verdict status")
            % {"where": where, "status": verdict.status}
        )
    if verdict.status == Verdict.Status.SUBMITTED and not label:
        raise Refused(_("label: %(where)s: a submitted verdict needs a label.") % {"where": where})
    if verdict.confidence is not None and not 1 <= verdict.confidence <= 5:
        raise Refused(_("%(where)s: confidence: between 1 and 5") % {"where": where})
    if verdict.version < 0:
        raise Refused(_("%(where)s: version: may not be negative") % {"where": where})
    check_length("verdict", "rationale", verdict.rationale, where=where)
    if len(verdict.sources) > SOURCES_PER_VERDICT:
        raise Refused(
            _("%(where)s: sources: at most %(sources_per_verdict)s per verdict")
            % {"where": where, "sources_per_verdict": SOURCES_PER_VERDICT}
        )
    for number, source in enumerate(verdict.sources):
        at = f"{where}.sources[{number}]"
        try:
            _URL_FIELD.clean(source.url.strip(), None)
        except ValidationError as error:
            raise Refused(
                _("%(at)s: url: %(join)s") % {"at": at, "join": " ".join(error.messages)}
            ) from None
        if len(source.title.strip()) > _TITLE_MAX:
            raise Refused(
                _("%(at)s: title: at most %(title_max)s characters")
                % {"at": at, "title_max": _TITLE_MAX}
            )
        check_length("source", "excerpt", source.excerpt, where=at)
        if source.stance not in _STANCES:
            raise Refused(
                _("%(at)s: stance: %(stance)r is not a stance")
                % {"at": at, "stance": source.stance}
            )


def check_prediction(given: PredictionRestore, labels: frozenset[str], body: str, *, where: str):
    if given.label and given.label not in labels:
        raise Refused(
            _("%(where)s: label: “%(label)s” is not on this project's scale.")
            % {"where": where, "label": given.label}
        )
    if given.score is not None and not 0 <= given.score <= 1:
        raise Refused(_("%(where)s: score: a score is between 0 and 1") % {"where": where})
    if not given.model_name.strip():
        raise Refused(
            _("%(where)s: model_name: name the model that made the prediction") % {"where": where}
        )
    check_offsets(body, given.start, given.end, where=where)
    if not body[given.start : given.end].strip():
        raise Refused(_("%(where)s: a claim cannot be only whitespace") % {"where": where})
