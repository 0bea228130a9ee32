"""Exports as background jobs (kind `dataset-export`): the same export as every other door
(`datasets.files.export_file_write`, the one pipeline), written to a temporary file, then stored
with its datasheet through Django's storage API under names of the job's own, so that a rerun
(a worker lost mid-job) overwrites what an earlier attempt left. Registered from
DatasetsConfig.ready: annotate runs it without importing datasets.
"""

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from annotate.access import Need
from annotate.jobs.kinds import JobOutput, register_job_kind
from annotate.jobs.services import job_create
from annotate.models import Job, Project, Verdict
from datasets.datasheet import render_datasheet
from datasets.exporters import export_context, file_name, get_exporter
from datasets.files import export_file_write
from datasets.options import ExportOptions
from datasets.records import ArticleRecord, export_articles

EXPORT_JOB = "dataset-export"


def options_params(options: ExportOptions) -> dict[str, Any]:
    """The options as JSON for Job.params (tuples become lists)."""
    return dataclasses.asdict(options)


def options_from_params(params: dict[str, Any]) -> ExportOptions:
    """Job.params' options back as ExportOptions (unknown keys refused by the dataclass)."""
    given = dict(params)
    given["articles"] = tuple(given.get("articles", ()))
    given["statuses"] = tuple(given.get("statuses", ()))
    given["fever_map"] = tuple(tuple(pair) for pair in given.get("fever_map", ()))
    return ExportOptions(**given)


def export_job_wanted(*, project: Project, asked: bool) -> bool:
    """Run the export as a job: asked for, or the project holds more than EXPORT_JOB_THRESHOLD
    verdicts (smaller ones still stream in the response)."""
    if asked:
        return True
    verdicts = Verdict.objects.filter(span__project=project).order_by()
    return verdicts[: settings.EXPORT_JOB_THRESHOLD + 1].count() > settings.EXPORT_JOB_THRESHOLD


def export_job_start(*, project: Project, fmt: str, options: ExportOptions, actor) -> Job:
    """A queued export job. The options (and real names for an editor only) are checked now,
    so that a bad request is refused at once rather than failing in the background."""
    export_context(project=project, fmt=fmt, options=options, actor=actor)
    return job_create(
        kind=EXPORT_JOB,
        project=project,
        actor=actor,
        params={"format": fmt, "options": options_params(options)},
        total=export_articles(project=project, options=options).count(),
    )


def _store(name: str, content: File) -> str:
    """Save under exactly `name`, replacing an earlier attempt's file (storages rename instead)."""
    default_storage.delete(name)
    return default_storage.save(name, content)


def export_job_run(*, job: Job, progress) -> JobOutput:
    """The export of a job: the file, its datasheet (and Label Studio's config), stored whole
    once written; progress by articles, stopping between them when cancelled."""
    fmt = job.params["format"]
    options = options_from_params(job.params["options"])
    exporter = get_exporter(fmt)
    started = timezone.now()
    context = export_context(project=job.project, fmt=fmt, options=options, actor=job.created_by)
    total = export_articles(project=job.project, options=options).count()
    progress(0, total)
    done = 0

    def step(article: ArticleRecord) -> None:
        nonlocal done
        done += 1
        progress(done, total)

    name = file_name(project=job.project, exporter=exporter)
    folder = f"jobs/{job.pk}"
    companions = {}
    with tempfile.TemporaryDirectory(prefix="export-job-") as scratch:
        path = Path(scratch) / name
        export_file_write(context=context, path=path, progress=step)
        with path.open("rb") as data:
            stored = _store(f"{folder}/{name}", File(data, name=name))
        datasheet = render_datasheet(
            context=context, exporter=exporter, file_name=name, exported_at=started
        )
        companions["datasheet"] = _store(
            f"{folder}/{name}.datasheet.md", ContentFile(datasheet.encode())
        )
        if exporter.config is not None:
            config = exporter.config(job.project).encode()
            companions["config"] = _store(f"{folder}/{name}.config.xml", ContentFile(config))
    stats = context.stats
    return JobOutput(
        result={
            "format": fmt,
            "file_name": name,
            "articles": stats.articles,
            "spans": stats.spans,
            "verdicts": stats.verdicts,
            "rows": stats.rows,
        },
        file_name=stored,
        companions=companions,
    )


register_job_kind(EXPORT_JOB, export_job_run, need=Need.EXPORT, label="Dataset export")
