"""Writes of jobs: creating one (dispatched when it commits) and every change of its state.

The runner calls job_start, job_progress, job_finish, job_fail and job_cancelled with the attempt
it runs: a write of a stale attempt (a worker presumed lost that was only slow) changes nothing.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from annotate.access.capabilities import REFUSALS, capabilities
from annotate.access.roles import User
from annotate.jobs.kinds import job_kind
from annotate.jobs.models import Job
from annotate.jobs.selectors import job_cancellable_by
from annotate.projects.models import Project
from annotate.webhooks import payloads
from annotate.webhooks.events import webhook_emit
from annotate.webhooks.models import EventType

Status = Job.Status


@transaction.atomic
def job_create(
    *,
    kind: str,
    project: Project,
    actor: User,
    params: dict[str, Any],
    total: int | None = None,
    dispatch: bool = True,
) -> Job:
    """A queued job of a registered kind, run once the transaction commits (runner.job_dispatch),
    or, with dispatch=False, by the caller (a command running it in its own process: run_job).

    PermissionDenied unless the actor's role in the project has the kind's need.
    """
    need = job_kind(kind).need
    if not capabilities(project, actor).allows(need):
        raise PermissionDenied(REFUSALS[need])
    job = Job(kind=kind, project=project, created_by=actor, params=params, total=total)
    job.full_clean()
    job.save()

    def job_dispatch_on_commit() -> None:
        from annotate.jobs.runner import job_dispatch  # the runner calls these services

        job_dispatch(job.pk)

    if dispatch:
        transaction.on_commit(job_dispatch_on_commit)
    return job


@transaction.atomic
def job_queued_join(
    *, kind: str, project: Project, merge: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> Job | None:
    """The oldest job of this kind and project that has not started, its params replaced by
    `merge(params)` (None: leave it, and answer None). Its row stays locked until the caller's
    transaction ends, and job_start takes the same lock: the job cannot start in between and
    miss what the caller adds."""
    job = (
        Job.objects.select_for_update(of=("self",))
        .filter(kind=kind, project=project, status=Status.QUEUED, cancel_requested=False)
        .order_by("pk")
        .first()
    )
    if job is None:
        return None
    params = merge(dict(job.params))
    if params is None:
        return None
    job.params = params
    job.save(update_fields=["params"])
    return job


@transaction.atomic
def job_start(*, job_id: int) -> Job | None:
    """The job, now running as a new attempt; None if there is nothing to run: unknown, finished
    (a redelivered message), cancelled while queued, or given up after JOB_MAX_ATTEMPTS starts.

    A job found running lost its worker (acks_late redelivered it) or is retried: it restarts from
    scratch, its progress reset, since handlers write their output whole at the end.
    """
    job = (
        Job.objects.select_for_update(of=("self",))
        .select_related("project", "created_by")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.status not in (Status.QUEUED, Status.RUNNING):
        return None
    now = timezone.now()
    if job.cancel_requested:
        job.status, job.finished_at = Status.CANCELLED, now
        job.save(update_fields=["status", "finished_at"])
        return None
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        job.status, job.finished_at = Status.FAILED, now
        job.error = _(
            "Gave up after %(attempts)s attempts: the worker running it was lost each time "
            "(last error: %(error)s)."
        ) % {"attempts": job.attempts, "error": job.error or _("none recorded")}
        job.save(update_fields=["status", "finished_at", "error"])
        return None
    job.status, job.attempts, job.done = Status.RUNNING, job.attempts + 1, 0
    job.started_at = job.heartbeat_at = now
    job.finished_at = None
    job.save(
        update_fields=["status", "attempts", "done", "started_at", "heartbeat_at", "finished_at"]
    )
    return job


def _this_attempt(job: Job):
    return Job.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=job.attempts)


def job_progress(*, job: Job, done: int, total: int | None = None) -> bool:
    """Record progress (and the heartbeat); whether the job should stop: cancel was requested,
    or the job is no longer this attempt's (failed as lost, cancelled, run again elsewhere)."""
    fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if total is not None:
        job.total = total
        fields["total"] = total
    job.done = min(done, job.total) if job.total is not None else done
    fields["done"] = job.done
    if not _this_attempt(job).update(**fields):
        return True
    return Job.objects.filter(pk=job.pk).values_list("cancel_requested", flat=True).get()


