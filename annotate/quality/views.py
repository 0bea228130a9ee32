"""The review quality page: agreement figures for a project's editors, charts as server SVG.

Charts are drawn here as geometry (numbers for `x`, `y`, `width`, `height` attributes) and
coloured by CSS classes: the page runs under `style-src 'self'`, so no `style=` anywhere.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotate.access import Need, access_project
from annotate.models import Project
from annotate.projects import selectors as project_selectors
from annotate.quality import (
    AgreementFilters,
    ProjectAgreement,
    alpha_reading,
    kappa_reading,
    project_agreement,
)
from annotate.quality.statistics import NotComputable, SpanScores

MARKING_ARTICLES_SHOWN = 50
# Gaps between active days are drawn as empty days up to this many days; longer histories
# show the active days only, so the chart stays readable.
DAYS_FILLED_MAX = 400


class AgreementFilterForm(forms.Form):
    article = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label="Articles", help_text="None selected: all articles."
    )
    submitted_from = forms.DateField(
        required=False, label="Submitted from", widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        required=False, label="Submitted to", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, articles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].choices = [(a.pk, a.title) for a in articles]
        self.fields["article"].widget.attrs["size"] = min(8, max(2, len(articles)))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> AgreementFilters:
        data = self.cleaned_data
        return AgreementFilters(
            articles=tuple(sorted(set(data.get("article") or ()))),
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
        )


@login_required
def quality(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.SEE_QUALITY)
    form = AgreementFilterForm(
        request.GET if _filtering(request) else None,
        articles=list(project_selectors.project_articles(project=project)),
    )
    context: dict = {"project": project, "form": form, "report": None}
    if form.is_bound and not form.is_valid():
        return render(request, "annotate/quality.html", context, status=400)
    report = project_agreement(project, form.filters() if form.is_bound else None)
    context.update(_page_context(project, report))
    return render(request, "annotate/quality.html", context)


def _filtering(request: HttpRequest) -> bool:
    return any(name in request.GET for name in AgreementFilterForm.base_fields)


# --- numbers as text ---


def number(figure, digits: int = 3) -> str:
    """A figure as text: rounded, or "not computable: <reason>"."""
    if figure is None:
        return "—"
    if isinstance(figure, NotComputable):
        return str(figure)
    return f"{figure:.{digits}f}"


def percent(figure) -> str:
    if isinstance(figure, NotComputable):
        return str(figure)
    return f"{figure * 100:.1f} %"


def f1_text(scores: SpanScores | NotComputable) -> str:
    if isinstance(scores, NotComputable):
        return str(scores)
    return (
        f"F1 {scores.f1:.3f} (P {scores.precision:.3f}, R {scores.recall:.3f}; "
        f"{scores.matched} matched of {scores.n_a} and {scores.n_b})"
    )


def _page_context(project: Project, report: ProjectAgreement) -> dict:
    names = {reviewer.reviewer_id: reviewer.username for reviewer in report.reviewers}
    marking = report.span_marking
    marker_names = {**marking.markers}
    articles = sorted(
        marking.articles,
        key=lambda a: (a.overlap.f1 if isinstance(a.overlap, SpanScores) else 2.0, a.article_id),
    )
    return {
        "report": report,
        "alpha": number(report.alpha),
        "alpha_reading": alpha_reading(report.alpha),
        "alpha_class": _alpha_class(report.alpha),
        "headline": [
            ("Krippendorff's α (nominal)", number(report.alpha_nominal), None),
            *(
                [("Krippendorff's α (ordinal)", number(report.alpha_ordinal), None)]
                if report.alpha_ordinal is not None
                else []
            ),
            ("Percent agreement", percent(report.percent_agreement), None),
            (
                "Fleiss' κ",
                number(report.fleiss.kappa if hasattr(report.fleiss, "kappa") else report.fleiss),
                f"over {report.fleiss_spans} claim{'s' if report.fleiss_spans != 1 else ''} "
                f"with exactly {report.fleiss_k} verdicts",
            ),
        ],
        "reviewer_rows": [
            {
                "username": reviewer.username,
                "verdicts": reviewer.verdicts,
                "with_others": percent(reviewer.agreement_with_others),
                "compared_pairs": reviewer.compared_pairs,
                "with_adjudication": percent(reviewer.agreement_with_adjudication),
                "adjudicated": reviewer.adjudicated,
                "labels": [
                    (label, count)
                    for label, count in zip(report.labels, reviewer.label_counts, strict=True)
                    if count
                ],
                "confusion": [
                    (label, row)
                    for label, row in zip(report.labels, reviewer.confusion, strict=True)
                ],
                "days_active": len(reviewer.per_day),
            }
            for reviewer in report.reviewers
        ],
        "pair_rows": [
            {
                "a": names.get(pair.reviewer_a, pair.reviewer_a),
                "b": names.get(pair.reviewer_b, pair.reviewer_b),
                "shared": pair.shared_spans,
                "agreement": percent(pair.percent_agreement),
                "kappa": number(pair.kappa),
                "reading": kappa_reading(pair.kappa),
            }
            for pair in report.pairs
        ],
        "label_rows": [
            {
                "label": figures.label,
                "on_scale": figures.on_scale,
                "verdicts": figures.verdicts,
                "share": percent(figures.share),
                "specific": percent(figures.specific_agreement),
            }
            for figures in report.label_figures
        ],
        "heatmap": heatmap(report),
        "label_chart": label_chart(report),
        "day_chart": day_chart(report),
        "day_rows": _day_rows(report),
        "contested": [
            {
                "span": span,
                "url": reverse("annotate:reader", args=[project.pk, span.article_id])
                + f"?span={span.span_id}#panel",
            }
            for span in report.contested
        ],
        "marking_exact": f1_text(marking.exact),
        "marking_overlap": f1_text(marking.overlap),
        "marking_pairs": [
            {
                "a": marker_names.get(pair.marker_a, pair.marker_a),
                "b": marker_names.get(pair.marker_b, pair.marker_b),
                "articles": pair.articles,
                "exact": f1_text(pair.exact),
                "overlap": f1_text(pair.overlap),
            }
            for pair in marking.pairs
        ],
        "marking_articles": [
            {
                "article": article,
                "url": reverse("annotate:reader", args=[project.pk, article.article_id]),
                "exact": f1_text(article.exact),
                "overlap": f1_text(article.overlap),
            }
            for article in articles[:MARKING_ARTICLES_SHOWN]
        ],
        "marking_articles_hidden": max(0, len(articles) - MARKING_ARTICLES_SHOWN),
        "api_url": reverse("api:project-agreement", args=[project.pk]),
    }


def _day_rows(report: ProjectAgreement) -> list[tuple[datetime.date, int, list[int]]]:
    """Per day: verdicts submitted in all, and by each reviewer (in `report.reviewers` order)."""
    by_reviewer = [dict(reviewer.per_day) for reviewer in report.reviewers]
    return [
        (day, total, [days.get(day, 0) for days in by_reviewer]) for day, total in report.per_day
    ]


def _alpha_class(alpha) -> str:
    if isinstance(alpha, NotComputable) or alpha is None:
        return "alpha-na"
    if alpha >= 0.8:
        return "alpha-reliable"
    return "alpha-tentative" if alpha >= 0.667 else "alpha-unreliable"


# --- charts ---


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kappa_bucket(kappa) -> str:
    """The CSS class of a heatmap cell: Landis and Koch's bands, `na` when not computable."""
    if isinstance(kappa, NotComputable):
        return "heat-na"
    for bucket, bound in ((5, 0.8), (4, 0.6), (3, 0.4), (2, 0.2)):
        if kappa > bound:
            return f"heat-{bucket}"
    return "heat-1" if kappa >= 0 else "heat-0"


