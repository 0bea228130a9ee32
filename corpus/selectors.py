"""Reads of the corpus, each owning its query shape. The corpus knows no projects: which
articles a user may read is annotate's question (annotate.review.selectors.articles_visible_to)."""

from django.db import connection
from django.db.models import F, QuerySet

from corpus.models import NEWEST_FIRST, Article
from corpus.search import ARTICLE_INDEX, text_search

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
    """Those of `articles` matching `text` (websearch syntax: "a phrase", or, -word) in their
    title, subtitle, publisher or body, accents ignored, best match first (corpus.search)."""
    if not (text := text.strip()):
        return articles
    found = text_search(articles, text=text, index=ARTICLE_INDEX)
    return found.order_by(F("search_rank").desc(), *NEWEST_FIRST)


def article_search_cap() -> int | None:
    """How many matches a search ranks and counts at most (PostgreSQL: the first found); None
    when every match is (SQLite). A page that counts this many should say "at least"."""
    return ARTICLE_INDEX.ranked_at_most if connection.vendor == "postgresql" else None


def article_catalogue(*, with_body: bool = True) -> QuerySet[Article]:
    """Every article, newest first; without bodies for lists. Who may read which is decided by
    the layer that knows projects (annotate.review.selectors.articles_visible_to)."""
    articles = Article.objects.all() if with_body else Article.objects.only(*_LIST_FIELDS)
    return articles.order_by(*NEWEST_FIRST)
