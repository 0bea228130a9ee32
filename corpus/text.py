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


def splits_grapheme(text: str, offset: int) -> bool:
    """Whether a code-point offset falls inside a grapheme cluster (UAX #29: a letter and its
    combining marks, such as a Devanagari matra or Arabic tashkeel; a flag; an emoji with a
    skin tone or ZWJ): no span may start or end there (W3C), whatever the door."""
    if not 0 < offset < len(text) or _plainly_apart(text, offset):
        return False
    # Clusters are found from the nearest offset before that surely is a boundary: finding
    # all of a long text's clusters for every span would cost more than the rest of a read.
    anchor = offset - 1
    while anchor > 0 and not _plainly_apart(text, anchor):
        anchor -= 1
    # Imported here: stdlib `re` has no \X (extended grapheme cluster); `regex` follows the
    # Unicode version it ships with, and only non-ASCII neighbours get this far.
    import regex

    for cluster in regex.finditer(r"\X", text, pos=anchor):
        if cluster.end() >= offset:
            return cluster.end() != offset
    return False


def _plainly_apart(text: str, offset: int) -> bool:
    """Two ASCII characters always have a cluster boundary between them, but CR LF (UAX #29:
    none of them extends, prepends or joins)."""
    before, after = text[offset - 1], text[offset]
    return before < "\x80" and after < "\x80" and not (before == "\r" and after == "\n")
