"""CSV (FORMATS.md §4g): one row per verdict (label mode `all`) or per span (`majority`,
`adjudicated`), RFC 4180, formula injection defused.

Label mode `all`: a span without exported verdicts still gets one row, its verdict cells empty.
Other modes: the verdict cells hold the span's chosen label (`label`, `label_rank`) and, for an
adjudicated span, the editor's rationale and decision time; spans without such a label are left
out. `label_rank` is the ordinal rating (worst = 1 ... best = n), empty on nominal scales.
"""

from collections.abc import Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import csv_table
from datasets.records import ArticleRecord, ExportContext, iso

COLUMNS = (
    "project_id",
    "article_id",
    "article_url",
    "article_title",
    "span_id",
    "start",
    "end",
    "quote",
    "claimant",
    "span_status",
    "orphaned",
    "verdict_id",
    "reviewer",
    "label",
    "label_rank",
    "rationale",
    "verdict_status",
    "submitted_at",
    "source_urls",
    "source_stances",
    "adjudicated_label",
    "adjudicated_by",
)
# Spreadsheets run cells starting with these as formulas (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell):
    """A text cell that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[list]:
    slug, ranks = context.project.slug, context.ranks
    for span in article.spans:
        adjudication = span.adjudication
        common = [
            slug,
            article.ref,
            article.url,
            article.title,
            span.ref,
            span.start,
            span.end,
            span.quote,
            span.claimant,
            span.status,
            "true" if span.orphaned else "false",
        ]
        tail = [adjudication.label, adjudication.editor] if adjudication else ["", ""]
        rows = context.label_rows(span)
        if not rows and context.labels == "all":
            yield [defuse(cell) for cell in (*common, *[""] * 9, *tail)]
            continue
        for row in rows:
            verdict = row.verdict
            if verdict is not None:
                middle = [
                    verdict.ref,
                    verdict.reviewer,
                    verdict.label,
                    ranks.get(verdict.label, ""),
                    verdict.rationale,
                    verdict.status,
                    iso(verdict.submitted_at) or "",
                    " ".join(source.url for source in verdict.sources),
                    " ".join(source.stance for source in verdict.sources),
                ]
            elif row.kind == "adjudication":
                middle = ["", "", row.label, ranks.get(row.label, ""), adjudication.rationale,
                          "", iso(adjudication.decided_at), "", ""]  # fmt: skip
            else:
                middle = ["", "", row.label, ranks.get(row.label, ""), "", "", "", "", ""]
            yield [defuse(cell) for cell in (*common, *middle, *tail)]


register(
    Exporter(
        name="csv",
        media_type="text/csv; charset=utf-8",
        extension="csv",
        format_row=format_row,
        write=csv_table(COLUMNS),
        description="CSV, one row per verdict",
    )
)
