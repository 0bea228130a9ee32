"""The review quality page: agreement figures for a project's editors, charts as server SVG.

The figures come as text from `formatting` and the charts as geometry from `charts`; this module
holds the filter form, the view and the page's context.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from annotate.access import Need, access_project
from annotate.claims.evaluation import decisions_scored, report_build
from annotate.models import Project
from annotate.projects import selectors as project_selectors
from annotate.quality import (
    AgreementFilters,
    ProjectAgreement,
    alpha_reading,
    kappa_reading,
)
from annotate.quality.charts import day_chart, heatmap, label_chart
from annotate.quality.formatting import f1_text, fleiss_figure, number, percent
from annotate.quality.jobs import agreement_job_start, agreement_job_wanted
from annotate.quality.reports import ReviewerFigures, SpanMarking
from annotate.quality.selectors import agreement_cached, agreement_recompute
from annotate.quality.statistics import NotComputable, SpanScores

MARKING_ARTICLES_SHOWN = 50


class AgreementFilterForm(forms.Form):
    article = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label=_("Articles"), help_text=_("None selected: all articles.")
    )
    submitted_from = forms.DateField(
        required=False, label=_("Submitted from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        required=False, label=_("Submitted to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, articles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].choices = [(a.pk, a.title) for a in articles]
        self.fields["article"].widget.attrs["size"] = min(8, max(2, len(articles)))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", gettext("The end date is before the start date."))
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
    filters = form.filters() if form.is_bound else AgreementFilters()
    report = agreement_cached(project, filters)
    if report is None and agreement_job_wanted(project=project):
        # Too many verdicts to compute while the request waits: a job computes (or is already
        # computing) them, and this page shows them once it is done.
        context["job"] = agreement_job_start(project=project, actor=request.user, filters=filters)
        return render(request, "annotate/quality.html", context, status=202)
    report = report or agreement_recompute(project, filters)
    context.update(_page_context(project, report))
    context["claim_matching"] = _claim_matching_context(project)
    return render(request, "annotate/quality.html", context)


@login_required
@require_POST
def quality_recompute(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Recompute the figures of the page's filters (its query string) in a job; its page."""
    project = access_project(request.user, project_pk, need=Need.SEE_QUALITY)
    form = AgreementFilterForm(
        request.GET, articles=list(project_selectors.project_articles(project=project))
    )
    if not form.is_valid():
        messages.error(request, gettext("These filters are not valid; correct them first."))
        return redirect("annotate:quality", project.pk)
    job = agreement_job_start(project=project, actor=request.user, filters=form.filters())
    return redirect("annotate:job", job.pk)


def _claim_matching_context(project: Project) -> dict:
    """Suggest and auto-link figures at the project's thresholds from its answered suggestions
    (claims.evaluation.decisions_scored): one query, no model loaded."""
    scored = decisions_scored(project)
    report = report_build(
        scored=scored,
        model="stored scores",
        source=f"decisions of {project.slug}",
        suggest=project.match_suggest_threshold,
        autolink=project.match_autolink_threshold,
    )
    names = {"lexical": gettext("Lexical stage alone"), "fused": gettext("Fused score")}
    rows = [
        {
            "stage": names[stage],
            "action": action,
            "threshold": number(found.threshold, 2),
            "pairs": found.pairs,
            "chosen": found.chosen,
            "precision": number(found.precision),
            "recall": number(found.recall),
            "f1": number(found.f1),
        }
        for (stage, action), found in report.figures.items()
    ]
    return {"pairs": len(scored), "same": sum(s.pair.same for s in scored), "rows": rows}


def _filtering(request: HttpRequest) -> bool:
    return any(name in request.GET for name in AgreementFilterForm.base_fields)


def _page_context(project: Project, report: ProjectAgreement) -> dict:
    return {
        "report": report,
        "alpha": number(report.alpha),
        "alpha_reading": alpha_reading(report.alpha),
        "alpha_class": _alpha_class(report.alpha),
        "headline": _headline(report),
        "reviewer_rows": [_reviewer_row(report, reviewer) for reviewer in report.reviewers],
        "pair_rows": _pair_rows(report),
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
        **_marking_context(project, report.span_marking),
        "api_url": reverse("api:project-agreement", args=[project.pk]),
    }


def _headline(report: ProjectAgreement) -> list[tuple[str, str, str | None]]:
    """The project-wide figures: (name, value, what it was computed over)."""
    ordinal = (
        [(gettext("Krippendorff's α (ordinal)"), number(report.alpha_ordinal), None)]
        if report.alpha_ordinal is not None
        else []
    )
    return [
        (gettext("Krippendorff's α (nominal)"), number(report.alpha_nominal), None),
        *ordinal,
        (gettext("Percent agreement"), percent(report.percent_agreement), None),
        (
            gettext("Fleiss' κ"),
            number(fleiss_figure(report.fleiss)),
            ngettext(
                "over %(spans)s claim with exactly %(k)s verdicts",
                "over %(spans)s claims with exactly %(k)s verdicts",
                report.fleiss_spans,
            )
            % {"spans": report.fleiss_spans, "k": report.fleiss_k},
        ),
    ]


def _reviewer_row(report: ProjectAgreement, reviewer: ReviewerFigures) -> dict:
    return {
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
        "confusion": list(zip(report.labels, reviewer.confusion, strict=True)),
        "days_active": len(reviewer.per_day),
    }


def _pair_rows(report: ProjectAgreement) -> list[dict]:
    names = {reviewer.reviewer_id: reviewer.username for reviewer in report.reviewers}
    return [
        {
            "a": names.get(pair.reviewer_a, pair.reviewer_a),
            "b": names.get(pair.reviewer_b, pair.reviewer_b),
            "shared": pair.shared_spans,
            "agreement": percent(pair.percent_agreement),
            "kappa": number(pair.kappa),
            "reading": kappa_reading(pair.kappa),
        }
        for pair in report.pairs
    ]


def _marking_context(project: Project, marking: SpanMarking) -> dict:
    """Span marking: pooled, per pair of markers and per article, the least agreed first."""
    articles = sorted(
        marking.articles,
        key=lambda a: (a.overlap.f1 if isinstance(a.overlap, SpanScores) else 2.0, a.article_id),
    )
    return {
        "marking_exact": f1_text(marking.exact),
        "marking_overlap": f1_text(marking.overlap),
        "marking_pairs": [
            {
                "a": marking.markers.get(pair.marker_a, pair.marker_a),
                "b": marking.markers.get(pair.marker_b, pair.marker_b),
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
