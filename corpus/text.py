"""The canonical article text that span offsets point into (code points of the body, FORMATS.md)."""

import hashlib
import re
import unicodedata

# Unicode spaces that scrapers leave behind (no-break, thin, ideographic, ...), folded to one space.
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")


def canonical_body(text: str) -> str:
    """NFC-normalised text, paragraphs separated by exactly one blank line, lines right-stripped.

    Spaces inside a paragraph are kept as given: tools that send text with offsets rely on them.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Right-strip every line first, so that whitespace-only lines become paragraph breaks;
    # str methods, not regexes: this runs once per imported article.
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    paragraphs = (paragraph.strip() for paragraph in text.split("\n\n"))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def collapse_spaces(text: str) -> str:
    """One plain space for every run of horizontal whitespace, for scraped text and metadata."""
    return _HORIZONTAL_SPACE.sub(" ", text).strip()


def content_hash(body: str) -> str:
    """SHA-256 hex digest of the canonical body: the identity that makes re-imports no-ops."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def one_line(text: str) -> str:
    """NFC text on a single line with single spaces: titles, names, publishers."""
    return " ".join(unicodedata.normalize("NFC", text).split())
