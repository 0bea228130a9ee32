"""What every importer produces: article drafts, or failures that name where and why."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An article parsed from one input, before the import service canonicalises and stores it."""

    title: str
    body: str
    raw_text: str
    origin: str
    subtitle: str = ""
    authors: tuple[str, ...] = field(default_factory=tuple)
    publisher: str = ""
    published_on: date | None = None
    source_url: str = ""
    language: str = ""
    # Where the input was read, for messages (`file.jsonl:3`); defaults to `origin`.
    location: str = ""


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """An input that could not become an article: `location` is a file name, or `file:line`."""

    location: str
    reason: str


class ParseError(ValueError):
    """Raised by a parser for input it cannot turn into an article; the message is the reason."""
