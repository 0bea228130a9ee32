from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from corpus import selectors
from corpus.models import Article

ARTICLES_PER_PAGE = 25


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")
    paginator = Paginator(
        selectors.article_list(user=request.user, search=search), ARTICLES_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "corpus/article_list.html", {"page": page, "search": search})


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = selectors.article_get(user=request.user, pk=pk)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    return render(request, "corpus/article_detail.html", {"article": article})
