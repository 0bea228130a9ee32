"""Recomputing a project's agreement figures as a background job (kind `agreement-recompute`,
editors): started from the quality page's button, the API (`POST .../agreement/recompute/`) and
`manage.py recompute_agreement`, and instead of computing in the request when a project holds
more than AGREEMENT_JOB_VERDICTS submitted verdicts and its figures are not cached (the page and
the API then answer 202 with the job).

The job computes the figures of its filters and puts them in the shared cache, where the page
and the API find them. It writes nothing else: a rerun (a worker lost, a retry) computes and
caches the same figures again, and a second start while one is unfinished joins it.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from annotate.access import Need
from annotate.access.capabilities import REFUSALS, capabilities
from annotate.jobs.kinds import JobOutput, register_job_kind
from annotate.jobs.models import Job
from annotate.jobs.services import job_create
from annotate.models import Project, Verdict
from annotate.quality.formatting import number
from annotate.quality.reports import AgreementFilters
from annotate.quality.selectors import agreement_recompute
from annotate.quality.statistics import NotComputable

AGREEMENT_JOB = "agreement-recompute"


def filters_params(filters: AgreementFilters) -> dict[str, Any]:
    """The filters as JSON for Job.params."""
    return {
        "articles": sorted(set(filters.articles)),
        "submitted_from": filters.submitted_from.isoformat() if filters.submitted_from else None,
        "submitted_to": filters.submitted_to.isoformat() if filters.submitted_to else None,
    }


def filters_from_params(params: dict[str, Any]) -> AgreementFilters:
    def day(value: str | None) -> datetime.date | None:
        return datetime.date.fromisoformat(value) if value else None

    return AgreementFilters(
        articles=tuple(params.get("articles", ())),
        submitted_from=day(params.get("submitted_from")),
        submitted_to=day(params.get("submitted_to")),
    )


def agreement_job_wanted(*, project: Project) -> bool:
    """Whether figures not cached are computed by a job rather than in the request: the project
    holds more than AGREEMENT_JOB_VERDICTS submitted verdicts."""
    limit = settings.AGREEMENT_JOB_VERDICTS
    verdicts = Verdict.objects.filter(
        span__project=project, status=Verdict.Status.SUBMITTED
    ).order_by()
    return verdicts[: limit + 1].count() > limit


@transaction.atomic
def agreement_job_start(
    *, project: Project, actor, filters: AgreementFilters, dispatch: bool = True
) -> Job:
    """A job recomputing the project's figures for these filters: the unfinished one already
    asked for, if any (a reload of the page joins it), else a new one. With dispatch=False, always
    a new one, for the caller to run (the command, in its own process).

    PermissionDenied unless the actor may see the project's agreement figures.
    """
    if not capabilities(project, actor).allows(Need.SEE_QUALITY):
        raise PermissionDenied(REFUSALS[Need.SEE_QUALITY])
    params = filters_params(filters)
    if not dispatch:
        return job_create(
            kind=AGREEMENT_JOB, project=project, actor=actor, params=params, dispatch=False
        )
    unfinished = Job.objects.filter(
        kind=AGREEMENT_JOB,
        project=project,
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING),
        cancel_requested=False,
    ).order_by("pk")
    for job in unfinished:
        if job.params == params:
            return job
    return job_create(kind=AGREEMENT_JOB, project=project, actor=actor, params=params)


def _figure(value) -> float | None:
    return None if value is None or isinstance(value, NotComputable) else float(value)


def agreement_job_run(*, job: Job, progress) -> JobOutput:
    """Compute and cache the figures; progress by verdicts read."""
    report = agreement_recompute(job.project, filters_from_params(job.params), progress=progress)
    return JobOutput(
        result={
            "verdicts": report.verdicts,
            "spans": report.spans,
            "reviewers": len(report.reviewers),
            "alpha_nominal": _figure(report.alpha_nominal),
            "computed_at": report.computed_at.isoformat(),
        }
    )


def agreement_summary(result: dict[str, Any]) -> str:
    return gettext(
        "Figures of %(verdicts)s verdicts on %(spans)s claims ready; Krippendorff's α (nominal) "
        "%(alpha)s."
    ) % {
        "verdicts": result.get("verdicts", 0),
        "spans": result.get("spans", 0),
        "alpha": number(result.get("alpha_nominal")),
    }


register_job_kind(
    AGREEMENT_JOB,
    agreement_job_run,
    need=Need.SEE_QUALITY,
    label=gettext_lazy("Agreement recomputation"),
    summary=agreement_summary,
)
