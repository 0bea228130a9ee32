"""Agreement on where the claims are (FORMATS.md §6): reviewers' spans compared article by
article.
"""

import itertools
from collections import defaultdict

from django.db.models import QuerySet

from annotate.models import Project, Span
from annotate.quality.reports import (
    CHUNK_ROWS,
    AgreementFilters,
    ArticleMarkingFigures,
    MarkerPairFigures,
    SpanMarking,
    datetime_range,
)
from annotate.quality.statistics import (
    NotComputable,
    SpanScores,
    pool_span_scores,
    span_agreement,
)
from corpus.models import Article

# --- span marking (FORMATS.md §6) ---


def marked_spans(project: Project, filters: AgreementFilters) -> QuerySet[Span]:
    """The spans whose marking is compared: placed ones, created in the date range if any."""
    spans = Span.objects.filter(project=project, orphaned=False)
    if filters.articles:
        spans = spans.filter(article_id__in=filters.articles)
    start, end = datetime_range(filters)
    if start is not None:
        spans = spans.filter(created_at__gte=start)
    if end is not None:
        spans = spans.filter(created_at__lte=end)
    return spans.order_by()


def span_marking(project: Project, filters: AgreementFilters, users: dict) -> SpanMarking:
    """Exact and overlap F1 between every two reviewers who marked spans on the same article,
    with each span's `created_by` as the reviewer who marked it."""
    marked: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        marked_spans(project, filters)
        .values_list("article_id", "created_by_id", "start", "end")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for article_id, marker_id, start, end in rows:
        marked[article_id][marker_id].append((start, end))

    per_pair: dict[tuple[int, int], list[tuple[SpanScores | NotComputable, ...]]] = defaultdict(
        list
    )
    per_article = []
    for article_id, markers in marked.items():
        if len(markers) < 2:
            continue
        scores = []
        for a, b in itertools.combinations(sorted(markers), 2):
            pair = (
                _exact_scores(markers[a], markers[b]),
                span_agreement(markers[a], markers[b], mode="overlap"),
            )
            per_pair[(a, b)].append(pair)
            scores.append(pair)
        per_article.append((article_id, len(markers), scores))

    titles = dict(
        Article.objects.filter(pk__in=[article_id for article_id, _, _ in per_article])
        .order_by()
        .values_list("pk", "title")
    )
    articles = tuple(
        ArticleMarkingFigures(
            article_id=article_id,
            title=titles.get(article_id, ""),
            markers=markers,
            exact=pool_span_scores(exact for exact, _ in scores),
            overlap=pool_span_scores(overlap for _, overlap in scores),
        )
        for article_id, markers, scores in sorted(per_article)
    )
    pairs = tuple(
        MarkerPairFigures(
            marker_a=a,
            marker_b=b,
            articles=len(scores),
            exact=pool_span_scores(exact for exact, _ in scores),
            overlap=pool_span_scores(overlap for _, overlap in scores),
        )
        for (a, b), scores in sorted(per_pair.items())
    )
    every = [pair for scores in per_pair.values() for pair in scores]
    nobody = NotComputable("no article has spans marked by two reviewers")
    marker_ids = {marker for pair in per_pair for marker in pair}
    return SpanMarking(
        exact=pool_span_scores(exact for exact, _ in every) if every else nobody,
        overlap=pool_span_scores(overlap for _, overlap in every) if every else nobody,
        pairs=pairs,
        articles=articles,
        markers={marker: users.get(marker, f"#{marker}") for marker in sorted(marker_ids)},
    )


def _exact_scores(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> SpanScores:
    """`span_agreement(a, b, mode="exact")` by set intersection: equal (start, end) pairs.

    One reviewer's spans are distinct (the project holds one span per passage), so matching
    equal intervals one-to-one is counting the common ones; half the time of the matrix.
    """
    matched = len(set(a) & set(b))
    return SpanScores(
        matched / len(b) if b else 0.0,
        matched / len(a) if a else 0.0,
        2 * matched / (len(a) + len(b)),
        matched,
        len(a),
        len(b),
    )
