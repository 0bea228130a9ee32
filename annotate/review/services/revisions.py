"""Revising an article's body and re-anchoring every span that points into it (FORMATS.md §2)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from annotate.access import Role
from annotate.errors import RevisionConflict
from annotate.models import Membership, Project, Span
from annotate.review.anchoring import Anchor, anchor_quote, quote_context
from annotate.review.services.review import queue_refresh
from corpus import services as corpus_services
from corpus.models import Article
from corpus.text import canonical_body, content_hash


@dataclass(frozen=True, slots=True)
class RevisionReport:
    kept: int = 0
    moved: int = 0
    fuzzy: int = 0
    orphaned: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# progress(done, total): spans re-anchored so far; a job's callback may raise to stop (the
# revision's transaction then rolls back whole).
RevisionProgress = Callable[[int, int], None]
# Spans between two progress reports.
PROGRESS_EVERY = 200


@transaction.atomic
def article_body_revise(
    *,
    article: Article,
    body: str,
    actor,
    raw_text: str | None = None,
    progress: RevisionProgress | None = None,
) -> RevisionReport:
    """Replace an article's body (e.g. a corrected import) and re-anchor its spans.

    Spans whose quote is still at its offsets keep them; others move to where their quote (or
    the closest approximate match, scored with its context) now stands; spans whose quote is
    gone are kept as orphaned, for editors to see. An article may be in several projects: the
    reviser must edit every project whose spans would move or be orphaned (staff may revise
    any), or the revision is refused with RevisionConflict.
    """
    article_reviser_require(article=article, actor=actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    new_body, digest = revision_body_check(article=article, body=body)
    if digest == article.content_hash:
        return RevisionReport(kept=article.spans.count())

    spans = list(Span.objects.select_for_update().filter(article=article))
    outcomes = _spans_reanchor(spans, new_body, progress)
    _require_editor_of_displaced(
        actor, {span.project_id for span, outcome, _ in outcomes if outcome != "kept"}
    )
    report = _spans_save(outcomes, actor=actor)

    article.body, article.content_hash = new_body, digest
    if raw_text is not None:
        article.raw_text = raw_text
    article._history_user = actor
    article.save()
    return report


def article_language_set(*, article: Article, language: str, actor) -> Article:
    """Correct an article's language (editors of a project with it; superusers: any). Recorded in
    its history; the detector's confidence is cleared, as for a language stated at import."""
    article_reviser_require(article=article, actor=actor)
    return corpus_services.article_language_change(article=article, language=language, actor=actor)


# (span, what happened to it: kept, moved, fuzzy or orphaned, whether any selector changed)
Outcome = tuple[Span, str, bool]


def revision_body_check(*, article: Article, body: str) -> tuple[str, str]:
    """The new body in canonical form and its hash; ValidationError on `body` if it is empty or
    another article's text (checked again by the revision itself, and early by its job's door)."""
    new_body = canonical_body(body)
    if not new_body:
        raise ValidationError({"body": gettext("The body cannot be empty.")})
    digest = content_hash(new_body)
    if (
        digest != article.content_hash
        and Article.objects.filter(content_hash=digest).exclude(pk=article.pk).exists()
    ):
        # Neither named nor linked: the other article may be in projects the actor cannot read.
        # That the text is stored is no secret to someone who holds it (an import says as much).
        raise ValidationError(
            {
                "body": gettext(
                    "This exact text is already stored as another article; import it instead."
                )
            }
        )
    return new_body, digest


def article_reviser_require(*, article: Article, actor) -> None:
    """PermissionDenied unless the actor edits a project with the article (or is a superuser)."""
    is_editor = Membership.objects.filter(
        project__articles=article, user=actor, role=Role.EDITOR
    ).exists()
    if not (is_editor or actor.is_superuser):
        raise PermissionDenied(
            gettext("Only an editor of a project with this article may change it.")
        )


def _spans_reanchor(
    spans: list[Span], new_body: str, progress: RevisionProgress | None = None
) -> list[Outcome]:
    """Give each span its place in the new body (unsaved), at most one span per passage."""
    anchored = []
    for done, span in enumerate(spans, start=1):
        anchored.append((span, _anchor(span, new_body)))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(spans)):
            progress(done, len(spans))
    # Exact anchors claim their passage first; a span that would land on a passage another
    # span of its project already holds is orphaned rather than duplicated.
    anchored.sort(key=lambda pair: (pair[1] is None, pair[1].errors if pair[1] else 0, pair[0].pk))
    claimed: set[tuple[int, int, int]] = set()
    outcomes = []
    for span, anchor in anchored:
        place = (span.project_id, anchor.start, anchor.end) if anchor else None
        if place in claimed:
            anchor = None
        elif place is not None:
            claimed.add(place)
        before = _selectors(span)
        outcomes.append((span, _apply(span, anchor, new_body), _selectors(span) != before))
    return outcomes


def _spans_save(outcomes: list[Outcome], *, actor) -> RevisionReport:
    """Save the spans that changed, refresh their projects' queues, count the outcomes."""
    # Park every span that changes outside the unique index (orphaned) before saving any, so
    # that a span moving onto a passage another span is about to leave never collides.
    Span.objects.filter(pk__in=[span.pk for span, _, changed in outcomes if changed]).update(
        orphaned=True
    )
    counts = {"kept": 0, "moved": 0, "fuzzy": 0, "orphaned": 0}
    changed_by_project: dict[int, list[int]] = defaultdict(list)
    for span, outcome, changed in outcomes:
        counts[outcome] += 1
        if changed:
            span._history_user = actor
            span.save()
            changed_by_project[span.project_id].append(span.pk)
    # Orphaned spans leave the review queue; spans found again rejoin it.
    for project in Project.objects.filter(pk__in=changed_by_project):
        queue_refresh(project=project, span_ids=changed_by_project[project.pk])
    return RevisionReport(**counts)


def _require_editor_of_displaced(actor, project_ids: set[int]) -> None:
    """Refuse (RevisionConflict) unless the actor edits every project whose spans the revision
    moves or orphans; staff may revise any."""
    if actor.is_staff or actor.is_superuser or not project_ids:
        return
    edited = set(
        Membership.objects.filter(
            project_id__in=project_ids, user=actor, role=Role.EDITOR
        ).values_list("project_id", flat=True)
    )
    if not (refused := project_ids - edited):
        return
    named = list(
        Project.objects.filter(pk__in=refused, memberships__user=actor)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    raise RevisionConflict(named=named, unnamed=len(named) < len(refused))


def _selectors(span: Span) -> tuple:
    return (span.start, span.end, span.quote, span.prefix, span.suffix, span.orphaned)


def _anchor(span: Span, new_body: str) -> Anchor | None:
    return anchor_quote(
        body=new_body,
        exact=span.quote,
        prefix=span.prefix,
        suffix=span.suffix,
        start=span.start,
        end=span.end,
    )


def _apply(span: Span, anchor: Anchor | None, new_body: str) -> str:
    """Set the span's new place (unsaved) and say what happened to it."""
    if anchor is None:
        # Keep the old selectors: the span stays for editors, without a place in the text.
        span.orphaned = True
        return "orphaned"
    unchanged = (anchor.start, anchor.end) == (span.start, span.end) and anchor.errors == 0
    span.start, span.end, span.orphaned, span.anchor_errors = (
        anchor.start,
        anchor.end,
        False,
        anchor.errors,
    )
    span.quote = new_body[anchor.start : anchor.end]
    span.prefix, span.suffix = quote_context(new_body, anchor.start, anchor.end)
    if unchanged:
        return "kept"
    return "fuzzy" if anchor.errors else "moved"
