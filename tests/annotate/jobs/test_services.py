"""Jobs' states through their services and the runner: create (dispatched on commit), run,
progress, finish, fail, retry, cancel (cooperative), lost workers, and reruns changing nothing."""

import datetime
import os
import threading
import time
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from annotate.jobs import runner, services
from annotate.models import Job
from tests.annotate.jobs.broker import celery_broker
from tests.annotate.jobs.kinds import COUNTDOWN
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db
Status = Job.Status


@pytest.fixture
def countdown(project, reviewer):
    """`countdown(**params)`: a countdown job started by `reviewer` in `project`, not yet run."""

    def make(**params) -> Job:
        return JobFactory(project=project, created_by=reviewer, params={"steps": 3, **params})

    return make


def test_job_create_runs_on_commit_and_reports(
    project, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.job_create(
            kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 4}
        )
        assert Job.objects.get(pk=job.pk).status == Status.QUEUED  # nothing runs before commit

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert (job.done, job.total, job.attempts) == (4, 4, 1)
    assert job.result == {"counted": 4, "attempt": 1, "pid": os.getpid(), "companions": {}}
    assert job.started_at <= job.finished_at
    assert job.rate_per_s is not None and job.eta_s is None and job.percent == 100


def test_job_create_refuses_a_role_without_the_kinds_need(project, viewer, outsider):
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            services.job_create(kind=COUNTDOWN, project=project, actor=user, params={})
    assert not Job.objects.exists()


def test_job_create_refuses_an_unknown_kind(project, editor):
    with pytest.raises(LookupError):
        services.job_create(kind="no-such-kind", project=project, actor=editor, params={})


def test_run_job_again_changes_nothing_once_done(countdown):
    job = countdown()
    assert runner.run_job(job.pk) == Status.DONE
    job.refresh_from_db()
    finished_at = job.finished_at

    assert runner.run_job(job.pk) is None  # a redelivered message

    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at) == (Status.DONE, 1, finished_at)


def test_a_running_job_redelivered_restarts_from_scratch(countdown):
    job = countdown(steps=5)
    started = services.job_start(job_id=job.pk)  # a worker took it ...
    services.job_progress(job=started, done=3, total=5)  # ... and died at 3 of 5

    assert runner.run_job(job.pk) == Status.DONE

    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (Status.DONE, 2, 5)
    # The lost attempt, were it only slow, can write nothing any more.
    assert services.job_progress(job=started, done=4) is True
    assert services.job_finish(job=started, result={"stale": True}) is False
    job.refresh_from_db()
    assert job.result["attempt"] == 2


def test_a_job_lost_too_often_is_failed_with_its_reason(countdown, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = countdown()
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, attempts=2)

    assert runner.run_job(job.pk) is None

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "Gave up after 2 attempts" in job.error


def test_a_failing_handler_fails_the_job_with_the_error(countdown):
    job = countdown(fail_at=2)

    assert runner.run_job(job.pk) == Status.FAILED

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == "ValueError: Step 2 went wrong."
    assert job.done == 1 and job.finished_at is not None


def test_a_transient_error_is_raised_for_a_retry_then_fails_on_the_last(countdown):
    job = countdown(transient_at=1)

    with pytest.raises(OperationalError):
        runner.run_job(job.pk, final_attempt=False)
    job.refresh_from_db()
    assert job.status == Status.RUNNING
    assert job.error.startswith("Retrying after: OperationalError")

    assert runner.run_job(job.pk, final_attempt=True) == Status.FAILED
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.FAILED, 2)


def test_a_failing_statement_fails_the_job_at_once_without_retries(countdown):
    """SQLite raises OperationalError for a statement that cannot run: a bug, not an outage."""
    job = countdown(broken_statement=True)

    assert runner.run_job(job.pk, final_attempt=False) == Status.FAILED  # nothing raised
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.FAILED, 1)
    assert "no_such_table" in job.error


def test_cancel_of_a_running_job_stops_it_at_its_next_report(countdown):
    job = countdown(steps=5, cancel_at=2)

    assert runner.run_job(job.pk) == Status.CANCELLED

    job.refresh_from_db()
    assert (job.status, job.done, job.cancel_requested) == (Status.CANCELLED, 2, True)
    assert job.result == {}  # nothing of a cancelled job is kept


def test_cancel_of_a_queued_job_is_immediate_and_it_never_runs(countdown, reviewer):
    job = countdown()

    services.job_cancel_request(job=job, actor=reviewer)
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    services.job_cancel_request(job=job, actor=reviewer)  # again: nothing changes

    assert runner.run_job(job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.CANCELLED, 0)


def test_cancel_is_for_the_starter_or_an_editor(countdown, editor, other_reviewer, viewer):
    job = countdown()
    for user in (other_reviewer, viewer):
        with pytest.raises(PermissionDenied):
            services.job_cancel_request(job=job, actor=user)
    services.job_cancel_request(job=job, actor=editor)
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


def test_cancel_of_a_finished_job_is_refused(countdown, reviewer):
    job = countdown()
    runner.run_job(job.pk)
    job.refresh_from_db()
    with pytest.raises(ValidationError):
        services.job_cancel_request(job=job, actor=reviewer)


