"""Reads of the corpus, each owning its query shape. The corpus knows no projects: which
articles a user may read is annotate's question (annotate.review.selectors.articles_visible_to)."""

from django.db.models import Q, QuerySet

from corpus.models import NEWEST_FIRST, Article

# The list needs no body or raw text: deferring them keeps a page of long articles cheap.
_LIST_FIELDS = (
    "title",
    "subtitle",
    "authors",
    "publisher",
    "published_on",
    "source_url",
    "language",
    "language_confidence",
    "origin",
    "created_at",
)


def article_search(*, articles: QuerySet[Article], text: str) -> QuerySet[Article]:
    """Those of `articles` with `text` in their title, subtitle, publisher or body."""
    if not (text := text.strip()):
        return articles
    return articles.filter(
        Q(title__icontains=text)
        | Q(subtitle__icontains=text)
        | Q(publisher__icontains=text)
        | Q(body__icontains=text)
    )


def article_catalogue(*, with_body: bool = True) -> QuerySet[Article]:
    """Every article, newest first; without bodies for lists. Who may read which is decided by
    the layer that knows projects (annotate.review.selectors.articles_visible_to)."""
    articles = Article.objects.all() if with_body else Article.objects.only(*_LIST_FIELDS)
    return articles.order_by(*NEWEST_FIRST)
