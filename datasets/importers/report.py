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
    notes: list[str] = field(default_factory=list)  # about the whole file (e.g. its offset unit)

    @property
    def failed(self) -> int:
        return len(self.failures)


@dataclass(frozen=True, slots=True)
class UnknownLabel:
    label: str
    count: int  # articles using it
    first_location: str


class LabelCheck:
    """Labels records use that are not on the scale (after `label_map`), tallied by label."""

    def __init__(self, *, scale: Sequence[str], label_map: dict[str, str]) -> None:
        self.known = set(scale)
        self.label_map = label_map
        self.unknown: dict[str, UnknownLabel] = {}

    def unknown_in(self, records: Iterable[ArticleRecord | ImportFailure]) -> bool:
        """Tally the records' unknown labels; whether any record so far had one."""
        for record in records:
            if isinstance(record, ImportFailure):
                continue
            for label in sorted(record.labels()):
                if self.label_map.get(label, label) in self.known:
                    continue
                seen = self.unknown.get(label)
                if seen is None:
                    self.unknown[label] = UnknownLabel(label, 1, record.location)
                else:
                    self.unknown[label] = UnknownLabel(label, seen.count + 1, seen.first_location)
        return bool(self.unknown)

    def listed(self) -> list[UnknownLabel]:
        return sorted(self.unknown.values(), key=lambda unknown: unknown.label)


def report_summary(report: DatasetImportReport, *, dry_run: bool) -> str:
    """The one line that ends an import's report (the command's last line, a job's summary)."""
    new = report.new
    summary = (
        f"articles: created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, failed {report.failed}; "
        f"new spans {new.spans}, verdicts {new.verdicts}, predictions {new.predictions}, "
        f"comments {new.comments}, adjudications {new.adjudications}; "
        f"placeholder users {len(report.placeholders)}"
    )
    if report.placeholders:
        summary += f" ({', '.join(sorted(report.placeholders))})"
    return f"dry run, nothing stored: {summary}" if dry_run else summary
