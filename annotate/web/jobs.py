"""The Jobs pages: a project's background jobs with live progress (static/js/jobs.js polls the
job API), one job's page, and cancel (POST, CSRF). Downloads go through the job API's signed,
expiring links, which also check that the caller may still see the job."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from annotate.access import Need, access_job, access_project, capabilities, remember_role
from annotate.jobs import downloads, selectors, services
from annotate.jobs.kinds import job_kinds
from annotate.jobs.links import job_api_url, job_download_url
from annotate.models import Job
from annotate.projects.intake import ARTICLE_IMPORT_JOB
from annotate.web.intake import import_report_context

JOBS_SHOWN = 100  # the project's most recent jobs on its page


def _links(jobs: list[Job], user) -> None:
    """Each job's API URL (polled by jobs.js), download links and whether the user may cancel
    it, computed once here (no query: the role came with the jobs)."""
    for job in jobs:
        remember_role(job.project, user, job.caller_role)
        job.api_url = job_api_url(job)
        kind = job_kinds().get(job.kind)
        job.kind_label = kind.label if kind else job.kind
        job.summary = (
            kind.summary(job.result)
            if kind and kind.summary and job.status == Job.Status.DONE
            else ""
        )
        # Pages reload once such a job is done, to show its summary (jobs.js).
        job.reload_when_finished = bool(kind and kind.summary) or job.kind == ARTICLE_IMPORT_JOB
        job.download_links = [
            (downloads.ARTIFACT_LABELS.get(artifact, artifact), job_download_url(job, artifact))
            for artifact in downloads.job_artifacts(job)
        ]
        job.may_cancel = not job.is_finished and selectors.job_cancellable_by(job=job, user=user)


@login_required
@never_cache  # download links expire; a cached page would hold stale ones
def project_jobs(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.READ)
    services.jobs_mark_lost(project_ids=[project.pk])
    jobs = list(selectors.jobs_visible_to(user=request.user, project_id=project.pk)[:JOBS_SHOWN])
    _links(jobs, request.user)
    return render(
        request,
        "annotate/jobs.html",
        {
            "project": project,
            "jobs": jobs,
            "capabilities": capabilities(project, request.user),
            "max_age_hours": int(settings.JOB_DOWNLOAD_MAX_AGE.total_seconds() // 3600),
            "retention_days": settings.JOB_FILES_RETENTION_DAYS,
        },
    )


@login_required
@never_cache
def job_detail(request: HttpRequest, job_pk: int) -> HttpResponse:
    services.jobs_mark_lost()
    job = access_job(request.user, job_pk)
    _links([job], request.user)
    context = {
        "job": job,
        "project": job.project,
        "retention_days": settings.JOB_FILES_RETENTION_DAYS,
        # An import's report and a kind's summary are rendered here once it is done: jobs.js
        # reloads the page then.
        "reload_when_finished": job.reload_when_finished,
        **import_report_context(job),
    }
    return render(request, "annotate/job.html", context)


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_pk: int) -> HttpResponse:
    job = access_job(request.user, job_pk)
    try:
        services.job_cancel_request(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("annotate:job", job.pk)
