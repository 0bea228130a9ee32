"""The export registry and pipeline, after doccano: selector -> row formatter -> writer.

`datasets.records.article_records` reads (one shared selector); each format module turns an
article record into rows (`format_row`) and serialises rows (`write`); `dataset_export` streams
one through the other for every door (command, API, export page, admin action). A new format is
one module calling `register(Exporter(...))`, imported at the bottom of this file, plus a
round-trip test. Nothing is built in memory: text leaves in pieces of about 64 KB.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from annotate.access import capabilities
from annotate.models import Project
from datasets.options import LABEL_MODES, ExportOptions
from datasets.records import ArticleRecord, ExportContext, ExportStats, article_records

Row = Any  # a dict for JSON formats, a list of cells for CSV
CHUNK_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Exporter:
    name: str  # the slug in URLs, options and commands
    title: str  # what people read in the export page's choices
    media_type: str
    extension: str
    format_row: Callable[[ArticleRecord, ExportContext], Iterable[Row]]
    write: Callable[[Iterable[Row], ExportContext], Iterator[str]]
    description: str
    head: Callable[[ExportContext], Iterable[Row]] | None = None  # rows before the articles
    tail: Callable[[ExportContext], Iterable[Row]] | None = None  # rows after them
    claim_details: bool = False  # spans carry how they were linked and their match decisions
    default_labels: str = "all"
    label_modes: tuple[str, ...] = LABEL_MODES
    config: Callable[[Project], str] | None = None  # a second artifact (Label Studio's XML)
    config_media_type: str = "application/xml"


_REGISTRY: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    if exporter.name in _REGISTRY:
        raise ValueError(f"Format {exporter.name!r} is registered twice.")
    _REGISTRY[exporter.name] = exporter
    return exporter


def formats() -> list[str]:
    return list(_REGISTRY)


def format_choices() -> list[tuple[str, str]]:
    """(slug, title) for every format, for forms."""
    return [(name, exporter.title) for name, exporter in _REGISTRY.items()]


def get_exporter(fmt: str) -> Exporter:
    try:
        return _REGISTRY[fmt]
    except KeyError:
        raise ValidationError(
            {"format": f"Unknown format {fmt!r}: {', '.join(_REGISTRY)}."}
        ) from None


def export_context(
    *, project: Project, fmt: str, options: ExportOptions, actor=None
) -> ExportContext:
    """Check the options (and that only an editor asks for real names) and gather the people."""
    exporter = get_exporter(fmt)
    options.check(label_modes=exporter.label_modes)
    # The command runs as the server's operator (actor None); every other door names its user.
    if (
        options.real_names
        and actor is not None
        and not capabilities(project, actor).may_export_real_names
    ):
        raise PermissionDenied(gettext("Only a project editor may export real usernames."))
    labels = options.labels or exporter.default_labels
    return ExportContext(
        project=project,
        fmt=fmt,
        options=options,
        labels=labels,
        claim_details=exporter.claim_details,
    )


def export_text(
    *,
    project: Project,
    fmt: str,
    options: ExportOptions,
    actor=None,
    context: ExportContext | None = None,
    progress: Callable[[ArticleRecord], None] | None = None,
) -> Iterator[str]:
    """The export as text pieces of about CHUNK_CHARS, read from the database as they go.

    Options are checked before the first piece: errors surface before a response starts.
    """
    exporter = get_exporter(fmt)
    context = context or export_context(project=project, fmt=fmt, options=options, actor=actor)
    return _pieces(exporter, context, progress)


def _pieces(exporter: Exporter, context: ExportContext, progress: Callable | None) -> Iterator[str]:
    stats = context.stats

    def rows() -> Iterator[Row]:
        if exporter.head is not None:
            yield from exporter.head(context)
        for article in article_records(context=context):
            stats.count(article, [context.label_rows(span) for span in article.spans])
            for row in exporter.format_row(article, context):
                stats.rows += 1
                yield row
            if progress is not None:
                progress(article)
        if exporter.tail is not None:
            for row in exporter.tail(context):
                stats.rows += 1
                yield row

    pending: list[str] = []
    size = 0
    for piece in exporter.write(rows(), context):
        pending.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(pending)
            pending.clear()
            size = 0
    if pending:
        yield "".join(pending)


def export_bytes(**kwargs) -> Iterator[bytes]:
    """`export_text` encoded as UTF-8 (each piece holds whole characters)."""
    return (piece.encode() for piece in export_text(**kwargs))


def dataset_export(
    *,
    project: Project,
    fmt: str,
    out: BinaryIO,
    options: ExportOptions,
    actor=None,
    progress: Callable[[ArticleRecord], None] | None = None,
) -> ExportStats:
    """Stream one format of a project's dataset into a binary file; what it wrote, counted."""
    context = export_context(project=project, fmt=fmt, options=options, actor=actor)
    for piece in export_text(
        project=project, fmt=fmt, options=options, context=context, progress=progress
    ):
        out.write(piece.encode())
    return context.stats


def export_stats(*, project: Project, fmt: str, options: ExportOptions, actor=None) -> ExportStats:
    """Run an export into nothing and count it (the datasheet of an export not kept)."""
    context = export_context(project=project, fmt=fmt, options=options, actor=actor)
    for _ in export_text(project=project, fmt=fmt, options=options, context=context):
        pass
    return context.stats


def file_name(*, project: Project, exporter: Exporter, artifact: str = "data") -> str:
    base = f"{project.slug}-{exporter.name}"
    if artifact == "datasheet":
        return f"{base}.{exporter.extension}.datasheet.md"
    if artifact == "config":
        return f"{base}.config.xml"
    return f"{base}.{exporter.extension}"


# The formats register themselves on import.
from datasets.exporters import (  # noqa: E402
    claimreview,
    csv,
    doccano,
    fever,
    label_studio,
    native,
    w3c,
)

__all__ = [
    "Exporter",
    "claimreview",
    "csv",
    "dataset_export",
    "doccano",
    "export_bytes",
    "export_context",
    "export_stats",
    "export_text",
    "fever",
    "file_name",
    "formats",
    "get_exporter",
    "label_studio",
    "native",
    "register",
    "w3c",
]
