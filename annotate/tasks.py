"""Celery's autodiscovery looks for `<app>.tasks`: annotate's are the jobs'."""

from annotate.jobs.tasks import run_job_task

__all__ = ["run_job_task"]
