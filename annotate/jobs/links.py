"""Where a job is polled and its files downloaded: the URLs every door hands out (the API's
outputs, the Jobs pages, the export doors' 202), built in one place so no door imports another."""

from django.urls import reverse

from annotate.jobs import downloads
from annotate.jobs.models import Job


def job_api_url(job: Job, request=None) -> str:
    url = reverse("api:job-detail", args=[job.pk])
    return request.build_absolute_uri(url) if request is not None else url


def job_download_url(job: Job, artifact: str, request=None) -> str:
    """A signed link to one of the job's files, valid for JOB_DOWNLOAD_MAX_AGE."""
    token = downloads.job_download_token(job=job, artifact=artifact)
    url = reverse("api:job-download", args=[token])
    return request.build_absolute_uri(url) if request is not None else url
