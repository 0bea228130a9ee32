"""Running a job, the same way under every engine: a Celery worker (tasks.py), a thread of the
web process (no broker), or inline (tests, JOBS_RUN_INLINE).

run_job is idempotent: a job already finished or cancelled is not run again; a running one
(its worker died, acks_late redelivered it, or a retry) starts again from scratch as a new
attempt, and the attempt it replaced can no longer write (services filter by attempt). Handlers
write their files whole at the end under job-specific names, so a rerun overwrites, never adds.
"""

import contextlib
import logging
import threading
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.utils.translation import gettext as _

from annotate.access.capabilities import capabilities
from annotate.jobs import services
from annotate.jobs.kinds import (
    JobCancelled,
    JobKind,
    JobOutput,
    job_kind,
    job_kinds,
    register_job_kind,
)
from annotate.jobs.models import Job
from config.api.errors import is_database_unavailable

logger = logging.getLogger(__name__)

# A running job's writer records a heartbeat at least this often, progress or not; a job silent
# for JOB_LOST_AFTER_S lost its process (services.jobs_mark_lost).
HEARTBEAT_S = 30

# Worth a retry with backoff: the database or the storage unreachable for a while (of the
# database's errors, those of a lost connection: _transient).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError)


def _transient(error: BaseException) -> bool:
    """SQLite raises OperationalError for statement errors too (no such table, an FTS5 syntax
    error): retrying those only repeats them."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return is_database_unavailable(error)
    return True


__all__ = [
    "TRANSIENT_ERRORS",
    "JobCancelled",
    "JobKind",
    "JobOutput",
    "Progress",
    "job_dispatch",
    "job_kind",
    "job_kinds",
    "register_job_kind",
    "run_job",
]


class Progress:
    """The callback a handler reports through: `progress(done, total=None)`; it raises
    JobCancelled once a cancel was requested, so handlers call it between chunks of work.

    Reports are written at most every JOB_PROGRESS_INTERVAL_S, by a thread of their own with its
    own database connection, committed at once: a handler may read inside one long transaction
    (exports read one REPEATABLE READ READ ONLY snapshot, where no write is allowed), and its
    progress must show while it runs. Inside a caller's transaction (tests running jobs inline)
    they are written in line instead: another connection could not see the job's row there. So
    they are on SQLite, which takes one writer at a time: a second connection's report waited
    on the job's own transaction or broke it ("database is locked"), and a revision job run
    inline behind an API request timed out (the schemathesis run, on CI).
    """

    def __init__(self, job: Job):
        self.job = job
        self.interval_s = settings.JOB_PROGRESS_INTERVAL_S
        threaded = not connection.in_atomic_block and connection.vendor != "sqlite"
        self._last = time.monotonic() if threaded else 0.0
        self._latest: tuple[int, int | None] | None = None
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        if threaded:
            self._writer = threading.Thread(
                target=self._write_loop, name=f"job-{job.pk}-progress", daemon=True
            )
            self._writer.start()

    def __call__(self, done: int, total: int | None = None) -> None:
        if self._writer is not None:
            with self._lock:
                self._latest = (done, total)
        else:
            now = time.monotonic()
            last_item = total is not None and done >= total
            if self._last and now - self._last < self.interval_s and not last_item:
                return
            self._last = now
            if services.job_progress(job=self.job, done=done, total=total):
                self._cancel.set()
        if self._cancel.is_set():
            raise JobCancelled

    def close(self) -> None:
        """Write the last report and stop the writer (the runner calls it when the handler
        returns or raises, before the job's final state)."""
        if self._writer is not None:
            self._stop.set()
            self._writer.join()

    def _write_loop(self) -> None:
        try:
            while not self._stop.wait(max(self.interval_s, 0.05)):
                self._flush()
            self._flush()
        finally:
            connection.close()  # this thread's own

    def _flush(self) -> None:
        with self._lock:
            latest, self._latest = self._latest, None
        now = time.monotonic()
        if latest is None:
            # No progress (a long step, such as a datasheet's agreement figures): still say the
            # process is alive, and read a cancel request, so the job is not taken for lost.
            if now - self._last < HEARTBEAT_S:
                return
            latest = (self.job.done, None)
        self._last = now
        try:
            if services.job_progress(job=self.job, done=latest[0], total=latest[1]):
                self._cancel.set()
        except DatabaseError:  # a report missed is no reason to stop the job; the next may pass
            logger.warning("Job %s: progress not recorded", self.job.pk, exc_info=True)


def _reason(error: BaseException) -> str:
    """The error as users read it on the job."""
    # Celery's soft limit, named without importing Celery (thread mode runs without it).
    if type(error).__name__ == "SoftTimeLimitExceeded":
        return _("Stopped at the time limit (%(seconds)s s).") % {
            "seconds": settings.JOB_SOFT_TIME_LIMIT_S
        }
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, PermissionDenied):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def run_job(job_id: int, *, final_attempt: bool = True) -> str | None:
    """Run the job if it is still to run; its final status, or None if nothing ran.

    A transient error (TRANSIENT_ERRORS) is raised again for the engine to retry unless this is
    the final attempt; every other error fails the job with its reason. A job that ended then
    deletes the files of jobs past JOB_FILES_RETENTION_DAYS: every engine runs jobs, so no
    extra process (a Celery beat) is needed; `manage.py purge_job_files` does it from cron.
    """
    status = _run(job_id, final_attempt=final_attempt)
    if status is not None:
        try:
            services.job_files_purge()
        except Exception:  # the job's own outcome stands; the next job or cron tries again
            logger.warning("Purging old job files failed", exc_info=True)
    return status


