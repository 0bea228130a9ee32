"""CSV (FORMATS.md §4g): one row per verdict (label mode `all`) or per span (`majority`,
`adjudicated`), RFC 4180, formula injection defused.

Label mode `all`: a span without exported verdicts still gets one row, its verdict cells empty.
Other modes: the verdict cells hold the span's chosen label (`label`, `label_rank`) and, for an
adjudicated span, the editor's rationale and decision time; spans without such a label are left
out. `label_rank` is the ordinal rating (worst = 1 ... best = n), empty on nominal scales.
`claim_id`, the last column, is the export ref (`cl-N`) of the claim the span appears as, empty
when it has none.
"""

from collections.abc import Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import csv_table
from datasets.records import ArticleRecord, ExportContext

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
    "claim_id",  # appended (issue 15): earlier columns keep their positions
)
# Spreadsheets run cells starting with these as formulas (OWASP "CSV injection").
_FORMULA_STARTS = frozenset("=+-@\t\r")


def defuse(cell):
    """A text cell that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(cell, str) and cell and cell[0] in _FORMULA_STARTS:
        return "'" + cell
    return cell


def _text(cell: str) -> str:
    return "'" + cell if cell and cell[0] in _FORMULA_STARTS else cell


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[list]:
    # Text cells are defused once each (per article, span, verdict), numbers are left alone;
    # source URLs are http(s) and stances fixed words, so they cannot start a formula.
    slug, ranks = _text(context.project.slug), context.ranks
    article_cells = [slug, _text(article.ref), _text(article.url), _text(article.title)]
    for span in article.spans:
        adjudication = span.adjudication
        common = [
            *article_cells,
            span.ref,
            span.start,
            span.end,
            _text(span.quote),
            _text(span.claimant),
            span.status,
            "true" if span.orphaned else "false",
        ]
        claim = span.claim or ""
        if adjudication is not None:
            tail = [_text(adjudication.label), _text(adjudication.editor), claim]
        else:
            tail = ["", "", claim]
        rows = context.label_rows(span)
        if not rows and context.labels == "all":
            yield [*common, "", "", "", "", "", "", "", "", "", *tail]
            continue
        for row in rows:
            verdict = row.verdict
            label = _text(row.label)
            rank = ranks.get(row.label, "")
            if verdict is not None:
                sources = verdict.sources
                middle = [
                    verdict.ref,
                    _text(verdict.reviewer),
                    label,
                    rank,
                    _text(verdict.rationale),
                    verdict.status,
                    verdict.submitted_at or "",
                    " ".join([source.url for source in sources]) if sources else "",
                    " ".join([source.stance for source in sources]) if sources else "",
                ]
            elif row.kind == "adjudication":
                middle = ["", "", label, rank, _text(adjudication.rationale),
                          "", adjudication.decided_at, "", ""]  # fmt: skip
            else:
                middle = ["", "", label, rank, "", "", "", "", ""]
            yield [*common, *middle, *tail]


register(
    Exporter(
        name="csv",
        title="CSV (one row per verdict)",
        media_type="text/csv; charset=utf-8",
        extension="csv",
        format_row=format_row,
        write=csv_table(COLUMNS),
        description="CSV, one row per verdict",
    )
)
