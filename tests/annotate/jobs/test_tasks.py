"""The Celery task every job runs in: acknowledged late and rejected when its worker is lost (so
the job is redelivered, never dropped), time limits, retries with exponential backoff for
transient errors, then the job failed with its reason. Run eagerly here; test_worker.py runs a
real worker."""

import pytest
from django.conf import settings

from annotate.jobs.tasks import retry_countdown_s, run_job_task
from annotate.models import Job
from config.celery import app
from tests.annotate.jobs.kinds import COUNTDOWN
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db
Status = Job.Status


def test_the_task_is_acknowledged_late_and_redelivered_when_its_worker_is_lost():
    assert run_job_task.acks_late is True
    assert run_job_task.reject_on_worker_lost is True
    assert run_job_task.max_retries == settings.JOB_MAX_RETRIES
    assert app.conf.worker_prefetch_multiplier == 1  # no job waits behind a long one


def test_time_limits_are_set_and_redelivery_waits_past_them():
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    assert soft == settings.JOB_SOFT_TIME_LIMIT_S and hard > soft
    # A message redelivered while its job may still run would start a second attempt.
    assert app.conf.broker_transport_options["visibility_timeout"] > hard


def test_retries_back_off_exponentially_up_to_a_cap():
    assert [retry_countdown_s(n) for n in range(8)] == [5, 10, 20, 40, 80, 160, 300, 300]


def test_a_transient_error_is_retried_and_the_job_then_done(project, reviewer):
    job = JobFactory(project=project, created_by=reviewer, params={"transient_attempts": 1})

    outcome = run_job_task.apply(args=(job.pk,))

    assert outcome.get() == Status.DONE
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (Status.DONE, 2, "")
    assert job.result["attempt"] == 2


def test_a_transient_error_on_every_retry_fails_the_job_with_its_reason(project, reviewer):
    job = JobFactory(project=project, created_by=reviewer, params={"transient_attempts": 99})

    outcome = run_job_task.apply(args=(job.pk,))

    assert outcome.get() == Status.FAILED
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.attempts == run_job_task.max_retries + 1
    assert job.error == "OperationalError: the database is restarting"


def test_the_soft_time_limit_fails_the_job_saying_so(project, reviewer):
    job = JobFactory(project=project, created_by=reviewer, params={"time_limit_at": 2})

    assert run_job_task.apply(args=(job.pk,)).get() == Status.FAILED

    job.refresh_from_db()
    assert job.error == f"Stopped at the time limit ({settings.JOB_SOFT_TIME_LIMIT_S} s)."
    assert (job.kind, job.done) == (COUNTDOWN, 1)
