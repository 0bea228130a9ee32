"""doccano JSONL for sequence labelling (FORMATS.md §4c).

`{"id": n, "text": body, "label": [[start, end, "Label"], ...], "Comments": []}` with offsets in
the `offset_unit` option's unit: UTF-16 code units by default (what doccano's UI writes), code
points, or grapheme clusters. doccano exports one file per user; streamed, label mode `all` gives
one line per article and reviewer instead, with an extra `reviewer` key (doccano's import keeps
unknown keys as metadata), and one unlabelled line with `"reviewer": ""` for an article nobody
labelled; the other modes give one line per article. `id` is the article's number (`a-3` -> 3).

Every line of a file has the same keys, none of them null: doccano 1.8.4 reads a batch of lines
into one pandas DataFrame, where a key that is null or missing on some lines becomes NaN in those
examples' `meta`, which is not JSON, and its database refuses the whole file (measured: CHECK
constraint failed: JSON_VALID("meta")).
"""

import bisect
from collections.abc import Callable, Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import jsonl
from datasets.records import ArticleRecord, ExportContext

# The `reviewer` of an article nobody labelled (label mode `all`): a string, never null.
NOBODY = ""


def offset_converter(text: str, unit: str) -> Callable[[int], int]:
    """A function from a code-point offset in `text` to an offset in `unit`."""
    if unit == "codepoints":
        return int
    if unit == "utf16":
        # Every code point beyond the BMP is two UTF-16 units: add those before the offset.
        astral = [i for i, char in enumerate(text) if char > "\uffff"]
        if not astral:
            return int
        return lambda offset: offset + bisect.bisect_left(astral, offset)
    if unit == "graphemes":
        import regex  # stdlib re has no \X (extended grapheme cluster)

        starts = [match.start() for match in regex.finditer(r"\X", text)]
        return lambda offset: bisect.bisect_left(starts, offset)
    raise ValueError(f"Unknown offset unit {unit!r}")


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[dict]:
    convert = offset_converter(article.body, context.options.offset_unit)
    lines: dict[str | None, list[list]] = {}
    for span in article.spans:
        start, end = convert(span.start), convert(span.end)
        for row in context.label_rows(span):
            if row.label:
                author = row.author if context.labels == "all" else None
                lines.setdefault(author, []).append([start, end, row.label])
    if not lines:
        lines[None] = []
    for author, labels in lines.items():
        line = {"id": article.number, "text": article.body, "label": labels, "Comments": []}
        if context.labels == "all":
            line["reviewer"] = author or NOBODY
        yield line


register(
    Exporter(
        name="doccano",
        title="doccano (JSONL)",
        media_type="application/x-ndjson; charset=utf-8",
        extension="jsonl",
        format_row=format_row,
        write=jsonl,
        description="doccano JSONL (sequence labelling)",
    )
)
