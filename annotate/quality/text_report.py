"""The agreement report as plain text, a line at a time (`manage.py agreement_report`)."""

from collections.abc import Iterator

from annotate.models import Project
from annotate.quality.formatting import f1_text_spelled_out, fleiss_figure, number, percent
from annotate.quality.reports import ProjectAgreement, alpha_reading, kappa_reading

# The text report is read by people checking the page's rounding: more digits than the page.
DIGITS = 6
QUOTE_CHARS_SHOWN = 80


def agreement_text_lines(project: Project, report: ProjectAgreement) -> Iterator[str]:
    """Every section of the report, separated by blank lines."""
    sections = (
        _reliability,
        _reviewers,
        _pairs,
        _labels,
        _verdicts_per_day,
        _contested,
        _span_marking,
    )
    yield from _heading(project, report)
    for section in sections:
        yield ""
        yield from section(report)


def _heading(project: Project, report: ProjectAgreement) -> Iterator[str]:
    yield f"Agreement report: {project.name} ({project.slug})"
    if not report.filters.is_empty:
        given = report.filters
        yield (
            f"filters: articles {list(given.articles) or 'all'}, submitted from "
            f"{given.submitted_from or 'the start'} to {given.submitted_to or 'today'}"
        )
    yield (
        f"{report.verdicts} submitted verdicts on {report.spans} claims "
        f"({report.pairable_spans} with two or more), {len(report.reviewers)} reviewers"
    )


def _reliability(report: ProjectAgreement) -> Iterator[str]:
    yield f"Krippendorff's alpha (nominal): {number(report.alpha_nominal, DIGITS)}"
    if report.alpha_ordinal is not None:
        yield f"Krippendorff's alpha (ordinal): {number(report.alpha_ordinal, DIGITS)}"
    yield f"Reading ({report.alpha_level}): {alpha_reading(report.alpha)}"
    yield f"Percent agreement: {percent(report.percent_agreement)}"
    yield (
        f"Fleiss' kappa ({report.fleiss_spans} claims with exactly {report.fleiss_k} "
        f"verdicts): {number(fleiss_figure(report.fleiss), DIGITS)}"
    )


def _reviewers(report: ProjectAgreement) -> Iterator[str]:
    yield "Reviewers:"
    for reviewer in report.reviewers:
        labels = ", ".join(
            f"{label} {count}"
            for label, count in zip(report.labels, reviewer.label_counts, strict=True)
            if count
        )
        yield (
            f"  {reviewer.username}: {reviewer.verdicts} verdicts; with others "
            f"{percent(reviewer.agreement_with_others)} of {reviewer.compared_pairs} pairs; "
            f"with adjudication {percent(reviewer.agreement_with_adjudication)} of "
            f"{reviewer.adjudicated}; labels: {labels or '—'}"
        )


def _pairs(report: ProjectAgreement) -> Iterator[str]:
    names = {reviewer.reviewer_id: reviewer.username for reviewer in report.reviewers}
    yield "Pairs (Cohen's kappa on shared claims):"
    for pair in report.pairs:
        yield (
            f"  {names.get(pair.reviewer_a)} / {names.get(pair.reviewer_b)}: "
            f"{pair.shared_spans} shared, same label {percent(pair.percent_agreement)}, "
            f"kappa {number(pair.kappa, DIGITS)} ({kappa_reading(pair.kappa)})"
        )
    if not report.pairs:
        yield "  not computable: fewer than two reviewers"


def _labels(report: ProjectAgreement) -> Iterator[str]:
    yield "Labels:"
    for label in report.label_figures:
        yield (
            f"  {label.label}: {label.verdicts} ({percent(label.share)}), specific "
            f"agreement {percent(label.specific_agreement)}"
        )


def _verdicts_per_day(report: ProjectAgreement) -> Iterator[str]:
    yield "Verdicts per day:"
    for day, count in report.per_day:
        yield f"  {day.isoformat()}: {count}"
    if not report.per_day:
        yield "  none"


def _contested(report: ProjectAgreement) -> Iterator[str]:
    yield "Most contested claims:"
    for span in report.contested:
        counts = ", ".join(f"{label} {count}" for label, count in span.label_counts)
        yield (
            f"  span {span.span_id} (article {span.article_id}): {span.distinct_labels} labels,"
            f" entropy {span.entropy_bits:.3f} bits ({counts}): "
            f"{span.quote[:QUOTE_CHARS_SHOWN]}"
        )
    if not report.contested:
        yield "  none"


def _span_marking(report: ProjectAgreement) -> Iterator[str]:
    marking = report.span_marking
    yield "Span marking (who highlighted which passages):"
    yield f"  exact:   {f1_text_spelled_out(marking.exact)}"
    yield f"  overlap: {f1_text_spelled_out(marking.overlap)}"
    for pair in marking.pairs:
        yield (
            f"  {marking.markers.get(pair.marker_a)} / {marking.markers.get(pair.marker_b)} "
            f"on {pair.articles} articles: exact {f1_text_spelled_out(pair.exact)}; "
            f"overlap {f1_text_spelled_out(pair.overlap)}"
        )
