"""An export written to disk (the command's door): the data file, its datasheet and its config.

The other doors send the same pieces over HTTP (`datasets.responses`); this module is for the
operator who exports to files on the server.
"""

import datetime
from collections.abc import Callable
from pathlib import Path

from datasets.datasheet import render_datasheet
from datasets.exporters import Exporter, export_text
from datasets.records import ArticleRecord, ExportContext


def export_file_write(
    *,
    context: ExportContext,
    path: Path,
    progress: Callable[[ArticleRecord], None] | None = None,
) -> None:
    """Stream the export into `path` (its folder created if missing), piece by piece."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pieces = export_text(
        project=context.project,
        fmt=context.fmt,
        options=context.options,
        context=context,
        progress=progress,
    )
    with path.open("wb") as target:
        for piece in pieces:
            target.write(piece.encode())


def export_companions_write(
    *,
    context: ExportContext,
    exporter: Exporter,
    data_path: str | None,
    datasheet_path: str | None,
    exported_at: datetime.datetime,
) -> list[str]:
    """After the export ran: its datasheet (if asked for) and its labelling config (beside a
    data file, for formats that have one). The paths written, in that order, as given."""
    written = []
    if datasheet_path:
        name = "-" if data_path is None else Path(data_path).name
        datasheet = render_datasheet(
            context=context, exporter=exporter, file_name=name, exported_at=exported_at
        )
        Path(datasheet_path).write_text(datasheet, encoding="utf-8")
        written.append(datasheet_path)
    if exporter.config is not None and data_path is not None:
        config_path = f"{data_path}.config.xml"
        Path(config_path).write_text(exporter.config(context.project), encoding="utf-8")
        written.append(config_path)
    return written
