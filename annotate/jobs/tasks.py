"""The Celery task every job runs in (a worker: `make worker`); the work is runner.run_job."""

from django.conf import settings

from annotate.jobs.runner import TRANSIENT_ERRORS, run_job
from config.celery import app
from config.memory import freed_memory_release

BACKOFF_BASE_S = 5
BACKOFF_MAX_S = 300


def retry_countdown_s(retries: int) -> int:
    """Seconds before retry number `retries + 1`: doubling from BACKOFF_BASE_S, at most
    BACKOFF_MAX_S."""
    return min(BACKOFF_BASE_S * 2**retries, BACKOFF_MAX_S)


@app.task(
    bind=True,
    name="annotate.jobs.run_job",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.JOB_MAX_RETRIES,
)
def run_job_task(self, job_id: int) -> str | None:
    """Run a job; transient errors are retried with exponential backoff, then fail the job."""
    try:
        return run_job(job_id, final_attempt=self.request.retries >= self.max_retries)
    except TRANSIENT_ERRORS as error:
        raise self.retry(exc=error, countdown=retry_countdown_s(self.request.retries)) from error
    finally:
        # A job's rows and files were read in this process: give the memory back, or the worker
        # stays as large as the largest job it ever ran.
        freed_memory_release()
