"""JSON Lines, one article object per line: the bulk format for loads and tools."""

import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from config.json_input import json_decode, json_error_reason
from corpus.importers.base import ArticleDraft, ImportFailure, ParseError

_TEXT_FIELDS = ("subtitle", "publisher", "source_url", "language", "origin", "raw_text")
# Present in our own exports; accepted so that an export can be loaded back, but not trusted.
_IGNORED_FIELDS = {"id", "content_hash", "created_at", "updated_at"}
_KNOWN_FIELDS = {"title", "body", "authors", "published_on", *_TEXT_FIELDS, *_IGNORED_FIELDS}


def parse_jsonl(
    lines: Iterable[str | ImportFailure], *, source: str
) -> Iterator[ArticleDraft | ImportFailure]:
    """Drafts for the good lines and a failure naming `source:line` for each bad one.

    A line the reader could not decode arrives as its failure and is passed on.
    """
    for number, line in enumerate(lines, start=1):
        if isinstance(line, ImportFailure):
            yield line
            continue
        if not line.strip():
            continue
        location = f"{source}:{number}"
        try:
            # Texts are checked by field when the article is built (article_from_draft).
            record = json_decode(line, check_texts=False)
        except json.JSONDecodeError as error:
            yield ImportFailure(location, json_error_reason(error))
            continue
        try:
            yield parse_article_record(record, default_origin=source, location=location)
        except ParseError as error:
            yield ImportFailure(location, str(error))


def parse_article_record(record: Any, *, default_origin: str, location: str) -> ArticleDraft:
    """One article from a decoded JSON object; raises ParseError naming the offending field."""
    if not isinstance(record, dict):
        raise ParseError(
            _("expected a JSON object, got %(name)s") % {"name": type(record).__name__}
        )
    unknown = sorted(set(record) - _KNOWN_FIELDS)
    if unknown:
        raise ParseError(_("unknown field(s): %(join)s") % {"join": ", ".join(unknown)})
    title = _required_text(record, "title")
    body = _required_text(record, "body")
    texts = {name: _optional_text(record, name) for name in _TEXT_FIELDS}
    return ArticleDraft(
        title=title,
        body=body,
        raw_text=texts.pop("raw_text") or body,
        origin=texts.pop("origin") or default_origin,
        authors=_authors(record.get("authors")),
        published_on=_published_on(record.get("published_on")),
        location=location,
        **texts,
    )


def _required_text(record: dict, name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ParseError(
            _("'%(name)s' is required and must be a non-empty string") % {"name": name}
        )
    return value


def _optional_text(record: dict, name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParseError(_("'%(name)s' must be a string") % {"name": name})
    return value


def _authors(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ParseError(_("'authors' must be a list of names"))
    return tuple(name.strip() for name in value if name.strip())


def _published_on(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ParseError(
            _("'published_on' must be an ISO date (YYYY-MM-DD), got %(value)r") % {"value": value}
        ) from None