def _run(job_id: int, *, final_attempt: bool) -> str | None:
    job = services.job_start(job_id=job_id)
    if job is None:
        return None
    try:
        kind = job_kind(job.kind)
        # The starter's role is checked again: it may have changed while the job waited.
        if job.created_by is None or not capabilities(job.project, job.created_by).allows(
            kind.need
        ):
            raise PermissionDenied(_("Whoever started this job may no longer run it."))
        progress = Progress(job)
        try:
            output = kind.handler(job=job, progress=progress)
        finally:
            progress.close()
    except JobCancelled:
        services.job_cancelled(job=job)
        return Job.Status.CANCELLED
    except TRANSIENT_ERRORS as error:
        if not _transient(error):  # a statement that failed: a bug, which a retry repeats
            logger.exception("Job %s failed", job_id)
            services.job_fail(job=job, error=_reason(error))
            return Job.Status.FAILED
        if not final_attempt:
            # If the database itself is away, the retry finds the job running all the same.
            with contextlib.suppress(*TRANSIENT_ERRORS):
                services.job_note_error(job=job, error=_reason(error))
            raise
        logger.warning("Job %s failed on its last attempt: %s", job_id, error)
        services.job_fail(job=job, error=_reason(error))
        return Job.Status.FAILED
    except Exception as error:
        logger.exception("Job %s failed", job_id)
        services.job_fail(job=job, error=_reason(error))
        return Job.Status.FAILED
    if not services.job_finish(
        job=job,
        result={**output.result, "companions": output.companions},
        result_file=output.file_name,
    ):
        return None  # another attempt owns the job now; its files are the same names
    return Job.Status.DONE


def _run_in_thread(job_id: int) -> None:
    try:
        run_job(job_id)
    except Exception:
        logger.exception("Job %s failed in its thread", job_id)
    finally:
        connections.close_all()  # this thread's connections, opened by the job


def job_dispatch(job_id: int) -> None:
    """Hand a committed job to its engine: inline (JOBS_RUN_INLINE), a Celery worker
    (CELERY_BROKER_URL), or a daemon thread of this process (embedded mode, no broker)."""
    if settings.JOBS_RUN_INLINE:
        run_job(job_id)
    elif settings.CELERY_BROKER_URL:
        from annotate.jobs.tasks import run_job_task  # Celery loads only with a broker

        try:
            run_job_task.apply_async((job_id,), queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        except Exception as error:  # never a job silently queued forever
            logger.exception("Job %s could not be queued", job_id)
            services.job_fail_unstarted(
                job_id=job_id,
                error=_("Could not reach the job queue: %(reason)s") % {"reason": _reason(error)},
            )
    else:
        threading.Thread(
            target=_run_in_thread, args=(job_id,), name=f"job-{job_id}", daemon=True
        ).start()
