"""Reviewers' verdicts on spans, and the sources that back them."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotate.access import require_writer
from annotate.errors import VersionConflict
from annotate.limits import SOURCES_PER_VERDICT
from annotate.models import Adjudication, Assignment, Project, Source, Span, Verdict
from annotate.quality import agreement_invalidate
from annotate.review.services.status import span_status_refresh
from annotate.webhooks import payloads
from annotate.webhooks.events import webhook_emit
from annotate.webhooks.models import EventType

Status = Verdict.Status


@dataclass(frozen=True, slots=True)
class SourceInput:
    url: str
    title: str = ""
    excerpt: str = ""
    stance: str = Source.Stance.CONTEXT
    accessed_on: datetime.date | None = None


def verdict_save_draft(
    *,
    span: Span,
    reviewer,
    expected_version: int,
    label: str = "",
    rationale: str = "",
    confidence: int | None = None,
    sources: Sequence[SourceInput] | None = None,
) -> Verdict:
    """Keep the reviewer's unfinished verdict; the label may still be empty."""
    return _verdict_write(
        span=span,
        reviewer=reviewer,
        expected_version=expected_version,
        status=Status.DRAFT,
        label=label,
        rationale=rationale,
        confidence=confidence,
        sources=sources,
    )


def verdict_submit(
    *,
    span: Span,
    reviewer,
    expected_version: int,
    label: str,
    rationale: str = "",
    confidence: int | None = None,
    sources: Sequence[SourceInput] | None = None,
) -> Verdict:
    """Submit (or resubmit) the reviewer's verdict: a label of the scale, backed by sources."""
    verdict = _verdict_write(
        span=span,
        reviewer=reviewer,
        expected_version=expected_version,
        status=Status.SUBMITTED,
        label=label,
        rationale=rationale,
        confidence=confidence,
        sources=sources,
    )
    transaction.on_commit(partial(agreement_invalidate, project_id=span.project_id))
    return verdict


@transaction.atomic
def _verdict_write(
    *,
    span: Span,
    reviewer,
    expected_version: int,
    status: str,
    label: str,
    rationale: str,
    confidence: int | None,
    sources: Sequence[SourceInput] | None,
) -> Verdict:
    project = span.project
    require_writer(project, reviewer, gettext_lazy("record verdicts"))
    _require_open(span)
    label = label.strip()
    if label and label not in project.labels:
        raise ValidationError(
            {"label": _("“%(label)s” is not on this project's scale.") % {"label": label}}
        )
    if status == Status.SUBMITTED and not label:
        raise ValidationError({"label": _("Choose a label to submit the verdict.")})
    new_sources = None if sources is None else _validated_sources(sources)
    if status == Status.SUBMITTED:
        # span_update moves a claim only while no verdict on it is submitted, checked under the
        # span's row lock: a submit holds that row too, so the two never pass each other.
        Span.objects.select_for_update(no_key=True).filter(pk=span.pk).values_list("pk").first()

    verdict = _locked_verdict(span, reviewer, expected_version)
    if status == Status.DRAFT and verdict.status == Status.SUBMITTED:
        raise ValidationError(
            {"status": _("This verdict is submitted; withdraw it before saving it as a draft.")}
        )
    if new_sources is not None:
        kept_sources = new_sources
    else:
        kept_sources = list(verdict.sources.all()) if verdict.pk else []
    if status == Status.SUBMITTED and not kept_sources and project.label_needs_sources(label):
        raise ValidationError(
            {"sources": _("Cite at least one source for “%(label)s”.") % {"label": label}}
        )

    verdict.label, verdict.rationale, verdict.confidence = label, rationale.strip(), confidence
    if status == Status.SUBMITTED:
        verdict.submitted_at = timezone.now()
    verdict.status = status
    verdict.version += 1
    # The database enforces the constraints; checking them here would cost a query each.
    verdict.full_clean(
        exclude=["span", "reviewer"], validate_unique=False, validate_constraints=False
    )
    verdict._history_user = reviewer
    is_new = verdict.pk is None
    if is_new:
        _insert_first(verdict)
    else:
        verdict.save()
    if new_sources is not None:
        _replace_sources(verdict, new_sources, actor=reviewer, is_new=is_new)
    # A reviewer judging a span directly takes a slot on it too (next-span may have given one).
    Assignment.objects.bulk_create(
        [Assignment(span=span, reviewer=reviewer)], ignore_conflicts=True
    )
    span_status_refresh(project=project, span_ids=[span.pk])
    if status == Status.SUBMITTED:
        webhook_emit(
            project_id=project.pk,
            type=EventType.VERDICT_SUBMITTED,
            subject=f"span:{span.pk}",
            data=payloads.verdict_data(verdict),
        )
    return verdict


def _locked_verdict(span: Span, reviewer, expected_version: int) -> Verdict:
    """The reviewer's verdict on the span, row-locked, after checking the expected version."""
    verdict = Verdict.objects.select_for_update().filter(span=span, reviewer=reviewer).first()
    if verdict is None:
        if expected_version != 0:
            raise VersionConflict(current_version=0)
        return Verdict(span=span, reviewer=reviewer, version=0)  # inserted by _insert_first
    if verdict.version != expected_version:
        raise VersionConflict(current_version=verdict.version)
    return verdict


def _insert_first(verdict: Verdict) -> None:
    """Insert a reviewer's first verdict on a span; a concurrent first write conflicts."""
    try:
        with transaction.atomic():  # a savepoint: the other insert waits on the unique index
            verdict.save(force_insert=True)
    except IntegrityError:
        current = Verdict.objects.filter(span=verdict.span, reviewer=verdict.reviewer).first()
        raise VersionConflict(current_version=current.version if current else 0) from None


