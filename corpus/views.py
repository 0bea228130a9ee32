"""The article pages. Which articles a user may read is not the corpus's to say (it knows no
projects): config/urls.py hands each view `visible_articles`, annotate's selector."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from corpus import selectors
from corpus.models import Article

ARTICLES_PER_PAGE = 25

# (user=..., with_body=...) -> the articles that user may read, newest first.
VisibleArticles = Callable[..., QuerySet[Article]]


@login_required
def article_list(request: HttpRequest, *, visible_articles: VisibleArticles) -> HttpResponse:
    search = request.GET.get("q", "")
    articles = selectors.article_search(
        articles=visible_articles(user=request.user, with_body=False), text=search
    )
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "corpus/article_list.html", {"page": page, "search": search})


@login_required
def article_detail(
    request: HttpRequest, pk: int, *, visible_articles: VisibleArticles
) -> HttpResponse:
    try:
        article = visible_articles(user=request.user).get(pk=pk)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    return render(request, "corpus/article_detail.html", {"article": article})
