"""Exports and imports as background jobs, registered from DatasetsConfig.ready: annotate runs
them without importing datasets.

- `dataset-export`: the same export as every other door (`datasets.files.export_file_write`, the
  one pipeline), written to a temporary file, then stored with its datasheet through Django's
  storage API under names of the job's own, so that a rerun (a worker lost mid-job) overwrites
  what an earlier attempt left.
- `dataset-import`: the file (and a Label Studio labelling config) stored by the request under
  `jobs/<id>/input/`, imported by `dataset_import_file`, the command's service, as the editor
  who started it; its report (counts, every failure and note by file:line, the command's
  summary line) kept on the job. The import is one transaction: cancelled or refused, it stores
  nothing; a rerun skips what is stored (restores recognise articles and their annotations).
"""

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from annotate.access import Need
from annotate.jobs.kinds import JobCancelled, JobOutput, register_job_kind
from annotate.jobs.services import job_create
from annotate.models import Job, Project, Verdict
from datasets.datasheet import render_datasheet
from datasets.exporters import export_context, file_name, get_exporter
from datasets.files import export_file_write
from datasets.importers.report import ArticleOutcome, DatasetImportReport, report_summary
from datasets.importers.service import ImportOptions, ImportRefused, dataset_import_file
from datasets.options import ExportOptions
from datasets.records import ArticleRecord, export_articles

EXPORT_JOB = "dataset-export"
IMPORT_JOB = "dataset-import"


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


register_job_kind(
    EXPORT_JOB, export_job_run, need=Need.EXPORT, label=gettext_lazy("Dataset export")
)


def _stored_input(job: Job, upload, folder: str) -> dict[str, str]:
    # The name the person knows names the file in the report (and, for doccano, the reviewer
    # its labels belong to by default); the storage may keep it under a safer one.
    name = Path(upload.name or "").name or "upload"
    if name in {".", ".."}:
        name = "upload"
    return {"name": name, "stored": default_storage.save(f"{folder}/{name}", upload)}


@transaction.atomic  # dispatched on commit: once the files are stored
def import_job_start(
    *, project: Project, actor, upload, options: ImportOptions, label_config=None
) -> Job:
    """A queued import of an uploaded dataset file into the project; the file (and the labelling
    config) stored first, under the job's own folder. PermissionDenied unless the actor is an
    editor of the project (the kind's need)."""
    params = dataclasses.asdict(options)
    params["label_config"] = None
    job = job_create(kind=IMPORT_JOB, project=project, actor=actor, params=params)
    folder = f"jobs/{job.pk}/input"
    stored = []
    try:
        stored.append(_stored_input(job, upload, f"{folder}/file"))
        if label_config is not None:
            stored.append(_stored_input(job, label_config, f"{folder}/config"))
    except BaseException:
        for entry in stored:
            default_storage.delete(entry["stored"])
        raise
    job.params = {
        **params,
        "file": stored[0],
        "label_config": stored[1] if label_config is not None else None,
    }
    job.save(update_fields=["params"])
    return job


def _copy_in(entry: dict[str, str], folder: Path) -> Path:
    """A stored input as a local file under its own name (the readers read paths)."""
    folder.mkdir(parents=True)
    path = folder / entry["name"]
    with default_storage.open(entry["stored"], "rb") as stored, path.open("wb") as local:
        for chunk in stored.chunks():
            local.write(chunk)
    return path


def import_report_result(
    report: DatasetImportReport, *, notes: list[str], dry_run: bool, local: str, name: str
) -> dict[str, Any]:
    """The report as JSON for Job.result, every location naming the file as uploaded."""

    def named(text: str) -> str:
        return text.replace(local, name)

    new = report.new
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "failed": report.failed,
        "new": {field.name: getattr(new, field.name) for field in dataclasses.fields(new)},
        "placeholders": sorted(report.placeholders),
        "failures": [
            {"location": named(failure.location), "reason": named(failure.reason)}
            for failure in report.failures
        ],
        "notes": [named(note) for note in [*notes, *(f"{local}: {n}" for n in report.notes)]],
        "dry_run": dry_run,
        "summary": report_summary(report, dry_run=dry_run),
    }


def _inputs_delete(job: Job) -> None:
    for key in ("file", "label_config"):
        if entry := job.params.get(key):
            default_storage.delete(entry["stored"])


def import_job_run(*, job: Job, progress) -> JobOutput:
    """The import of a job: the stored file read once into the project, in one transaction;
    progress by articles, a cancel stopping it between them (nothing stored)."""
    params = job.params
    done = 0
    notes: list[str] = []

    def on_result(outcome: ArticleOutcome) -> None:
        nonlocal done
        done += 1
        notes.extend(f"{outcome.location}: {note}" for note in outcome.notes)
        progress(done)

    with tempfile.TemporaryDirectory(prefix="import-job-") as scratch:
        path = _copy_in(params["file"], Path(scratch, "file"))
        config = params.get("label_config")
        options = ImportOptions(
            fmt=params["fmt"],
            dry_run=params["dry_run"],
            offset_unit=params["offset_unit"],
            reviewer=params["reviewer"],
            label_config=_copy_in(config, Path(scratch, "config")) if config else None,
            map_label=tuple(params["map_label"]),
        )
        progress(0)
        try:
            report = dataset_import_file(
                path,
                project_slug=job.project.slug,
                options=options,
                on_result=on_result,
                actor=job.created_by,
            )
        except ImportRefused as error:
            _inputs_delete(job)  # refused as asked: a rerun would be refused the same
            raise ValidationError(str(error).replace(str(path), params["file"]["name"])) from None
        except JobCancelled:
            _inputs_delete(job)
            raise
    _inputs_delete(job)
    return JobOutput(
        result=import_report_result(
            report,
            notes=notes,
            dry_run=options.dry_run,
            local=str(path),
            name=params["file"]["name"],
        )
    )


register_job_kind(
    IMPORT_JOB, import_job_run, need=Need.MANAGE, label=gettext_lazy("Dataset import")
)
