"""FEVER-style JSONL (FORMATS.md §4f): one claim a line with a FEVER class and its evidence.

`claim` is the quote; `label` the span's label mapped to SUPPORTS / REFUTES / NOT ENOUGH INFO
(DEFAULT_MAP, overridden per label by the `fever_map` option; unmapped labels are NOT ENOUGH INFO);
`verifiable` is "NOT VERIFIABLE" exactly for NOT ENOUGH INFO, as in FEVER. `evidence` holds a set
per verdict and a piece per source, `[verdict_no, source_no, "<URL>", null]` (a verdict without
sources: `[[verdict_no, null, null, null]]`): in label mode `all` the row's own verdict, otherwise
the submitted verdicts that gave the row's label. `id` is the span's number (`s-12` -> 12); extra
keys `article_id`, `start`, `end` (code points), `claim_id` (the claim the span appears as, its
export ref `cl-N`, or null) and, in mode `all`, `reviewer`. Default label mode: `majority`.
"""

from collections.abc import Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import jsonl
from datasets.records import SUBMITTED, ArticleRecord, ExportContext, VerdictRecord

SUPPORTS, REFUTES, NEI = "SUPPORTS", "REFUTES", "NOT ENOUGH INFO"
# FORMATS.md §4f for the PolitiFact scale, plus the same classes for the other presets' labels.
DEFAULT_MAP = {
    "True": SUPPORTS,
    "Mostly True": SUPPORTS,
    "Mostly False": REFUTES,
    "False": REFUTES,
    "Pants on Fire": REFUTES,
    "true": SUPPORTS,
    "mostly-true": SUPPORTS,
    "barely-true": REFUTES,
    "false": REFUTES,
    "pants-fire": REFUTES,
    "SUPPORTS": SUPPORTS,
    "REFUTES": REFUTES,
    "Supported": SUPPORTS,
    "Refuted": REFUTES,
}


def evidence(verdicts: list[VerdictRecord]) -> list[list[list]]:
    return [
        [[verdict.number, source.number, source.url, None] for source in verdict.sources]
        or [[verdict.number, None, None, None]]
        for verdict in verdicts
    ]


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[dict]:
    # The preset's default, then the project's own mapping, then this export's option.
    mapping = {
        **DEFAULT_MAP,
        **(context.project.fever_mapping or {}),
        **dict(context.options.fever_map),
    }
    for span in article.spans:
        for row in context.label_rows(span):
            if not row.label:
                continue  # an unlabelled draft
            label = mapping.get(row.label, NEI)
            if row.verdict is not None:
                backing = [row.verdict]
            else:
                backing = [
                    v for v in span.verdicts if v.status == SUBMITTED and v.label == row.label
                ]
            line = {
                "id": span.number,
                "verifiable": "NOT VERIFIABLE" if label == NEI else "VERIFIABLE",
                "label": label,
                "claim": span.quote,
                "evidence": evidence(backing),
                "article_id": article.ref,
                "start": span.start,
                "end": span.end,
                "claim_id": span.claim,
            }
            if context.labels == "all":
                line["reviewer"] = row.author
            yield line


register(
    Exporter(
        name="fever",
        title="FEVER (JSONL)",
        media_type="application/x-ndjson; charset=utf-8",
        extension="jsonl",
        format_row=format_row,
        write=jsonl,
        default_labels="majority",
        description="FEVER-style JSONL claims",
    )
)
