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


# One pair of markers on one article: (exact, overlap) scores of the second against the first.
PairScores = tuple[SpanScores | NotComputable, SpanScores | NotComputable]
MarkedSpans = dict[int, dict[int, list[tuple[int, int]]]]  # article -> marker -> [start, end)


def span_marking(project: Project, filters: AgreementFilters, users: dict) -> SpanMarking:
    """Exact and overlap F1 between every two reviewers who marked spans on the same article,
    with each span's `created_by` as the reviewer who marked it."""
    per_article, per_pair = _scores_per_article_and_pair(_marked_by_article(project, filters))
    pairs = tuple(
        MarkerPairFigures(marker_a=a, marker_b=b, articles=len(scores), **_pooled(scores))
        for (a, b), scores in sorted(per_pair.items())
    )
    every = [pair for scores in per_pair.values() for pair in scores]
    nobody = NotComputable("no article has spans marked by two reviewers")
    pooled = _pooled(every) if every else {"exact": nobody, "overlap": nobody}
    marker_ids = {marker for pair in per_pair for marker in pair}
    return SpanMarking(
        **pooled,
        pairs=pairs,
        articles=_article_figures(per_article),
        markers={marker: users.get(marker, f"#{marker}") for marker in sorted(marker_ids)},
    )


def _marked_by_article(project: Project, filters: AgreementFilters) -> MarkedSpans:
    marked: MarkedSpans = defaultdict(lambda: defaultdict(list))
    rows = (
        marked_spans(project, filters)
        .values_list("article_id", "created_by_id", "start", "end")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for article_id, marker_id, start, end in rows:
        marked[article_id][marker_id].append((start, end))
    return marked


def _scores_per_article_and_pair(
    marked: MarkedSpans,
) -> tuple[list[tuple[int, int, list[PairScores]]], dict[tuple[int, int], list[PairScores]]]:
    """Every two markers of an article compared: (article, markers, scores) for articles with
    two or more markers, and each pair of markers' scores over the articles they share."""
    per_pair: dict[tuple[int, int], list[PairScores]] = defaultdict(list)
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
    return per_article, per_pair


def _article_figures(
    per_article: list[tuple[int, int, list[PairScores]]],
) -> tuple[ArticleMarkingFigures, ...]:
    titles = dict(
        Article.objects.filter(pk__in=[article_id for article_id, _, _ in per_article])
        .order_by()
        .values_list("pk", "title")
    )
    return tuple(
        ArticleMarkingFigures(
            article_id=article_id,
            title=titles.get(article_id, ""),
            markers=markers,
            **_pooled(scores),
        )
        for article_id, markers, scores in sorted(per_article)
    )


def _pooled(scores: list[PairScores]) -> dict[str, SpanScores | NotComputable]:
    """`exact` and `overlap` scores, each pooled over the given comparisons."""
    return {
        "exact": pool_span_scores(exact for exact, _ in scores),
        "overlap": pool_span_scores(overlap for _, overlap in scores),
    }


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
