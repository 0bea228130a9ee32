"""The editor's desk, part two: a project's claims and articles as tables. Filters are a GET
form, so they stay in the URL; pages come from Django's Paginator over the ids the selector
orders (annotate.review.tables), then one page's rows are read in full. Bulk actions on claims
are for editors and go through the review services; deleting asks for a confirmation first."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotate.access import Need, access_project, capabilities
from annotate.models import Project
from annotate.projects import selectors as project_selectors
from annotate.review import services, tables
from annotate.review.selectors import spans_filtered
from annotate.web.desk_forms import ArticleFilterForm, ClaimBulkForm, ClaimFilterForm

PAGE_SIZE = 50


@login_required
def claims_table(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk)
    may = capabilities(project, request.user)
    reviewers = project_selectors.project_reviewers(project=project, user=request.user)
    form = ClaimFilterForm(
        request.GET,
        labels=project.labels,
        reviewers=reviewers,
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = tables.ClaimFilters(
        search=data.get("q") or "",
        status=data.get("status") or "",
        label=data.get("label") or "",
        reviewer_id=data.get("reviewer"),
        article_id=data.get("article"),
        # Orphaned claims are the editors' (spans_filtered shows them to no one else).
        orphaned=data.get("orphaned"),
        # Searching without a sort asked for: the best match first (no column sorted).
        sort=data.get("sort") or ("" if data.get("q") else "article"),
    )
    ids = tables.claim_ids(project=project, user=request.user, filters=filters)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = tables.claim_rows(project=project, user=request.user, ids=list(page.object_list))
    return render(
        request,
        "annotate/claims_table.html",
        {
            "project": project,
            "capabilities": may,
            "form": form,
            "page": page,
            "rows": rows,
            "sort": filters.sort,
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
            "bulk_form": (
                ClaimBulkForm(reviewers=reviewers, auto_id="bulk_%s")
                if may.may_manage_articles
                else None
            ),
            "columns": _columns(filters.sort, CLAIM_COLUMNS),
            "article": tables.article_title(project=project, article_id=filters.article_id),
            "article_query": _query_without(request, "page", "article"),
        },
    )


CLAIM_COLUMNS = [("quote", None), ("status", "status"), ("label", "label")]
CLAIM_COLUMNS += [("reviewers", "reviewers"), ("article", "article"), ("orphaned", "orphaned")]
ARTICLE_COLUMNS = [("title", "title"), ("publisher", "publisher"), ("date", "date")]
ARTICLE_COLUMNS += [("claims", "claims")]


def _columns(sort: str, titles: list[tuple[str, str | None]]) -> list[dict]:
    """The headers: title, sort key (None: not sortable), the sort a click asks for (the
    current one reversed) and aria-sort."""
    columns = []
    for title, key in titles:
        current = key is not None and sort.removeprefix("-") == key
        descending = current and sort.startswith("-")
        columns.append(
            {
                "title": title,
                "key": key,
                "next": key if not current or descending else f"-{key}",
                "aria": ("descending" if descending else "ascending") if current else None,
            }
        )
    return columns


def _query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without `names`, ending in & if not empty, for links."""
    kept = [(k, v) for k, v in request.GET.lists() if k not in names]
    query = urlencode([(k, v) for k, values in kept for v in values])
    return f"{query}&" if query else ""


@login_required
@require_POST
def claims_bulk(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.MANAGE)
    form = ClaimBulkForm(
        request.POST,
        reviewers=project_selectors.project_reviewers(project=project, user=request.user),
    )
    back = request.POST.get("next", "")
    if not back.startswith("?"):
        back = ""
    if not form.is_valid():
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
        return redirect(_table_url(project, back))
    spans = list(
        spans_filtered(user=request.user, project_id=project.pk).filter(
            pk__in=form.cleaned_data["spans"]
        )
    )
    for span in spans:
        span.project = project  # with the caller's role already read: no query per claim
    action = form.cleaned_data["action"]
    if action == "delete" and not form.cleaned_data["confirm"]:
        return render(
            request,
            "annotate/claims_delete_confirm.html",
            {"project": project, "spans": spans, "next": back},
        )
    try:
        done = _apply(action, project, request.user, spans, form.cleaned_data["reviewer"])
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, done)
    return redirect(_table_url(project, back))


def _apply(action: str, project: Project, actor, spans: list, reviewer_id: int | None) -> str:
    if action == "assign":
        reviewer = next(
            m.user
            for m in project_selectors.project_members(project=project, user=actor)
            if m.user_id == reviewer_id
        )
        added = services.spans_assign(project=project, actor=actor, spans=spans, reviewer=reviewer)
        return f"{added} claim{'s' if added != 1 else ''} assigned to {reviewer.get_username()}."
    if action == "reopen":
        reopened = services.spans_reopen(project=project, actor=actor, spans=spans)
        return f"{reopened} adjudicated claim{'s' if reopened != 1 else ''} reopened."
    for span in spans:
        services.span_delete(span=span, actor=actor)
    return f"{len(spans)} claim{'s' if len(spans) != 1 else ''} deleted."


def _table_url(project: Project, query: str) -> str:
    return reverse("annotate:claims", args=[project.pk]) + query


@login_required
def articles_table(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk)
    form = ArticleFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    sort = data.get("sort") or ("" if data.get("q") else "title")
    articles = tables.article_table(project=project, search=data.get("q") or "", sort=sort)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "annotate/articles_table.html",
        {
            "project": project,
            "capabilities": capabilities(project, request.user),
            "form": form,
            "page": page,
            "sort": sort,
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
            "columns": _columns(sort, ARTICLE_COLUMNS),
        },
    )
