"""Peer tools' offsets read as code points of the canonical article body (FORMATS.md §1).

Pure functions (stdlib, and `regex` for grapheme clusters). Two problems are solved here:

- Units. Python counts code points, JavaScript UTF-16 code units (an emoji beyond the BMP is 1
  and 2), doccano's grapheme mode user-perceived characters (🇺🇦 is 2 code points, 4 units, 1
  grapheme). `UnitIndex` converts an offset in any of the three into code points, or says it
  falls inside a character.
- The canonical body. Articles are stored NFC-normalised with tidied whitespace
  (`corpus.text.canonical_body`), so a peer's code-point offsets into the text *as sent* move:
  `e` + U+0301 becomes one code point, a trailing space before a paragraph break disappears.
  `CanonicalText` maps offsets into the sent text onto the stored body.
"""

import enum
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from corpus.text import canonical_body, splits_grapheme


class OffsetUnit(enum.StrEnum):
    UTF16 = "utf16"
    CODEPOINTS = "codepoints"
    GRAPHEMES = "graphemes"


class UnitIndex:
    """Offsets of one text in UTF-16 units or graphemes, converted to code points."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _utf16(self) -> list[int | None]:
        # Index = UTF-16 offset; value = code points before it, None between a surrogate pair.
        positions: list[int | None] = []
        for index, char in enumerate(self.text):
            positions.append(index)
            if ord(char) > 0xFFFF:
                positions.append(None)
        positions.append(len(self.text))
        return positions

    @cached_property
    def _graphemes(self) -> list[int]:
        # Imported here: `regex` is only needed for doccano's grapheme mode (stdlib `re` has no \X).
        import regex

        starts = [match.start() for match in regex.finditer(r"\X", self.text)]
        return [*starts, len(self.text)]

    def splits_grapheme(self, offset: int) -> bool:
        """Whether a code-point offset falls inside a grapheme cluster (corpus.text)."""
        return splits_grapheme(self.text, offset)

    def splits_word(self, offset: int) -> bool:
        """Whether a code-point offset falls between two letters or digits."""
        return 0 < offset < len(self.text) and (
            self.text[offset - 1].isalnum() and self.text[offset].isalnum()
        )

    def to_codepoints(self, offset: int, unit: OffsetUnit) -> int | None:
        """The code-point offset, or None when out of range or inside a character."""
        if unit is OffsetUnit.CODEPOINTS:
            return offset if 0 <= offset <= len(self.text) else None
        if unit is OffsetUnit.UTF16:
            positions: list[int | None] = self._utf16
        else:
            positions = self._graphemes  # type: ignore[assignment]
        if not 0 <= offset < len(positions):
            return None
        return positions[offset]

    def span_to_codepoints(self, start: int, end: int, unit: OffsetUnit) -> tuple[int, int] | None:
        """`[start, end)` in code points, or None when either end is not a character boundary."""
        converted_start = self.to_codepoints(start, unit)
        converted_end = self.to_codepoints(end, unit)
        if converted_start is None or converted_end is None:
            return None
        return converted_start, converted_end


@dataclass(frozen=True, slots=True)
class CanonicalSpan:
    start: int
    end: int
    # False when an end fell inside a character that NFC composed: the span was widened to it.
    exact: bool


class CanonicalText:
    """The canonical body of a text as sent, and where the sent text's offsets land in it."""

    def __init__(self, sent: str) -> None:
        self.sent = sent
        self.body = canonical_body(sent)

    @cached_property
    def _maps(self) -> tuple[list[int], list[int]] | None:
        """(floor, ceiling) body offset for every offset of the sent text; None if not mappable."""
        unix, unix_map = _unix_newlines(self.sent)
        nfc_parts = _nfc_segments(unix)
        if nfc_parts is None:
            return None
        normalised, floor_map, ceiling_map = nfc_parts
        kept = _subsequence_map(normalised, self.body)
        if kept is None:
            return None
        floor = [kept[floor_map[unix_map[i]]] for i in range(len(self.sent) + 1)]
        ceiling = [kept[ceiling_map[unix_map[i]]] for i in range(len(self.sent) + 1)]
        return floor, ceiling

    @property
    def is_identity(self) -> bool:
        return self.body == self.sent

    def span(self, start: int, end: int) -> CanonicalSpan | None:
        """Code-point `[start, end)` of the sent text in the body; None if it cannot be mapped."""
        if not 0 <= start < end <= len(self.sent):
            return None
        if self.is_identity:
            return CanonicalSpan(start, end, exact=True)
        maps = self._maps
        if maps is None:
            return None
        floor, ceiling = maps
        exact = floor[start] == ceiling[start] and floor[end] == ceiling[end]
        return CanonicalSpan(floor[start], ceiling[end], exact=exact)


