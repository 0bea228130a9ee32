"""Reads for the editor's desk: a project's claims and articles as sortable, filterable tables.

A page costs the same however large the project: the filtered, ordered ids are paginated first,
then the page's rows are read in full with the verdicts the caller may see (blind review, as
everywhere: visible_verdicts and spans_filtered apply it). A status filter or sort reads the
stored status (Span.review_status, off the index span_status_order_idx), hidden from a blind
reviewer as the rule says; only the sort by reviewers still counts every claim's verdicts.
"""

from collections import Counter
from dataclasses import dataclass

from django.contrib.postgres.search import SearchVectorField
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from annotate.access import Capabilities, role_in
from annotate.models import Project, Skip, Span, Verdict
from annotate.review.selectors import spans_filtered, visible_verdicts, with_status
from annotate.review.status import SpanStatus, span_status_seen_expression
from corpus.search import ARTICLE_INDEX, StoredVectors, TableColumn, TextIndex, text_search

# Sort key -> ordering; "-key" sorts descending. Ties broken by reading order, then id.
# "article" is reading order: articles as they came in, claims by position. It reads the index
# span_table_order_idx and stops after a page (sorting by title would sort every claim).
CLAIM_SORTS: dict[str, tuple[str, ...]] = {
    "article": ("article_id", "start", "pk"),
    "status": ("status", "article_id", "start", "pk"),
    "label": ("adjudication__label", "article_id", "start", "pk"),
    "reviewers": ("verdict_count", "article_id", "start", "pk"),
    "orphaned": ("orphaned", "article_id", "start", "pk"),
    "created": ("created_at", "pk"),
}
SUBMITTED = Verdict.Status.SUBMITTED

# Sorts that read with_status()'s counts, so the ids query has to compute them.
_SORTS_NEEDING_COUNTS = {"reviewers"}

ARTICLE_SORTS: dict[str, tuple[str, ...]] = {
    "title": ("title", "pk"),
    "publisher": ("publisher", "title", "pk"),
    "date": ("published_on", "title", "pk"),
    "claims": ("span_count", "title", "pk"),
}


# Quotes, in their article's language, accents ignored. On PostgreSQL the vector is stored
# (migration annotate 0016) and computed off the write path, as articles' are.
QUOTE_VECTORS = StoredVectors(
    label="quotes",
    table="annotate_span",
    rows_sql="SELECT span.id, article.language FROM annotate_span AS span"
    " JOIN corpus_article AS article ON article.id = span.article_id"
    " WHERE span.search_vector IS NULL ORDER BY span.id LIMIT %s FOR UPDATE OF span SKIP LOCKED",
    vector_sql="corpus_search_vector(%(config)s, quote)",
)
QUOTE_INDEX = TextIndex(
    fts_table="annotate_span_quote_fts",
    fts_weights=(1.0,),
    vector=lambda: TableColumn("search_vector", SearchVectorField()),
    unindexed_fields=("quote",),
    stored_configs=True,
)


@dataclass(frozen=True, slots=True)
class ClaimFilters:
    search: str = ""
    status: str = ""
    label: str = ""
    reviewer_id: int | None = None
    article_id: int | None = None
    orphaned: bool | None = None
    sort: str = ""  # none: the best match first when searching, else "article"


def claim_ids(*, project: Project, user, filters: ClaimFilters) -> QuerySet:
    """The ids of the project's claims the user may see that pass the filters, in the sort's
    order: a values_list to paginate."""
    spans = spans_filtered(
        user=user,
        project_id=project.pk,
        article_id=filters.article_id,
        label=filters.label or None,
        reviewer_id=filters.reviewer_id,
        orphaned=filters.orphaned,
    )
    if filters.search:
        spans = text_search(spans, text=filters.search, index=QUOTE_INDEX)
    key = filters.sort.removeprefix("-")
    # Only blind review makes status and counts depend on the viewer; for everyone else the
    # plain form gives the same values without looking at the viewer's own verdicts.
    blind = Capabilities.of(role_in(project, user), blind_review=project.blind_review)
    if key in _SORTS_NEEDING_COUNTS:
        spans = with_status(spans, viewer=user if blind.is_blind_for_me else None)
    elif filters.status or key == "status":
        spans = spans.alias(status=_status_seen(user, blind_for_me=blind.is_blind_for_me))
    if filters.status:
        spans = spans.filter(status=filters.status)
    if filters.search.strip() and not filters.sort:
        ordering = [F("search_rank").desc(), *CLAIM_SORTS["article"]]
    else:
        ordering = _ordering(CLAIM_SORTS, filters.sort, default="article")
    return spans.order_by(*ordering).values_list("pk", flat=True)


