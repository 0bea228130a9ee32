"""HTML pages: main text and metadata extracted by trafilatura, never by hand-written parsing."""

from datetime import date

import lxml.html
import trafilatura
from django.utils.translation import gettext as _
from lxml.etree import ParserError

from corpus.importers.base import ArticleDraft, ParseError
from corpus.text import collapse_spaces

# Only dates the page's markup states: htmldate's extensive search guesses from body text and URLs.
_STATED_DATES_ONLY = {"extensive_search": False, "original_date": True}


def parse_html(raw: str, *, origin: str) -> ArticleDraft:
    """One article from an HTML page, with site chrome and comments left out."""
    document = trafilatura.bare_extraction(
        raw,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=_STATED_DATES_ONLY,
    )
    if document is None or not (document.text or "").strip():
        raise ParseError(_("no article text found in the HTML page"))
    title = collapse_spaces(document.title or "")
    if not title:
        raise ParseError(_("the HTML page states no title"))
    lines = [collapse_spaces(line) for line in document.text.split("\n")]
    if lines and lines[0] == title:
        lines = lines[1:]
    return ArticleDraft(
        title=title,
        authors=_split_authors(document.author or ""),
        publisher=collapse_spaces(document.sitename or ""),
        published_on=_iso_date(document.date),
        source_url=document.url or "",
        language=_declared_language(raw),
        body="\n\n".join(line for line in lines if line),
        raw_text=raw,
        origin=origin,
    )


def _split_authors(author_field: str) -> tuple[str, ...]:
    # trafilatura joins several authors with "; ".
    return tuple(name for name in (collapse_spaces(a) for a in author_field.split(";")) if name)


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _declared_language(raw: str) -> str:
    try:
        root = lxml.html.document_fromstring(raw.encode("utf-8"))
    except (ParserError, ValueError):
        return ""
    return (root.get("lang") or "").strip()[:35]
