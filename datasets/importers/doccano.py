"""doccano sequence-labelling JSONL (FORMATS.md §4c) read into article records.

doccano exports one `<user>.jsonl` per user, `{"id", "text", "label": [[start, end, "Label"]]}`;
older releases wrote `labels`, relation projects `entities` as `{"start_offset", "end_offset",
"label"}` objects. Each label is one verdict by the file's user (or the line's `reviewer`, which
our export adds when it writes every reviewer's labels to one file).

A line gives no span text and no offset unit: doccano's UI writes UTF-16 units (graphemes in
grapheme mode), a Python script code points. The two agree until a character beyond the BMP (an
emoji) comes before a span; after it they differ by one per such character, and a wrong guess
stores every later span shifted without a sound. So the caller names the unit, or
`doccano_offset_unit` reads it off the file's evidence (a reading that cuts through a character
or a word is the wrong one), consistent across the file, or refuses and asks.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

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


@dataclass(frozen=True, slots=True)
class GivenSpan:
    where: str  # e.g. label[0], for messages
    start: int
    end: int
    label: str


def _text_and_spans(entry: Any) -> tuple[str, list[GivenSpan]]:
    if not isinstance(entry, dict):
        raise ParseError(_("a line must be a JSON object"))
    sent = entry.get("text")
    if not isinstance(sent, str) or not sent.strip():
        raise ParseError(_("'text' must be a non-empty string"))
    column = next((name for name in _SPAN_COLUMNS if name in entry), None)
    spans_given = entry.get(column, []) if column else []
    if not isinstance(spans_given, list):
        raise ParseError(_("'%(column)s' must be a list of spans") % {"column": column})
    spans = []
    for number, given in enumerate(spans_given):
        where = f"{column}[{number}]"
        spans.append(GivenSpan(where, *_span(given, where)))
    return sent, spans


def _line(
    entry: Any, *, location: str, origin: str, unit: OffsetUnit, reviewer: ReviewerRef
) -> ArticleRecord:
    sent, spans_given = _text_and_spans(entry)
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
    # Our export (label mode `all`) writes one line per article and reviewer, naming them, and
    # "" on the line of an article nobody labelled (doccano cannot load a null there).
    named = entry.get("reviewer")
    if named is not None:
        if not isinstance(named, str):
            raise ParseError(_("'reviewer' must be a string"))
        if named.strip():
            reviewer = ReviewerRef(pseudonym=named.strip())
        elif spans_given:
            raise ParseError(_("'reviewer' is empty on a line with labels: who made them?"))
    other = "codepoints" if unit is OffsetUnit.UTF16 else "utf16"
    spans: dict[tuple[int, int], SpanRecord] = {}
    for given in spans_given:
        where, start, end, label = given.where, given.start, given.end, given.label
        converted = units.span_to_codepoints(start, end, unit)
        if converted is None:
            # Falling inside a character is the one sign a file gives of another unit.
            raise ParseError(
                _(
                    "%(where)s: [%(start)s, %(end)s] is not a span of the text in "
                    "%(unit)s (out of range or inside a character; was the file "
                    "written in %(other)s? see --offset-unit)"
                )
                % {"where": where, "start": start, "end": end, "unit": unit, "other": other}
            )
        if any(units.splits_grapheme(offset) for offset in converted):
            raise ParseError(
                _(
                    "%(where)s: [%(start)s, %(end)s] in %(unit)s cuts through a "
                    "character (an emoji sequence, a flag, a letter and its accent); "
                    "was the file written in %(other)s? see --offset-unit"
                )
                % {"where": where, "start": start, "end": end, "unit": unit, "other": other}
            )
        start_cp, end_cp, quote = place_span(
            text, converted[0], converted[1], where=where, notes=record.notes
        )
        span = spans.setdefault(
            (start_cp, end_cp), SpanRecord(start_cp, end_cp, quote, created_by=reviewer)
        )
        if span.verdicts:
            record.notes.append(
                _("%(where)s: [%(start)s, %(end)s] is labelled twice; kept %(label)r")
                % {"where": where, "start": start, "end": end, "label": span.verdicts[0].label}
            )
            continue
        span.verdicts.append(VerdictRecord(reviewer=reviewer, label=label, where=where))
    record.spans = sorted(spans.values(), key=lambda span: (span.start, span.end))
    return record


# The units a file's unit is chosen from: they read a line differently once an emoji comes before
# a span. Grapheme mode is never chosen (doccano writes it only in projects set so, and the
# caller knows), but a line its reading also fits tells nothing: a grapheme file is refused,
# never read as another unit.
_DETECTABLE = (OffsetUnit.UTF16, OffsetUnit.CODEPOINTS)


class OffsetUnitUnknown(ParseError):
    """The file does not tell which unit its offsets are in; the message names the line."""


@dataclass(frozen=True, slots=True)
class UnitChoice:
    unit: OffsetUnit
    reason: str  # reported to the person importing


def doccano_offset_unit(path: Path) -> UnitChoice:
    """The unit of a doccano file's offsets, read off the lines where UTF-16 units and code
    points give different spans; raise OffsetUnitUnknown when none of them tells or they
    disagree. Lines that cannot be read are left to the import, which names them."""
    first: tuple[OffsetUnit, str] | None = None
    telling = 0
    undecided: str | None = None
    for line in json_lines(path):
        if isinstance(line, ImportFailure):
            continue
        try:
            sent, spans = _text_and_spans(line.value)
        except ParseError:
            continue
        fitting = _units_that_fit(UnitIndex(sent), spans)
        if fitting is None:
            continue
        if len(fitting) != 1:
            undecided = undecided or line.location
            continue
        (unit,) = fitting
        if first is None:
            first = (unit, line.location)
        elif unit is not first[0]:
            raise OffsetUnitUnknown(
                _(
                    "%(location)s: its spans fit only %(unit)s, those of %(first)s "
                    "only %(first2)s: the file mixes offset units; give --offset-unit"
                )
                % {
                    "location": line.location,
                    "unit": unit,
                    "first": first[1],
                    "first2": first[0],
                }
            )
        telling += 1
    if first is not None:
        unit, location = first
        wrong = OffsetUnit.CODEPOINTS if unit is OffsetUnit.UTF16 else OffsetUnit.UTF16
        return UnitChoice(
            unit,
            _(
                "offsets read as %(unit)s: on %(telling)s line(s) the units give different "
                "spans, and on each %(wrong)s would cut through a character or a word "
                "(first %(location)s)"
            )
            % {"unit": unit, "telling": telling, "wrong": wrong, "location": location},
        )
    if undecided is not None:
        raise OffsetUnitUnknown(
            _(
                "%(undecided)s: a character beyond the BMP (an emoji) comes "
                "before a span, so UTF-16 units and code points give different "
                "spans, and no line of the file shows which the file was written "
                "in; give --offset-unit utf16 (doccano's UI), codepoints (a "
                "script counting Python characters) or graphemes (doccano's "
                "grapheme mode)"
            )
            % {"undecided": undecided}
        )
    return UnitChoice(
        OffsetUnit.UTF16,
        "no span comes after a character beyond the BMP: UTF-16 units and code points agree",
    )


def _units_that_fit(units: UnitIndex, spans: list[GivenSpan]) -> set[OffsetUnit] | None:
    """The detectable units whose reading of the line keeps every span boundary between
    characters (and, if readings that differ do, between words); empty or both when the line
    does not tell; None when UTF-16 units and code points read the same spans."""
    readings = {
        unit: tuple(units.span_to_codepoints(span.start, span.end, unit) for span in spans)
        for unit in OffsetUnit
    }
    if readings[OffsetUnit.UTF16] == readings[OffsetUnit.CODEPOINTS]:
        return None
    fitting = {
        unit
        for unit, reading in readings.items()
        if all(
            placed is not None and not any(units.splits_grapheme(offset) for offset in placed)
            for placed in reading
        )
    }
    if len({readings[unit] for unit in fitting}) > 1:
        by_words = {
            unit
            for unit in fitting
            if not any(units.splits_word(offset) for placed in readings[unit] for offset in placed)
        }
        fitting = by_words or fitting
    if len({readings[unit] for unit in fitting}) != 1:
        return set()  # no reading fits, or several different ones do
    return fitting & set(_DETECTABLE)


def _span(given: Any, where: str) -> tuple[int, int, str]:
    if isinstance(given, list) and len(given) == 3:
        start, end, label = given
    elif isinstance(given, dict) and {"start_offset", "end_offset", "label"} <= given.keys():
        start, end, label = given.get("start_offset"), given.get("end_offset"), given.get("label")
    else:
        raise ParseError(
            _(
                '%(where)s: expected [start, end, "Label"] or {"start_offset", '
                '"end_offset", "label"}'
            )
            % {"where": where}
        )
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)):
        raise ParseError(_("%(where)s: start and end must be integers") % {"where": where})
    if not 0 <= start < end:
        raise ParseError(
            _("%(where)s: needs 0 <= start < end, got [%(start)s, %(end)s]")
            % {"where": where, "start": start, "end": end}
        )
    if not isinstance(label, str) or not label.strip():
        raise ParseError(_("%(where)s: the label must be a non-empty string") % {"where": where})
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