def _emit_finished(job: Job, status: str, error: str = "") -> None:
    webhook_emit(
        project_id=job.project_id,
        type=EventType.JOB_FINISHED,
        subject=f"job:{job.pk}",
        data=payloads.job_data(job, status=status, error=error),
    )


@transaction.atomic
def job_finish(*, job: Job, result: dict[str, Any], result_file: str = "") -> bool:
    """Done, with its report and file; False if this attempt no longer owns the job."""
    now = timezone.now()
    finished = bool(
        _this_attempt(job).update(
            status=Status.DONE,
            result=result,
            result_file=result_file,
            done=Coalesce("total", "done"),
            heartbeat_at=now,
            finished_at=now,
            error="",
        )
    )
    if finished:
        _emit_finished(job, Status.DONE)
    return finished


@transaction.atomic
def job_fail(*, job: Job, error: str) -> bool:
    """Failed with its reason; False if this attempt no longer owns the job."""
    now = timezone.now()
    failed = bool(
        _this_attempt(job).update(
            status=Status.FAILED, error=error[:10_000], heartbeat_at=now, finished_at=now
        )
    )
    if failed:
        _emit_finished(job, Status.FAILED, error[:10_000])
    return failed


def job_result_keep(*, job: Job, result: dict[str, Any]) -> bool:
    """Store a handler's report before it returns, in the handler's own transaction, so that the
    report commits (or rolls back) with the work: a rerun after a lost worker finds it there and
    does not do the work again. False if this attempt no longer owns the job."""
    job.result = result
    return bool(_this_attempt(job).update(result=result))


def job_note_error(*, job: Job, error: str) -> None:
    """Keep a transient error on a job about to be retried (shown while it waits)."""
    message = _("Retrying after: %(error)s") % {"error": error}
    _this_attempt(job).update(error=message[:10_000])


def job_fail_unstarted(*, job_id: int, error: str) -> bool:
    """A queued job that could not be handed to its engine (the broker unreachable): failed."""
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.FAILED, error=error[:10_000], finished_at=now
        )
    )


@transaction.atomic
def job_cancelled(*, job: Job) -> bool:
    """The handler stopped on a cancel request: cancelled, its partial output discarded."""
    now = timezone.now()
    cancelled = bool(
        _this_attempt(job).update(status=Status.CANCELLED, heartbeat_at=now, finished_at=now)
    )
    if cancelled:
        _emit_finished(job, Status.CANCELLED)
    return cancelled


@transaction.atomic
def job_cancel_request(*, job: Job, actor: User) -> Job:
    """Ask a job to stop: a queued one is cancelled at once, a running one stops at its next
    progress report (cooperative). Cancelling a cancelled job changes nothing.

    PermissionDenied unless the actor started it or manages the project (and still may see it);
    ValidationError for a job that is done or failed.
    """
    locked = Job.objects.select_for_update().get(pk=job.pk)
    locked.project = job.project  # with the actor's role, if access_job read it
    if not job_cancellable_by(job=locked, user=actor):
        raise PermissionDenied(_("Only the job's starter or a project editor may cancel it."))
    if locked.status == Status.CANCELLED:
        return locked
    if locked.is_finished:
        raise ValidationError(
            {
                "status": _("This job is finished already (%(status)s).")
                % {"status": locked.get_status_display().lower()}
            }
        )
    locked.cancel_requested = True
    fields = ["cancel_requested"]
    if locked.status == Status.QUEUED:
        locked.status, locked.finished_at = Status.CANCELLED, timezone.now()
        fields += ["status", "finished_at"]
        _emit_finished(locked, Status.CANCELLED)
    locked.save(update_fields=fields)
    return locked


