"""Adding articles to a project as a background job (kind `article-import`): files and web pages
sent through the Add articles page (or a large bulk through the API), imported by the one
project import (`project_import_articles`), with its per-input report kept on the job.

The request stores the files through Django's storage API under `jobs/<id>/input/` before the
job is dispatched (job_create dispatches on commit), so no request holds them for the job and any
engine (a thread, a worker on another machine) reads them from the storage. Fetching by URL
happens in the job only, never in the request.

A rerun (a worker lost mid-job) imports the same inputs again: articles are recognised by the
hash of their text, so what the first attempt stored is reported "already stored" and nothing is
stored twice. Cancel is cooperative between files, URLs and batches of BATCH inputs; what was
stored before it stays in the project, as with an import cut short.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from annotate.access import Need
from annotate.jobs.kinds import JobCancelled, JobOutput, register_job_kind
from annotate.jobs.models import Job
from annotate.jobs.services import job_create
from annotate.projects.models import Project
from annotate.projects.services import project_import_articles
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.importers.uploads import read_uploads
from corpus.importers.web import read_urls
from corpus.services import ImportReport, ImportResult, ImportStatus

ARTICLE_IMPORT_JOB = "article-import"

# Within a file, progress (and a cancel request) is read once every this many inputs: the
# import stores them in batches of this size.
BATCH = 500

# The report keeps every failure but only the first imported inputs (the page lists them).
IMPORTED_KEPT = 200


def input_folder(job: Job) -> str:
    return f"jobs/{job.pk}/input"


@transaction.atomic
def article_import_job_start(
    *,
    project: Project,
    actor,
    uploads: Sequence[UploadedFile | File] = (),
    urls: Sequence[str] = (),
) -> Job:
    """A queued import of files and URLs into the project; the files are stored first.

    PermissionDenied unless the actor may manage the project's articles (job_create checks the
    kind's need). If storing a file fails, neither the job nor any file stored so far remains.
    """
    job = job_create(
        kind=ARTICLE_IMPORT_JOB,
        project=project,
        actor=actor,
        params={"files": [], "urls": list(urls)},
        total=len(uploads) + len(urls),
    )
    files: list[dict[str, str]] = []
    try:
        for number, upload in enumerate(uploads):
            # The name the person knows (Django keeps only the base name of an upload) names the
            # file in the report; the storage may store it under a safer one.
            name = Path(upload.name or "").name or "upload"
            if name in {".", ".."}:
                name = "upload"
            stored = default_storage.save(f"{input_folder(job)}/{number}/{name}", upload)
            files.append({"name": name, "stored": stored})
    except BaseException:
        for entry in files:
            default_storage.delete(entry["stored"])
        raise
    job.params = {**job.params, "files": files}
    job.save(update_fields=["params"])
    return job


def _drafts(job: Job, progress) -> Iterator[ArticleDraft | ImportFailure]:
    """Every input of the job in turn: stored files, then URLs; progress by inputs done."""
    files: list[dict[str, str]] = job.params.get("files", [])
    urls: list[str] = job.params.get("urls", [])
    total = len(files) + len(urls)
    done = 0
    progress(done, total)
    for entry in files:
        if not default_storage.exists(entry["stored"]):
            # Only after an earlier attempt imported everything and removed its inputs, then
            # lost its worker before it could say so: what it stored is in the project.
            yield ImportFailure(
                entry["name"],
                gettext("no longer stored: an earlier attempt of this job imported it"),
            )
        else:
            with default_storage.open(entry["stored"], "rb") as stored:
                for count, draft in enumerate(
                    read_uploads([File(stored, name=entry["name"])]), start=1
                ):
                    yield draft
                    if count % BATCH == 0:
                        progress(done, total)
        done += 1
        progress(done, total)
    for draft in read_urls(urls):
        yield draft
        done += 1
        progress(done, total)


def _inputs_delete(job: Job) -> None:
    for entry in job.params.get("files", []):
        default_storage.delete(entry["stored"])


def import_report_result(report: ImportReport, results: list[ImportResult]) -> dict[str, Any]:
    """The report as JSON for Job.result: counts, every failure by location, and the first
    IMPORTED_KEPT inputs imported with their articles."""
    imported = [r for r in results if r.status is not ImportStatus.FAILED]
    return {
        "created": report.created,
        "unchanged": report.unchanged,
        "failed": report.failed,
        "failures": [
            {"location": failure.location, "reason": failure.reason} for failure in report.failures
        ],
        "imported": [
            {"location": r.location, "status": r.status.value, "article": r.article_id}
            for r in imported[:IMPORTED_KEPT]
        ],
    }


def article_import_job_run(*, job: Job, progress) -> JobOutput:
    """Import the job's stored files and its URLs into its project, as its starter."""
    results: list[ImportResult] = []
    try:
        report = project_import_articles(
            project=job.project,
            actor=job.created_by,
            items=_drafts(job, progress),
            on_result=results.append,
        )
    except JobCancelled:
        _inputs_delete(job)  # a cancelled job never runs again
        raise
    # Other errors keep the inputs: a retry (a transient error) reads them again.
    _inputs_delete(job)
    return JobOutput(result=import_report_result(report, results))


register_job_kind(
    ARTICLE_IMPORT_JOB,
    article_import_job_run,
    need=Need.MANAGE,
    label=gettext_lazy("Article import"),
)