def test_a_starter_who_lost_the_role_has_the_job_failed(countdown, project, reviewer):
    job = countdown()
    project.memberships.filter(user=reviewer).delete()

    assert runner.run_job(job.pk) == Status.FAILED
    job.refresh_from_db()
    assert job.error == "Whoever started this job may no longer run it."


def test_jobs_without_progress_for_too_long_are_marked_lost(countdown, settings):
    settings.JOB_LOST_AFTER_S = 60
    settings.CELERY_BROKER_URL = ""
    long_ago = timezone.now() - datetime.timedelta(seconds=61)
    running, queued, fresh = countdown(), countdown(), countdown()
    Job.objects.filter(pk=running.pk).update(status=Status.RUNNING, heartbeat_at=long_ago)
    Job.objects.filter(pk=queued.pk).update(created_at=long_ago)

    assert services.jobs_mark_lost() == 2

    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {running.pk: Status.FAILED, queued.pk: Status.FAILED, fresh.pk: "queued"}
    assert Job.objects.get(pk=running.pk).error.startswith("Worker lost")


def test_with_a_broker_a_long_queue_is_not_lost(countdown, settings):
    settings.JOB_LOST_AFTER_S = 60
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"
    job = countdown()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    assert services.jobs_mark_lost() == 0


def test_an_unreachable_broker_fails_the_job_at_once(countdown, settings):
    job = countdown()
    nowhere = "redis://127.0.0.1:1/9"  # nothing listens on port 1
    with celery_broker(settings, nowhere, broker_connection_retry=False):
        runner.job_dispatch(job.pk)

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error.startswith("Could not reach the job queue")


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_thread_runs_the_job(project, reviewer, settings, monkeypatch):
    """The embedded mode of `make run`: a daemon thread of this process, on commit."""
    settings.JOBS_RUN_INLINE = False
    settings.CELERY_BROKER_URL = ""
    ran_in = []
    run_in_thread = runner._run_in_thread

    def recording(job_id):
        ran_in.append(threading.current_thread())
        run_in_thread(job_id)

    monkeypatch.setattr(runner, "_run_in_thread", recording)

    job = services.job_create(kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 2})

    deadline = time.monotonic() + 30
    while not ran_in or ran_in[0].is_alive():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert ran_in[0] is not threading.current_thread()
    assert ran_in[0].daemon and ran_in[0].name == f"job-{job.pk}"
    job.refresh_from_db()
    assert (job.status, job.done) == (Status.DONE, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_progress_is_written_by_its_own_thread(
    project, reviewer, monkeypatch
):
    """As on a worker: reports and heartbeats committed by a writer thread (the handler may be
    inside a READ ONLY snapshot), and a cancel request read back by it."""
    monkeypatch.setattr(runner, "HEARTBEAT_S", 0)
    job = services.job_start(job_id=JobFactory(project=project, created_by=reviewer).pk)
    started = job.heartbeat_at
    progress = runner.Progress(job)
    try:
        progress(2, 5)
        deadline = time.monotonic() + 10
        while Job.objects.get(pk=job.pk).done != 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.1)  # a heartbeat without progress
        assert Job.objects.get(pk=job.pk).heartbeat_at > started

        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        with pytest.raises(runner.JobCancelled):
            while time.monotonic() < deadline:
                progress(3, 5)
                time.sleep(0.01)
    finally:
        progress.close()
    assert Job.objects.get(pk=job.pk).done == 3


def test_the_command_queues_again_the_jobs_whose_worker_died(
    countdown, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """`requeue_lost_jobs`, every minute from cron: no reader needed."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/9"  # never reached: dispatch is recorded
    settings.JOB_REQUEUE_AFTER_S = 90
    dispatched: list[int] = []
    monkeypatch.setattr(runner, "job_dispatch", dispatched.append)
    lost, alive = countdown(), countdown()
    now = timezone.now()
    Job.objects.filter(pk=lost.pk).update(
        status=Status.RUNNING, attempts=1, heartbeat_at=now - datetime.timedelta(seconds=91)
    )
    Job.objects.filter(pk=alive.pk).update(status=Status.RUNNING, attempts=1, heartbeat_at=now)
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_lost_jobs", stdout=out)

    assert out.getvalue() == "requeued 1\n"
    assert dispatched == [lost.pk]
    assert dict(Job.objects.values_list("pk", "status")) == {
        lost.pk: Status.QUEUED,
        alive.pk: Status.RUNNING,
    }


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_progress_is_written_by_the_job_itself(project, reviewer):
    """One writer at a time: a second connection's reports waited on the job's own transaction
    or broke it ("database is locked")."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL reports from a thread (the test above)")
    job = services.job_start(job_id=JobFactory(project=project, created_by=reviewer).pk)
    threads = threading.active_count()
    progress = runner.Progress(job)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(cancel_requested=False)  # the job's own write
        progress(2, 5)
        assert threading.active_count() == threads  # no writer thread
    progress.close()
    assert Job.objects.get(pk=job.pk).done == 2
