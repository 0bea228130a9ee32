"""Reads of the corpus, each owning its query shape."""

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
    "origin",
    "created_at",
)


def article_list(*, user, search: str = "") -> QuerySet[Article]:
    """The articles the user may read, newest first, matching `search` in title, subtitle,
    publisher or body; without their bodies."""
    return article_search(articles=articles_visible_to(user=user, with_body=False), text=search)


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


def articles_visible_to(*, user, with_body: bool = True) -> QuerySet[Article]:
    """Articles of the user's projects (staff: every article), newest first, each once."""
    articles = Article.objects.all() if with_body else Article.objects.only(*_LIST_FIELDS)
    if not user.is_staff:
        member_of = Article.projects.through.objects.filter(project__memberships__user=user).values(
            "article_id"
        )
        articles = articles.filter(pk__in=member_of)
    return articles.order_by(*NEWEST_FIRST)


def article_get(*, user, pk: int) -> Article:
    """One article the user may read, with its body; raises Article.DoesNotExist otherwise, so
    that other projects' articles look absent."""
    return articles_visible_to(user=user).get(pk=pk)
