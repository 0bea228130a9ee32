"""Download links of a job's files: a signed, expiring token naming the job and the artifact.

The token alone opens nothing: the download door also asks access_job, so a link forwarded to
someone else, or kept by someone who since lost access to the project, is refused.
"""

from pathlib import PurePosixPath

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext, gettext_lazy, ngettext

from annotate.errors import Gone, NotFound
from annotate.jobs.models import Job

_SIGNER_SALT = "annotate.jobs.download"
MAIN = "file"
ARTIFACT_LABELS = {  # static/js/jobs.js names them the same
    MAIN: gettext_lazy("Download the file"),
    "datasheet": gettext_lazy("Download its datasheet"),
    "config": gettext_lazy("Download the labelling config"),
}


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SIGNER_SALT)


def job_artifacts(job: Job) -> dict[str, str]:
    """The stored files of a done job by artifact: the main `file`, then its companions."""
    if job.status != Job.Status.DONE or job.files_expired_at is not None:
        return {}
    files = {MAIN: job.result_file.name} if job.result_file else {}
    companions = job.result.get("companions") if isinstance(job.result, dict) else None
    if isinstance(companions, dict):
        files |= {key: name for key, name in companions.items() if isinstance(name, str)}
    return files


def job_download_token(*, job: Job, artifact: str = MAIN) -> str:
    return _signer().sign(f"{job.pk}:{artifact}")


def job_download_unsign(token: str) -> tuple[int, str]:
    """(job id, artifact) of a token; NotFound if it was tampered with or has expired."""
    try:
        value = _signer().unsign(token, max_age=settings.JOB_DOWNLOAD_MAX_AGE)
    except signing.SignatureExpired:
        raise NotFound(
            gettext("This download link has expired: open the job again for a new one.")
        ) from None
    except signing.BadSignature:
        raise NotFound(gettext("No such download.")) from None
    job_id, _, artifact = value.partition(":")
    return int(job_id), artifact


def job_download_name(*, job: Job, artifact: str) -> str:
    """The storage name of one of the job's files; NotFound unless the job is done and has it,
    Gone once purge_job_files deleted it."""
    if job.files_expired_at is not None:
        days = settings.JOB_FILES_RETENTION_DAYS
        raise Gone(
            ngettext(
                "This job's files were deleted %(days)s day after it finished: run it again for "
                "a new one.",
                "This job's files were deleted %(days)s days after it finished: run it again for "
                "a new one.",
                days,
            )
            % {"days": days}
        )
    name = job_artifacts(job).get(artifact)
    if not name:
        raise NotFound(gettext("This job has no such file."))
    return name


def download_file_name(storage_name: str) -> str:
    """The name a browser saves the file under (the storage folder left out)."""
    return PurePosixPath(storage_name).name
