"""Revising an article's body and re-anchoring every span that points into it (FORMATS.md §2)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotate.access import Role
from annotate.anchoring import anchor_quote, quote_context
from annotate.models import Membership, Span
from corpus.models import Article
from corpus.text import canonical_body, content_hash


@dataclass(frozen=True, slots=True)
class RevisionReport:
    kept: int = 0
    moved: int = 0
    fuzzy: int = 0
    orphaned: int = 0


@transaction.atomic
def article_body_revise(
    *, article: Article, body: str, actor, raw_text: str | None = None
) -> RevisionReport:
    """Replace an article's body (e.g. a corrected import) and re-anchor its spans.

    Spans whose quote is still at its offsets keep them; others move to where their quote (or
    the closest approximate match, scored with its context) now stands; spans whose quote is
    gone are kept as orphaned, for editors to see.
    """
    is_editor = Membership.objects.filter(
        project__articles=article, user=actor, role=Role.EDITOR
    ).exists()
    if not (is_editor or actor.is_superuser):
        raise PermissionDenied("Only an editor of a project with this article may revise it.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    new_body = canonical_body(body)
    if not new_body:
        raise ValidationError({"body": "The body cannot be empty."})
    digest = content_hash(new_body)
    if digest == article.content_hash:
        return RevisionReport(kept=article.spans.count())
    if Article.objects.filter(content_hash=digest).exclude(pk=article.pk).exists():
        raise ValidationError({"body": "Another article already has exactly this text."})

    counts = {"kept": 0, "moved": 0, "fuzzy": 0, "orphaned": 0}
    for span in Span.objects.select_for_update().filter(article=article):
        outcome = _reanchor(span, new_body)
        counts[outcome] += 1
        span._history_user = actor
        span.save()

    article.body, article.content_hash = new_body, digest
    if raw_text is not None:
        article.raw_text = raw_text
    article._history_user = actor
    article.save()
    return RevisionReport(**counts)


def _reanchor(span: Span, new_body: str) -> str:
    anchor = anchor_quote(
        body=new_body,
        exact=span.quote,
        prefix=span.prefix,
        suffix=span.suffix,
        start=span.start,
        end=span.end,
    )
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
