"""Highlighting claims: creating, correcting and deleting spans."""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy

from annotate.access import Role, require_moderator, require_writer
from annotate.claims.services import span_claims_suggest_after_commit
from annotate.models import Project, Span, Verdict
from annotate.quality import agreement_invalidate
from annotate.review.anchoring import quote_context
from annotate.webhooks import payloads
from annotate.webhooks.events import webhook_emit
from annotate.webhooks.models import EventType
from corpus.models import Article
from corpus.services import search_index_soon
from corpus.text import splits_grapheme

# Also what doors answer for an article id that does not exist: the same words, so that whether
# an article outside the project exists is not revealed.
ARTICLE_NOT_IN_PROJECT = gettext_lazy("This article is not part of the project.")


def _nth_occurrence(body: str, quote: str, occurrence: int) -> int:
    position = -1
    for _ in range(occurrence):
        position = body.find(quote, position + 1)
        if position < 0:
            raise ValidationError(
                {
                    "quote": (
                        gettext("The quote does not occur %(occurrence)s time(s) in the article.")
                        % {"occurrence": occurrence}
                    )
                }
            )
    return position


@transaction.atomic
def span_create(
    *,
    project: Project,
    article: Article,
    actor,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    occurrence: int = 1,
    claimant: str = "",
    note: str = "",
) -> Span:
    """Highlight a claim, by code-point offsets or by its quote (and which occurrence of it)."""
    require_writer(project, actor, gettext_lazy("highlight claims"))
    if not project.articles.filter(pk=article.pk).exists():
        raise ValidationError({"article": ARTICLE_NOT_IN_PROJECT})
    body = article.body
    start, end = span_offsets(body, start=start, end=end, quote=quote, occurrence=occurrence)
    exact = body[start:end]
    duplicates = Span.objects.filter(
        project=project, article=article, start=start, end=end, orphaned=False
    )
    if duplicates.exists():
        raise ValidationError(
            {"start": gettext("This passage is already highlighted in the project.")}
        )
    prefix, suffix = quote_context(body, start, end)
    span = Span(
        project=project,
        article=article,
        start=start,
        end=end,
        quote=exact,
        prefix=prefix,
        suffix=suffix,
        claimant=claimant.strip(),
        note=note.strip(),
        created_by=actor,
    )
    span.full_clean(validate_unique=False, validate_constraints=False)
    span._history_user = actor
    try:
        with transaction.atomic():
            span.save()
    except IntegrityError as error:  # highlighted by someone else a moment ago
        raise ValidationError({"start": gettext("This passage is already highlighted.")}) from error
    webhook_emit(
        project_id=project.pk,
        type=EventType.SPAN_CREATED,
        subject=f"span:{span.pk}",
        data=payloads.span_data(span),
    )
    # Claims it may state, after commit (a job once issue 16 lands): robust, so that a failure
    # of matching never undoes or fails the highlight itself. A lambda, not a partial: Django
    # logs a robust hook's failure by its __qualname__, which a partial lacks.
    transaction.on_commit(
        lambda span_id=span.pk: span_claims_suggest_after_commit(span_id), robust=True
    )
    # The quote's search vector, off the request's path (corpus.services.search_index_soon).
    transaction.on_commit(search_index_soon, robust=True)
    return span


def span_offsets(
    body: str, *, start: int | None, end: int | None, quote: str | None, occurrence: int = 1
) -> tuple[int, int]:
    """Checked [start, end) of a passage given by offsets, or by its quote and occurrence."""
    if start is None or end is None:
        if not quote:
            raise ValidationError({"quote": gettext("Give start and end offsets, or the quote.")})
        if occurrence < 1:
            raise ValidationError({"occurrence": gettext("Occurrences count from 1.")})
        start = _nth_occurrence(body, quote, occurrence)
        end = start + len(quote)
    _check_offsets(body, start, end)
    exact = body[start:end]
    if quote is not None and quote != exact:
        raise ValidationError(
            {"quote": gettext("The quote does not match the article text at these offsets.")}
        )
    if not exact.strip():
        raise ValidationError({"quote": gettext("A claim cannot be only whitespace.")})
    return start, end