def _unix_newlines(text: str) -> tuple[str, list[int]]:
    """CRLF and CR as LF (canonical_body's first step), with the offset map."""
    out: list[str] = []
    positions = [0] * (len(text) + 1)
    for index, char in enumerate(text):
        positions[index] = len(out)
        if char == "\r":
            if text[index + 1 : index + 2] == "\n":
                continue  # the LF that follows stands for both
            out.append("\n")
        else:
            out.append(char)
    positions[len(text)] = len(out)
    return "".join(out), positions


def _nfc_segments(text: str) -> tuple[str, list[int], list[int]] | None:
    """NFC text and floor/ceiling maps, normalising runs that compose independently.

    A run starts at a character of combining class 0 that does not compose with the run before
    it; offsets inside a run (between `e` and its accent) have no exact image and get the run's
    start (floor) or end (ceiling). None if the pieces do not add up to the NFC of the whole.
    """
    if unicodedata.is_normalized("NFC", text):
        identity = list(range(len(text) + 1))
        return text, identity, identity
    runs: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text):
            runs.append((start, index))
            break
        char = text[index]
        if unicodedata.combining(char) != 0:
            continue
        run = text[start:index]
        if unicodedata.normalize("NFC", run + char) == unicodedata.normalize(
            "NFC", run
        ) + unicodedata.normalize("NFC", char):
            runs.append((start, index))
            start = index
    pieces: list[str] = []
    floor = [0] * (len(text) + 1)
    ceiling = [0] * (len(text) + 1)
    length = 0
    for run_start, run_end in runs:
        piece = unicodedata.normalize("NFC", text[run_start:run_end])
        floor[run_start] = ceiling[run_start] = length
        for inside in range(run_start + 1, run_end):
            floor[inside], ceiling[inside] = length, length + len(piece)
        pieces.append(piece)
        length += len(piece)
    floor[len(text)] = ceiling[len(text)] = length
    normalised = "".join(pieces)
    if normalised != unicodedata.normalize("NFC", text):
        return None
    return normalised, floor, ceiling


def _subsequence_map(text: str, body: str) -> list[int] | None:
    """Map offsets of `text` to `body`, which is `text` with some whitespace left out.

    canonical_body only deletes whitespace after NFC (line ends, paragraph edges, extra blank
    lines), so matching greedily finds where every kept character went; a deleted character's
    offset goes to the next kept one. None if `body` is not such a subsequence.
    """
    positions = [0] * (len(text) + 1)
    matched = 0
    for index, char in enumerate(text):
        positions[index] = matched
        if matched < len(body) and body[matched] == char:
            matched += 1
        elif not char.isspace():
            return None
    positions[len(text)] = matched
    return positions if matched == len(body) else None


def same_but_spacing(first: str, second: str) -> bool:
    """Equal once runs of whitespace are collapsed: Label Studio #3078 drops a double space."""
    return " ".join(first.split()) == " ".join(second.split()) and bool(first.strip())


def read_quoted_span(
    units: UnitIndex, start: int, end: int, quote: str
) -> tuple[int, int, OffsetUnit] | None:
    """Code-point `[start, end)` of a span whose text the file gives, and the unit it was in.

    Code points first (what Label Studio's UI writes), then UTF-16 units (what its server accepts
    unchecked from API clients, and what doccano and browsers count); None if neither reading
    finds the quote there.
    """
    for unit in (OffsetUnit.CODEPOINTS, OffsetUnit.UTF16):
        converted = units.span_to_codepoints(start, end, unit)
        if converted is None:
            continue
        found = units.text[converted[0] : converted[1]]
        if found == quote or same_but_spacing(found, quote):
            return converted[0], converted[1], unit
    return None
