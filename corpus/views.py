"""The article pages. Which articles a user may read is not the corpus's to say (it knows no
projects): config/urls.py hands each view `visible_articles`, annotate's selector."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from corpus import selectors
from corpus.forms import ArticleSearchForm
from corpus.models import Article

ARTICLES_PER_PAGE = 25

# (user=..., with_body=...) -> the articles that user may read, newest first.
VisibleArticles = Callable[..., QuerySet[Article]]


@login_required
def article_list(request: HttpRequest, *, visible_articles: VisibleArticles) -> HttpResponse:
    form = ArticleSearchForm(request.GET)
    articles = visible_articles(user=request.user, with_body=False)
    if not form.is_valid():
        page = Paginator(articles.none(), ARTICLES_PER_PAGE).get_page(1)
        context = {"page": page, "search": "", "form": form}
        return render(request, "corpus/article_list.html", context, status=400)
    search = form.cleaned_data["q"]
    articles = selectors.article_search(articles=articles, text=search)
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    cap = selectors.article_search_cap()
    capped = bool(search) and cap is not None and page.paginator.count >= cap
    context = {"page": page, "search": search, "form": form, "capped": capped}
    return render(request, "corpus/article_list.html", context)


@login_required
def article_detail(
    request: HttpRequest, pk: int, *, visible_articles: VisibleArticles
) -> HttpResponse:
    try:
        article = visible_articles(user=request.user).get(pk=pk)
    except Article.DoesNotExist:
        raise Http404(_("No such article.")) from None
    return render(request, "corpus/article_detail.html", {"article": article})
