"""Reads of jobs: which a user may see, in one query with their role.

A job is visible to the members of its project whose role has the kind's need (exports: editors,
whose data they hold); a kind no longer registered, to editors. annotate.access.access_job
fetches one and authorizes the caller.
"""

from django.db.models import F, Q, QuerySet

from annotate.access.capabilities import NEEDS_BY_ROLE, Need, capabilities
from annotate.access.roles import User
from annotate.jobs.kinds import job_kind, job_kinds
from annotate.jobs.models import Job


def _roles_with(need: Need) -> list[str]:
    return [role for role, needs in NEEDS_BY_ROLE.items() if need in needs]


def _visible() -> Q:
    """Over `caller_role`: the role has the need of the job's kind."""
    kinds = job_kinds()
    visible = Q(pk__in=[])
    for need in Need:
        names = [name for name, kind in kinds.items() if kind.need == need]
        if names:
            visible |= Q(kind__in=names, caller_role__in=_roles_with(need))
    return visible | (~Q(kind__in=list(kinds)) & Q(caller_role__in=_roles_with(Need.MANAGE)))


def jobs_visible_to(
    *, user: User, project_id: int | None = None, status: str | None = None
) -> QuerySet[Job]:
    """The jobs the user may see, newest first, with their starter and project; `caller_role`
    is the user's role in each job's project."""
    if not user.is_authenticated:
        return Job.objects.none()
    jobs = (
        Job.objects.filter(project__memberships__user=user)
        .annotate(caller_role=F("project__memberships__role"))
        .filter(_visible())
        .select_related("created_by", "project")
    )
    if project_id is not None:
        jobs = jobs.filter(project_id=project_id)
    if status:
        jobs = jobs.filter(status=status)
    return jobs.order_by("-created_at", "-pk")


def job_for_user(*, user: User, pk: int) -> Job:
    """One job the user may see; Job.DoesNotExist otherwise, so others' jobs look absent."""
    return jobs_visible_to(user=user).get(pk=pk)


def job_cancellable_by(*, job: Job, user: User) -> bool:
    """Whether the user may cancel the job: a project editor, or its starter while their role
    still has the kind's need. No query when the role was read with the job (access_job)."""
    caps = capabilities(job.project, user)
    if caps.allows(Need.MANAGE):
        return True
    starter = job.created_by_id is not None and job.created_by_id == user.pk
    try:
        need = job_kind(job.kind).need
    except LookupError:
        return False
    return starter and caps.allows(need)