@dataclass(frozen=True, slots=True)
class HeatCell:
    x: int
    y: int
    size: int
    css: str
    text: str
    title: str

    @property
    def cx(self) -> int:
        return self.x + self.size // 2

    @property
    def cy(self) -> int:
        return self.y + self.size // 2


def heatmap(report: ProjectAgreement) -> dict | None:
    """Reviewers × reviewers Cohen's kappa as a grid of cells; None for fewer than two."""
    reviewers = report.reviewers
    if len(reviewers) < 2:
        return None
    # Room for the names: about 7.5 px a character, column names slanted at 40 degrees.
    longest = max(len(_short(reviewer.username, 18)) for reviewer in reviewers) * 7.5
    size, left, top = 64, 20 + round(longest), 20 + round(longest * 0.65)
    right = round(longest * 0.77)
    shared = {(p.reviewer_a, p.reviewer_b): p for p in report.pairs}
    cells = []
    for i, row in enumerate(reviewers):
        for j, column in enumerate(reviewers):
            x, y = left + j * size, top + i * size
            if i == j:
                cells.append(
                    HeatCell(x, y, size, "heat-self", "—", f"{row.username}: the same reviewer")
                )
                continue
            kappa = report.kappa_matrix[i][j]
            pair = shared.get((row.reviewer_id, column.reviewer_id)) or shared.get(
                (column.reviewer_id, row.reviewer_id)
            )
            both = pair.shared_spans if pair else 0
            same = percent(pair.percent_agreement) if pair else "—"
            title = (
                f"{row.username} and {column.username}: Cohen's κ {number(kappa)}"
                f" ({kappa_reading(kappa)}); {both} claim{'s' if both != 1 else ''} judged by"
                f" both, same label: {same}"
            )
            text = "n/a" if isinstance(kappa, NotComputable) else f"{kappa:.2f}"
            cells.append(HeatCell(x, y, size, kappa_bucket(kappa), text, title))
    return {
        "width": left + len(reviewers) * size + right,
        "height": top + len(reviewers) * size + 10,
        "cells": cells,
        "rows": [
            {
                "x": left - 8,
                "y": top + i * size + size // 2,
                "text": _short(r.username, 18),
                "title": r.username,
            }
            for i, r in enumerate(reviewers)
        ],
        "columns": [
            {
                "x": left + j * size + size // 2,
                "y": top - 8,
                "text": _short(r.username, 18),
                "title": r.username,
            }
            for j, r in enumerate(reviewers)
        ],
        "legend": [
            ("heat-0", "below 0: poor"),
            ("heat-1", "0–0.2: slight"),
            ("heat-2", "0.2–0.4: fair"),
            ("heat-3", "0.4–0.6: moderate"),
            ("heat-4", "0.6–0.8: substantial"),
            ("heat-5", "above 0.8: almost perfect"),
            ("heat-na", "n/a: not computable"),
        ],
    }


