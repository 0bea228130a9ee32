"""The datasheet written beside every export (Markdown): what is in it, how it was selected, who
labelled it (as exported: pseudonyms unless real names were asked for), the scale, the software
and the time. After "Datasheets for Datasets" (Gebru et al.), reduced to what the data can tell.
"""

import datetime
from importlib import metadata

from annotate import quality
from annotate.models import Verdict
from datasets.exporters import Exporter
from datasets.records import SCHEMA, ExportContext, ExportStats, iso

DISTRIBUTION = "factcheck-workbench"
AGREEMENT_MAX_VERDICTS = 200_000


def software_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed as a package)"


def _cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks flattened."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def agreement_section(context: ExportContext) -> list[str]:
    """Krippendorff's alpha and percent agreement of the exported verdicts (annotate.quality).

    Skipped above AGREEMENT_MAX_VERDICTS: the statistics hold a reviewers x spans matrix in
    memory (about 300 MB at 1M verdicts, measured), which an export must not need.
    """
    filters = quality.AgreementFilters(articles=context.options.articles)
    verdicts = Verdict.objects.filter(
        span__project=context.project, span__orphaned=False, status=Verdict.Status.SUBMITTED
    )
    if context.options.articles:
        verdicts = verdicts.filter(span__article_id__in=context.options.articles)
    if (count := verdicts.count()) > AGREEMENT_MAX_VERDICTS:
        return [
            "## Agreement: not computed",
            "",
            f"{count:,} submitted verdicts are more than a datasheet computes agreement for "
            f"({AGREEMENT_MAX_VERDICTS:,}); see the project's review quality page.",
        ]
    try:
        agreement = quality.project_agreement(context.project, filters)
    except Exception as error:  # a statistic that fails must not cost the export its datasheet
        return ["## Agreement: not computed", "", f"Computing it failed: {_cell(error)}"]
    alpha = agreement.alpha
    shown = alpha if isinstance(alpha, quality.NotComputable) else f"{alpha:.3f}"
    percent = agreement.percent_agreement
    percent = percent if isinstance(percent, quality.NotComputable) else f"{percent:.1%}"
    return [
        "## Agreement",
        "",
        f"- Krippendorff's alpha ({agreement.alpha_level}): {shown}, "
        f"{quality.alpha_reading(alpha)}",
        f"- Percent agreement: {percent}",
        f"- Over {agreement.verdicts} submitted verdicts on {agreement.spans} spans "
        f"({agreement.pairable_spans} with two or more) of "
        + ("the selected articles" if context.options.articles else "the whole project")
        + ", orphaned spans left out, whatever the other filters above",
    ]


def render_datasheet(
    *,
    context: ExportContext,
    exporter: Exporter,
    file_name: str,
    exported_at: datetime.datetime,
) -> str:
    """The datasheet of one export as Markdown, its sections separated by blank lines."""
    sections = [
        _selection_section(context, exporter),
        _counts_section(context.stats),
        _labels_section(context),
        _reviewers_section(context.stats),
        _scale_section(context),
        agreement_section(context),
    ]
    lines = _title(context, exporter, file_name, exported_at)
    for section in sections:
        lines += ["", *section]
    return "\n".join([*lines, ""])


def _title(
    context: ExportContext, exporter: Exporter, file_name: str, exported_at: datetime.datetime
) -> list[str]:
    project = context.project
    return [
        f"# Datasheet: {_cell(project.name)} ({exporter.name})",
        "",
        f"- File: `{file_name}` ({exporter.description}; `{exporter.media_type}`)",
        f"- Project: `{project.slug}`",
        f"- Exported at: {iso(exported_at)}",
        f"- Software: {DISTRIBUTION} {software_version()}; native schema `{SCHEMA}`",
    ]


def _selection_section(context: ExportContext, exporter: Exporter) -> list[str]:
    """The options the export was made with, in words."""
    options = context.options
    return [
        "## Selection",
        "",
        "- Articles: "
        + (", ".join(str(pk) for pk in options.articles) if options.articles else "all"),
        "- Span status: " + (", ".join(options.statuses) if options.statuses else "any"),
        f"- Labels: `{context.labels}`"
        + (" (the format's default)" if options.labels is None else ""),
        f"- Orphaned spans: {'included' if options.include_orphaned else 'left out'}",
        "- Verdicts: submitted" + (" and drafts" if options.include_drafts else " only"),
        "- Reviewers: "
        + (
            "real usernames"
            if options.real_names
            else "pseudonyms, HMAC-SHA256 of their rank in the project with "
            + ("the salt given" if options.salt else "this server's salt")
        ),
        "- Offsets: "
        + (
            f"`{options.offset_unit}` (doccano)"
            if exporter.name == "doccano"
            else "code points of the canonical (NFC) body"
        ),
    ]


def _counts_section(stats: ExportStats) -> list[str]:
    return [
        "## Counts",
        "",
        "| articles | spans | verdicts | sources | comments | adjudicated spans | orphaned spans "
        "| rows written |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {stats.articles} | {stats.spans} | {stats.verdicts} | {stats.sources} "
        f"| {stats.comments} | {stats.adjudicated} | {stats.orphaned} | {stats.rows} |",
    ]


def _labels_section(context: ExportContext) -> list[str]:
    """Exported labels in the scale's order, then any off the scale alphabetically."""
    stats = context.stats
    lines = [f"## Label distribution (labels `{context.labels}`)", ""]
    total = sum(stats.labels.values())
    if not total:
        return [*lines, "No labels in this selection."]
    lines += ["| label | count | share |", "|---|---:|---:|"]
    known = [label for label in context.project.labels if label in stats.labels]
    others = sorted(set(stats.labels) - set(known))
    for label in [*known, *others]:
        count = stats.labels[label]
        lines.append(f"| {_cell(label)} | {count} | {count / total:.1%} |")
    return lines


def _reviewers_section(stats: ExportStats) -> list[str]:
    """Verdicts per reviewer (as exported: pseudonyms unless real names), most first."""
    lines = ["## Reviewers", ""]
    if not stats.reviewers:
        return [*lines, "No verdicts in this selection."]
    lines += ["| reviewer | verdicts |", "|---|---:|"]
    lines += [
        f"| {_cell(name)} | {count} |"
        for name, count in sorted(stats.reviewers.items(), key=lambda item: (-item[1], item[0]))
    ]
    return lines


def _scale_section(context: ExportContext) -> list[str]:
    project = context.project
    scale_kind = (
        "ordinal (rating: worst = 1 ... best = n)" if project.scale_is_ordinal else "nominal"
    )
    lines = [
        "## Scale",
        "",
        f"- Preset: {project.scale_preset or 'custom'}; {scale_kind}; most true first",
        "",
    ]
    for position, entry in enumerate(project.scale, start=1):
        rating = f" (rating {context.ranks[entry['label']]})" if context.ranks else ""
        description = f": {_cell(entry.get('description', ''))}" if entry.get("description") else ""
        lines.append(f"{position}. **{_cell(entry['label'])}**{rating}{description}")
    return lines
