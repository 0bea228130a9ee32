"""What a dataset import reports: per-article outcomes, their totals, and the labels a file
uses that the project's scale lacks (listed before anything is stored)."""

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from datasets.importers.base import ArticleRecord, ImportFailure


class ArticleStatus(enum.StrEnum):
    CREATED = "created"  # the article was new
    UPDATED = "updated"  # the article was known; the file added claims, verdicts, ...
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(slots=True)
class Counts:
    spans: int = 0
    verdicts: int = 0
    predictions: int = 0
    comments: int = 0
    adjudications: int = 0

    def add(self, other: "Counts") -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__slots__)


@dataclass(slots=True)
class ArticleOutcome:
    """What happened to one article of the file."""

    location: str
    status: ArticleStatus
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    created: Counts = field(default_factory=Counts)
    placeholders: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DatasetImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new: Counts = field(default_factory=Counts)
    placeholders: set[str] = field(default_factory=set)
    failures: list[ImportFailure] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)


@dataclass(frozen=True, slots=True)
class UnknownLabel:
    label: str
    count: int  # articles using it
    first_location: str


def unknown_labels(
    *,
    scale: Sequence[str],
    records: Iterable[ArticleRecord | ImportFailure],
    label_map: dict[str, str] | None = None,
) -> list[UnknownLabel]:
    """Labels the records use that are not on the scale (after `label_map`), by label."""
    label_map = label_map or {}
    known = set(scale)
    found: dict[str, UnknownLabel] = {}
    for record in records:
        if isinstance(record, ImportFailure):
            continue
        for label in sorted(record.labels()):
            if label_map.get(label, label) in known:
                continue
            seen = found.get(label)
            if seen is None:
                found[label] = UnknownLabel(label, 1, record.location)
            else:
                found[label] = UnknownLabel(label, seen.count + 1, seen.first_location)
    return sorted(found.values(), key=lambda unknown: unknown.label)
