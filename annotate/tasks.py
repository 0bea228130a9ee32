"""Celery's autodiscovery looks for `<app>.tasks`: annotate's are the jobs' and the webhooks'."""

from annotate.jobs.tasks import run_job_task
from annotate.webhooks.tasks import deliver_webhook_task

__all__ = ["deliver_webhook_task", "run_job_task"]