def jobs_requeue_lost(*, project_ids: list[int] | None = None) -> list[int]:
    """With a broker: put back in the queue the jobs whose worker died mid-run (running, no
    heartbeat for JOB_REQUEUE_AFTER_S) and dispatch them again on commit; their ids.

    Redis hands a dead worker's unacknowledged message to another only after the visibility
    timeout, which must outlast the longest job (an hour by default): a worker killed mid-export
    left its job running, untouched, for that long (bench/soak.py). The heartbeat says sooner.
    Should the worker only have been slow, its attempt can no longer write (services filter by
    status and attempt) and stops at its next progress report; the rerun starts from scratch.
    """
    if not settings.CELERY_BROKER_URL:
        return []  # thread mode: the job died with its web process; jobs_mark_lost fails it
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.JOB_REQUEUE_AFTER_S)
    stale = Job.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff)
    if project_ids is not None:
        stale = stale.filter(project_id__in=project_ids)
    if not stale.exists():  # the usual answer, without a transaction on every read of jobs
        return []
    with transaction.atomic():
        # Locked rows are being started or finished right now, hence not lost; two readers
        # sweeping at once requeue each job once.
        ids = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
        Job.objects.filter(pk__in=ids).update(
            status=Status.QUEUED,
            error=_("Requeued: its worker was lost (no heartbeat for more than %(seconds)s s).")
            % {"seconds": settings.JOB_REQUEUE_AFTER_S},
        )

        def dispatch() -> None:
            from annotate.jobs.runner import job_dispatch  # the runner calls these services

            for job_id in ids:
                job_dispatch(job_id)

        transaction.on_commit(dispatch)
    return ids


def jobs_mark_lost(*, project_ids: list[int] | None = None) -> int:
    """Fail the jobs whose engine died: running with no progress for JOB_LOST_AFTER_S, or (thread
    mode, where nothing else would run them) queued that long. How many were marked. With a
    broker, jobs_requeue_lost has put such jobs back in the queue long before.

    Called where jobs are listed and read, so no job is shown running forever.
    """
    jobs_requeue_lost(project_ids=project_ids)
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.JOB_LOST_AFTER_S)
    lost = Q(status=Status.RUNNING, heartbeat_at__lt=cutoff)
    if not settings.CELERY_BROKER_URL:
        lost |= Q(status=Status.QUEUED, created_at__lt=cutoff)
    jobs = Job.objects.filter(lost)
    if project_ids is not None:
        jobs = jobs.filter(project_id__in=project_ids)
    return jobs.update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        error=_(
            "Worker lost: no progress for more than %(seconds)s s "
            "(the process running the job stopped)."
        )
        % {"seconds": settings.JOB_LOST_AFTER_S},
    )


def job_folder(job_id: int) -> str:
    """Where a job's kinds store its files (inputs, outputs), so that they go with it."""
    return f"jobs/{job_id}"


def _storage_tree_delete(folder: str) -> int:
    """Delete every file under `folder` in the storage, and the folder; how many files."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # on disk, nothing was ever stored there (object stores: empty)
        return 0
    deleted = 0
    for name in files:
        default_storage.delete(f"{folder}/{name}")
        deleted += 1
    for name in folders:
        deleted += _storage_tree_delete(f"{folder}/{name}")
    default_storage.delete(folder)  # on disk, the empty directory; elsewhere nothing
    return deleted


def job_files_purge(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Delete the stored files of the jobs finished more than JOB_FILES_RETENTION_DAYS ago and
    mark them expired (their download links then answer 410); (jobs, files deleted).

    A job is marked after its files are deleted: cut short in between, the next purge deletes
    what is left and marks it then; a purge run twice finds nothing more to do.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.JOB_FILES_RETENTION_DAYS)
    expired = Job.objects.filter(
        status__in=Job.FINISHED, finished_at__lt=cutoff, files_expired_at__isnull=True
    ).order_by("pk")
    jobs = files = 0
    for job_id, result_file in expired.values_list("pk", "result_file").iterator():
        files += _storage_tree_delete(job_folder(job_id))
        if result_file and default_storage.exists(result_file):  # a kind storing elsewhere
            default_storage.delete(result_file)
            files += 1
        jobs += Job.objects.filter(pk=job_id, files_expired_at__isnull=True).update(
            files_expired_at=now
        )
    return jobs, files