def _check_offsets(body: str, start: int, end: int) -> None:
    errors = {}
    if start < 0 or start > len(body):
        errors["start"] = gettext(
            "Must be between 0 and %(count)s (the body's length in code points)."
        ) % {"count": len(body)}
    if end > len(body):
        errors["end"] = gettext("Must be at most %(count)s (the body's length in code points).") % {
            "count": len(body)
        }
    elif end <= start:
        errors["end"] = gettext("Must be greater than start.")
    if errors:
        raise ValidationError(errors)
    # A mark without its letter (or half an emoji) is no passage anyone selected; the reader
    # never sends one, other tools may.
    for field, offset in (("start", start), ("end", end)):
        if splits_grapheme(body, offset):
            errors[field] = "Falls inside a character (a letter and its marks, or an emoji)."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def span_update(
    *,
    span: Span,
    actor,
    claimant: str | None = None,
    note: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Span:
    """Correct who made the claim and the editor's note (moderators), or move the passage's
    boundaries (its creator, while no verdict on it is submitted). None leaves a field as it is.

    Reads the span afresh under a lock and writes only the columns asked for, so a caller
    holding an old copy (the admin's history "revert") cannot write old offsets back.
    """
    current = Span.objects.select_for_update().select_related("project").get(pk=span.pk)
    fields: list[str] = []
    if claimant is not None or note is not None:
        require_moderator(
            current.project, actor, "annotate.change_span", gettext_lazy("edit claims")
        )
        if claimant is not None:
            current.claimant = claimant.strip()
            fields.append("claimant")
        if note is not None:
            current.note = note.strip()
            fields.append("note")
    if start is not None or end is not None:
        _require_bounds_editable(current, actor)
        fields.extend(_move_bounds(current, start=start, end=end))
    if not fields:
        return current
    current.full_clean(validate_unique=False, validate_constraints=False)
    current._history_user = actor
    try:
        with transaction.atomic():
            current.save(update_fields=fields)
    except IntegrityError as error:  # the same passage highlighted by someone a moment ago
        raise ValidationError({"start": gettext("This passage is already highlighted.")}) from error
    if "start" in fields:  # span agreement compares boundaries
        transaction.on_commit(partial(agreement_invalidate, project_id=current.project_id))
    return current


def span_bounds_editable(*, span: Span, actor) -> bool:
    """Whether `actor` may move the span's boundaries now (the panel offers it only then)."""
    try:
        _require_bounds_editable(span, actor)
    except PermissionDenied:
        return False
    return True


def _require_bounds_editable(span: Span, actor) -> None:
    # Verdicts judge the passage as it was: once one is submitted the passage is fixed, for
    # editors too (they may delete the claim and highlight it anew).
    require_writer(span.project, actor, gettext_lazy("adjust claims"))
    if span.created_by_id != actor.pk:
        raise PermissionDenied(gettext("Only the claim's creator may adjust its boundaries."))
    if span.orphaned:
        raise PermissionDenied(gettext("An orphaned claim has no place in the text to adjust."))
    if span.verdicts.filter(status=Verdict.Status.SUBMITTED).exists():
        raise PermissionDenied(
            gettext("The claim has a submitted verdict; its boundaries are fixed.")
        )


def _move_bounds(span: Span, *, start: int | None, end: int | None) -> list[str]:
    """Set the new [start, end) with its quote and context; the fields that changed."""
    body = Article.objects.only("body").get(pk=span.article_id).body
    start = span.start if start is None else start
    end = span.end if end is None else end
    start, end = span_offsets(body, start=start, end=end, quote=None)
    if (start, end) == (span.start, span.end):
        return []
    duplicates = Span.objects.filter(
        project_id=span.project_id, article_id=span.article_id, start=start, end=end
    ).filter(orphaned=False)
    if duplicates.exclude(pk=span.pk).exists():
        raise ValidationError(
            {"start": gettext("This passage is already highlighted in the project.")}
        )
    span.start, span.end, span.quote = start, end, body[start:end]
    span.prefix, span.suffix = quote_context(body, start, end)
    return ["start", "end", "quote", "prefix", "suffix"]


@transaction.atomic
def span_delete(*, span: Span, actor) -> None:
    """Remove a span with its verdicts and discussion: its creator may while no verdict is
    submitted; an editor always may, and so may staff with the admin's delete permission."""
    is_staff_door = actor.is_active and actor.is_staff and actor.has_perm("annotate.delete_span")
    role = (
        None if is_staff_door else require_writer(span.project, actor, gettext_lazy("delete spans"))
    )
    if role is not None and role != Role.EDITOR:
        # Under the span's row lock, as span_update: a verdict being submitted is waited for.
        Span.objects.select_for_update().filter(pk=span.pk).values_list("pk").first()
        if span.created_by_id != actor.pk:
            raise PermissionDenied(gettext("Only the span's creator or an editor may delete it."))
        if span.verdicts.filter(status=Verdict.Status.SUBMITTED).exists():
            raise PermissionDenied(
                gettext("The span has submitted verdicts; only an editor may delete it.")
            )
    span._history_user = actor
    span_id = span.pk
    webhook_emit(
        project_id=span.project_id,
        type=EventType.SPAN_DELETED,
        subject=f"span:{span_id}",
        data={**payloads.span_data(span), "deleted_by": actor.pk},
    )
    span.delete()
    # Its submitted verdicts leave the agreement figures. Nothing else's queue flag changes.
    transaction.on_commit(partial(agreement_invalidate, project_id=span.project_id))
