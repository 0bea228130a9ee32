"""The canonical article text that span offsets point into (code points of the body, FORMATS.md)."""

import hashlib
import re
import unicodedata

_BLANK_LINE = re.compile(r"\n[ \t\u00a0\u3000]*\n\s*")
# Unicode spaces that scrapers leave behind (no-break, thin, ideographic, ...), folded to one space.
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")


def canonical_body(text: str) -> str:
    """NFC-normalised text, paragraphs separated by exactly one blank line, lines right-stripped.

    Spaces inside a paragraph are kept as given: tools that send text with offsets rely on them.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = (
        "\n".join(line.rstrip() for line in paragraph.strip("\n").split("\n"))
        for paragraph in _BLANK_LINE.split(text.strip())
    )
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def collapse_spaces(text: str) -> str:
    """One plain space for every run of horizontal whitespace, for scraped text and metadata."""
    return _HORIZONTAL_SPACE.sub(" ", text).strip()


def content_hash(body: str) -> str:
    """SHA-256 hex digest of the canonical body: the identity that makes re-imports no-ops."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def one_line(text: str) -> str:
    """NFC text on a single line with single spaces: titles, names, publishers."""
    return " ".join(unicodedata.normalize("NFC", text).split())
