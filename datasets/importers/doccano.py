"""doccano sequence-labelling JSONL (FORMATS.md §4c) read into article records.

doccano exports one `<user>.jsonl` per user, `{"id", "text", "label": [[start, end, "Label"]]}`;
older releases wrote `labels`, relation projects `entities` as `{"start_offset", "end_offset",
"label"}` objects. A line gives no span text and no offset unit: the caller says which unit
(doccano's UI writes UTF-16 units, graphemes in grapheme mode; a Python script writes code
points), and each label is one verdict by the file's user (or the line's `reviewer`, which our
export adds when it writes every reviewer's labels to one file).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.text import one_line
from datasets.importers.base import (
    ArticleDraft,
    ArticleRecord,
    ImportFailure,
    ParseError,
    ReviewerRef,
    SpanRecord,
    VerdictRecord,
    json_lines,
    normalisation_note,
    place_span,
)
from datasets.importers.offsets import CanonicalText, OffsetUnit, UnitIndex

_SPAN_COLUMNS = ("label", "labels", "entities")
TITLE_MAX_CHARS = 80


def read_doccano(
    path: Path, *, unit: OffsetUnit, reviewer: ReviewerRef
) -> Iterator[ArticleRecord | ImportFailure]:
    """Records for the lines of one file, failures naming `file:line`."""
    for line in json_lines(path):
        if isinstance(line, ImportFailure):
            yield line
            continue
        try:
            yield _line(
                line.value, location=line.location, origin=path.name, unit=unit, reviewer=reviewer
            )
        except ParseError as error:
            yield ImportFailure(line.location, str(error))


def _line(
    entry: Any, *, location: str, origin: str, unit: OffsetUnit, reviewer: ReviewerRef
) -> ArticleRecord:
    if not isinstance(entry, dict):
        raise ParseError("a line must be a JSON object")
    sent = entry.get("text")
    if not isinstance(sent, str) or not sent.strip():
        raise ParseError("'text' must be a non-empty string")
    column = next((name for name in _SPAN_COLUMNS if name in entry), None)
    spans_given = entry.get(column, []) if column else []
    if not isinstance(spans_given, list):
        raise ParseError(f"'{column}' must be a list of spans")
    text = CanonicalText(sent)
    record = ArticleRecord(
        location=location,
        draft=ArticleDraft(
            title=_title(entry, sent),
            body=sent,
            raw_text=sent,
            origin=origin,
            location=location,
        ),
        notes=normalisation_note(text),
    )
    units = UnitIndex(sent)
    # Our export (label mode `all`) writes one line per article and reviewer, naming them.
    named = entry.get("reviewer")
    if named is not None:
        if not isinstance(named, str) or not named.strip():
            raise ParseError("'reviewer' must be a non-empty string")
        reviewer = ReviewerRef(pseudonym=named.strip())
    spans: dict[tuple[int, int], SpanRecord] = {}
    for number, given in enumerate(spans_given):
        where = f"{column}[{number}]"
        start, end, label = _span(given, where)
        converted = units.span_to_codepoints(start, end, unit)
        if converted is None:
            # Falling inside a character is the one sign a file gives of another unit.
            other = "codepoints" if unit is OffsetUnit.UTF16 else "utf16"
            raise ParseError(
                f"{where}: [{start}, {end}] is not a span of the text in {unit} "
                f"(out of range or inside a character; was the file written in {other}? "
                "see --offset-unit)"
            )
        start_cp, end_cp, quote = place_span(
            text, converted[0], converted[1], where=where, notes=record.notes
        )
        span = spans.setdefault(
            (start_cp, end_cp), SpanRecord(start_cp, end_cp, quote, created_by=reviewer)
        )
        if span.verdicts:
            record.notes.append(
                f"{where}: [{start}, {end}] is labelled twice; kept {span.verdicts[0].label!r}"
            )
            continue
        span.verdicts.append(VerdictRecord(reviewer=reviewer, label=label, where=where))
    record.spans = sorted(spans.values(), key=lambda span: (span.start, span.end))
    return record


def _span(given: Any, where: str) -> tuple[int, int, str]:
    if isinstance(given, list) and len(given) == 3:
        start, end, label = given
    elif isinstance(given, dict) and {"start_offset", "end_offset", "label"} <= given.keys():
        start, end, label = given.get("start_offset"), given.get("end_offset"), given.get("label")
    else:
        raise ParseError(
            f'{where}: expected [start, end, "Label"] or {{"start_offset", "end_offset", "label"}}'
        )
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)):
        raise ParseError(f"{where}: start and end must be integers")
    if not 0 <= start < end:
        raise ParseError(f"{where}: needs 0 <= start < end, got [{start}, {end}]")
    if not isinstance(label, str) or not label.strip():
        raise ParseError(f"{where}: the label must be a non-empty string")
    return start, end, label


def _title(entry: dict, sent: str) -> str:
    """A stated title, else the text's first line cut at a word: doccano has no title column."""
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    stated = entry.get("title") or meta.get("title")
    if isinstance(stated, str) and stated.strip():
        return stated
    first_line = one_line(sent.strip().split("\n", 1)[0])
    if len(first_line) <= TITLE_MAX_CHARS:
        return first_line
    cut = first_line[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…"
