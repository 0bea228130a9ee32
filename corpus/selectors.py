"""Reads of the corpus, each owning its query shape."""

from django.db.models import Q, QuerySet

from corpus.models import NEWEST_FIRST, Article

# The list needs no body or raw text: deferring them keeps a page of long articles cheap.
_LIST_FIELDS = ("title", "subtitle", "authors", "publisher", "published_on", "language", "origin")


def article_list(*, search: str = "") -> QuerySet[Article]:
    """Articles newest first, matching `search` in title, subtitle, publisher or body."""
    articles = Article.objects.only(*_LIST_FIELDS)
    if search := search.strip():
        articles = articles.filter(
            Q(title__icontains=search)
            | Q(subtitle__icontains=search)
            | Q(publisher__icontains=search)
            | Q(body__icontains=search)
        )
    return articles.order_by(*NEWEST_FIRST)


def article_get(*, pk: int) -> Article:
    """One article with its body; raises Article.DoesNotExist."""
    return Article.objects.get(pk=pk)