def label_chart(report: ProjectAgreement) -> dict | None:
    """Verdicts per label as horizontal bars, in the scale's order."""
    rows = report.label_figures
    if not rows or not report.verdicts:
        return None
    longest = max(len(_short(row.label, 36)) for row in rows)
    row_height, left, bar_max = 30, 24 + round(longest * 7.5), 320
    most = max(row.verdicts for row in rows) or 1
    bars = []
    for i, row in enumerate(rows):
        width = round(bar_max * row.verdicts / most)
        y = 10 + i * row_height
        bars.append(
            {
                "label": _short(row.label, 36),
                "label_x": left - 10,
                "x": left,
                "y": y,
                "width": width,
                "height": row_height - 8,
                "text_y": y + (row_height - 8) // 2,
                "value_x": left + width + 6,
                "value": row.verdicts,
                "title": f"{row.label}: {row.verdicts} verdict{'s' if row.verdicts != 1 else ''}"
                f" ({percent(row.share)})",
            }
        )
    return {"width": left + bar_max + 70, "height": 20 + len(rows) * row_height, "bars": bars}


def _days_to_draw(
    days: tuple[tuple[datetime.date, int], ...],
) -> list[tuple[datetime.date, int]]:
    if not days:
        return []
    first, last = days[0][0], days[-1][0]
    if (last - first).days >= DAYS_FILLED_MAX:
        return list(days)
    counts = dict(days)
    return [
        (first + datetime.timedelta(n), counts.get(first + datetime.timedelta(n), 0))
        for n in range((last - first).days + 1)
    ]


def day_chart(report: ProjectAgreement) -> dict | None:
    """Submitted verdicts per day as vertical bars."""
    days = _days_to_draw(report.per_day)
    if not days:
        return None
    left, top, plot_height, plot_width = 50, 20, 160, 640
    step = max(6, min(40, plot_width // len(days)))
    bar = max(3, step - 2)
    most = max(count for _, count in days) or 1
    bars = []
    for i, (day, count) in enumerate(days):
        height = round(plot_height * count / most)
        bars.append(
            {
                "x": left + i * step,
                "y": top + plot_height - height,
                "width": bar,
                "height": height,
                "title": f"{day.day} {day:%b %Y}: {count} verdict{'s' if count != 1 else ''}"
                " submitted",
            }
        )
    every = max(1, len(days) // 6)
    ticks = [
        {"x": left + i * step + bar // 2, "text": f"{day.day} {day:%b}"}
        for i, (day, _) in enumerate(days)
        if i % every == 0 or i == len(days) - 1
    ]
    if len(ticks) > 1 and ticks[-1]["x"] - ticks[-2]["x"] < 50:
        del ticks[-2]
    return {
        "width": left + len(days) * step + 20,
        "height": top + plot_height + 40,
        "bars": bars,
        "ticks": ticks,
        "axis_y": top + plot_height,
        "tick_y": top + plot_height + 18,
        "max": most,
        "max_y": top + 4,
        "left": left,
        "right": left + len(days) * step,
        "days": days,
        "first": days[0][0],
        "last": days[-1][0],
    }