def _require_open(span: Span) -> None:
    """Adjudicated and orphaned claims take no more verdict changes."""
    if Adjudication.objects.filter(span=span).exists():
        raise ValidationError({"span": _("This claim is adjudicated; its verdicts are closed.")})
    if span.orphaned:
        raise ValidationError({"span": _("This claim lost its place in the text; it is closed.")})


def _validated_source(given: SourceInput, position: int = 0) -> Source:
    """An unsaved Source; ValidationError keyed by its own fields (url, stance, ...)."""
    source = Source(
        position=position,
        url=(given.url or "").strip(),
        title=(given.title or "").strip(),
        excerpt=(given.excerpt or "").strip(),
        stance=given.stance,
        accessed_on=given.accessed_on,
    )
    source.full_clean(exclude=["verdict"], validate_constraints=False)
    return source


def _validated_sources(sources: Sequence[SourceInput]) -> list[Source]:
    """Sources of a whole verdict; errors keyed "sources.<index>.<field>"."""
    if len(sources) > SOURCES_PER_VERDICT:
        raise ValidationError(
            {
                "sources": (
                    _("Cite at most %(sources_per_verdict)s sources.")
                    % {"sources_per_verdict": SOURCES_PER_VERDICT}
                )
            }
        )
    built, errors = [], {}
    for index, given in enumerate(sources):
        try:
            built.append(_validated_source(given, index))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"sources.{index}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    return built


def _replace_sources(
    verdict: Verdict, sources: list[Source], *, actor, is_new: bool = False
) -> None:
    for old in () if is_new else verdict.sources.all():  # a new verdict has none to delete
        old._history_user = actor
        old.delete()
    for source in sources:
        source.verdict = verdict
        source._history_user = actor
        source.save()


@transaction.atomic
def verdict_withdraw(*, verdict: Verdict, actor, expected_version: int) -> Verdict:
    """Take a submitted verdict back to draft, so that its reviewer can rework it."""
    _require_owner(verdict, actor)
    require_writer(verdict.span.project, actor, gettext_lazy("withdraw verdicts"))
    transaction.on_commit(partial(agreement_invalidate, project_id=verdict.span.project_id))
    _require_open(verdict.span)
    verdict = _locked_verdict(verdict.span, actor, expected_version)
    if verdict.status != Status.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted verdict can be withdrawn.")})
    verdict.status, verdict.submitted_at = Status.DRAFT, None
    verdict.version += 1
    verdict._history_user = actor
    verdict.save()
    span_status_refresh(project=verdict.span.project, span_ids=[verdict.span_id])
    webhook_emit(
        project_id=verdict.span.project_id,
        type=EventType.VERDICT_WITHDRAWN,
        subject=f"span:{verdict.span_id}",
        data=payloads.verdict_data(verdict),
    )
    return verdict


def _require_owner(verdict: Verdict, actor) -> None:
    if verdict.reviewer_id != actor.pk:
        raise PermissionDenied(_("Only the reviewer who wrote a verdict may change it."))


def _locked_own_verdict(verdict: Verdict, actor) -> Verdict:
    _require_owner(verdict, actor)
    require_writer(verdict.span.project, actor, gettext_lazy("change sources"))
    _require_open(verdict.span)
    return Verdict.objects.select_for_update().select_related("span__project").get(pk=verdict.pk)


def _bump(verdict: Verdict, actor) -> None:
    # Sources are part of the verdict: changing one makes clients holding the old version stale.
    verdict.version += 1
    verdict._history_user = actor
    verdict.save(update_fields=["version", "updated_at"])


@transaction.atomic
def source_add(*, verdict: Verdict, actor, source: SourceInput) -> Source:
    """Append a source to the actor's own verdict."""
    verdict = _locked_own_verdict(verdict, actor)
    new = _validated_source(source)
    cited = list(verdict.sources.all())
    if len(cited) >= SOURCES_PER_VERDICT:
        raise ValidationError(
            {
                "sources": (
                    _("Cite at most %(sources_per_verdict)s sources.")
                    % {"sources_per_verdict": SOURCES_PER_VERDICT}
                )
            }
        )
    new.verdict = verdict
    new.position = max((s.position for s in cited), default=-1) + 1
    new._history_user = actor
    new.save()
    _bump(verdict, actor)
    return new


@transaction.atomic
def source_update(*, source: Source, actor, changes: SourceInput) -> Source:
    """Replace a source's URL, title, excerpt, stance and access date."""
    verdict = _locked_own_verdict(source.verdict, actor)
    checked = _validated_source(changes)
    for field in ("url", "title", "excerpt", "stance", "accessed_on"):
        setattr(source, field, getattr(checked, field))
    source._history_user = actor
    source.save()
    _bump(verdict, actor)
    return source


@transaction.atomic
def source_remove(*, source: Source, actor) -> None:
    """Remove a source, unless a submitted verdict would be left without the sources it needs."""
    verdict = _locked_own_verdict(source.verdict, actor)
    project: Project = verdict.span.project
    if (
        verdict.status == Status.SUBMITTED
        and verdict.sources.count() == 1
        and project.label_needs_sources(verdict.label)
    ):
        raise ValidationError(
            {
                "sources": (
                    _("A submitted “%(label)s” verdict needs at least one source.")
                    % {"label": verdict.label}
                )
            }
        )
    source._history_user = actor
    source.delete()
    _bump(verdict, actor)