def _status_seen(user, *, blind_for_me: bool):
    """The status the user is shown, over the stored one: for a blind reviewer, hidden on the
    claims they have not submitted a verdict on yet (with_status's rule, without counting)."""
    if not blind_for_me:
        return F("review_status")
    # NOT IN, not NOT EXISTS: PostgreSQL hashes the reviewer's few submitted verdicts once
    # instead of probing the verdicts' index for every claim it sorts or filters.
    submitted = Verdict.objects.filter(reviewer_id=user.pk, status=SUBMITTED).values("span_id")
    return span_status_seen_expression(blind_for_viewer=~Q(pk__in=submitted))


def claim_rows(*, project: Project, user, ids: list[int]) -> list[Span]:
    """The claims of one page, in the order of `ids`, each with `status`, `visible_verdicts`
    (the verdicts the user may see, reviewer loaded), `reviewer_names` and `table_label`: the
    final label where adjudicated, else the majority of the visible submitted labels (None on
    a tie), `status_label` for people and `skip_count` (editors see it). Three queries,
    whatever the page size."""
    verdicts = visible_verdicts(project=project, user=user, role=role_in(project, user))
    skips = (
        Skip.objects.filter(span=OuterRef("pk"))
        .order_by()
        .values("span")
        .annotate(total=Count("pk"))
        .values("total")
    )
    spans = (
        with_status(Span.objects.filter(project=project, pk__in=ids), viewer=user)
        .annotate(skip_count=Coalesce(Subquery(skips), 0))
        .select_related("article", "adjudication")
        .defer("article__body", "article__raw_text")
        .prefetch_related(
            Prefetch("verdicts", queryset=verdicts.prefetch_related(None), to_attr="visible")
        )
    )
    by_id = {span.pk: span for span in spans}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    for span in rows:
        span.reviewer_names = sorted({v.reviewer.get_username() for v in span.visible})
        span.table_label = _label_of(span)
        span.status_label = SpanStatus(span.status).label
    return rows


def _label_of(span: Span) -> str | None:
    adjudication = getattr(span, "adjudication", None)
    if adjudication is not None:
        return adjudication.label
    counts = Counter(
        v.label for v in span.visible if v.status == Verdict.Status.SUBMITTED and v.label
    )
    if not counts:
        return None
    (top, n), *rest = counts.most_common(2)
    return None if rest and rest[0][1] == n else top


def article_table(*, project: Project, search: str = "", sort: str = "") -> QuerySet:
    """The project's articles (without their text) with `span_count`, searched in full text
    (corpus.search), in the sort's order, or best match first when searching without one (the
    caller is a member: access_project said so)."""
    articles = project.articles.defer("body", "raw_text").annotate(
        span_count=Count("spans", filter=Q(spans__project=project, spans__orphaned=False))
    )
    if search.strip():
        articles = text_search(articles, text=search, index=ARTICLE_INDEX)
        if not sort:
            return articles.order_by(F("search_rank").desc(), *ARTICLE_SORTS["title"])
    return articles.order_by(*_ordering(ARTICLE_SORTS, sort, default="title"))


# Columns that may be NULL: those rows go last either way. Others sort plainly, so that a
# descending sort can still walk an index backwards.
_NULLABLE = {"adjudication__label", "published_on"}


def _ordering(sorts: dict[str, tuple[str, ...]], sort: str, *, default: str) -> list:
    key = sort.removeprefix("-")
    fields = sorts.get(key) or sorts[default]
    descending = sort.startswith("-") and key in sorts
    nulls_last = True if fields[0] in _NULLABLE else None
    first = (
        F(fields[0]).desc(nulls_last=nulls_last)
        if descending
        else F(fields[0]).asc(nulls_last=nulls_last)
    )
    rest = [F(f).desc() if descending else F(f).asc() for f in fields[1:]]
    return [first, *rest]


def article_title(*, project: Project, article_id: int | None) -> str | None:
    """The title of the project's article the claims table is filtered by, if any."""
    if article_id is None:
        return None
    return project.articles.filter(pk=article_id).values_list("title", flat=True).first()
