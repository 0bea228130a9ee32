"""A job kind for the tests: counts to `steps`, pausing `pause_s` between steps, optionally
failing, failing transiently (at a step, or in its first `transient_attempts` attempts), hitting
Celery's soft time limit or asking for its own cancel at a step. Registered on import: by
the test modules here, and in a worker subprocess through JOBS_KIND_MODULES (test_worker.py).

Need.WRITE, so that reviewers may start and see it (exports need editors)."""

import os
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, connection, transaction

from annotate.access import Need
from annotate.jobs.kinds import JobOutput, register_job_kind
from annotate.models import Job

COUNTDOWN = "test-countdown"


def countdown(*, job: Job, progress) -> JobOutput:
    steps = job.params.get("steps", 3)
    pause_s = job.params.get("pause_s", 0)
    progress(0, steps)
    if job.attempts <= job.params.get("transient_attempts", 0):
        raise OperationalError("the database is restarting")
    if job.params.get("broken_statement"):  # SQLite: OperationalError; PostgreSQL: Programming
        # In a savepoint: a test's own transaction stays usable on PostgreSQL.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    for step in range(1, steps + 1):
        if pause_s:
            time.sleep(pause_s)
        if job.params.get("fail_at") == step:
            raise ValueError(f"Step {step} went wrong.")
        if job.params.get("transient_at") == step:
            raise OperationalError("the database went away")
        if job.params.get("time_limit_at") == step:
            raise SoftTimeLimitExceeded()
        if job.params.get("cancel_at") == step:
            # As if someone pressed Cancel while the job ran.
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        progress(step, steps)
    return JobOutput(result={"counted": steps, "attempt": job.attempts, "pid": os.getpid()})


register_job_kind(COUNTDOWN, countdown, need=Need.WRITE, label="Countdown (tests)")
