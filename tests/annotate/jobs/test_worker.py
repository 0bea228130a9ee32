"""Jobs on a real Celery worker (a subprocess, `celery -A config worker --pool=solo`) with a real
Redis broker, against the test database on PostgreSQL: an export job runs and reports, a slow
job is cancelled mid-run, a worker killed mid-job leaves its job to the next worker (redelivered
by Redis, or queued again once silent), an article upload job runs, and so do an article
revision and an agreement recomputation.

The slow job is the tests' countdown kind (tests/annotate/jobs/kinds.py, loaded in the worker
through JOBS_KIND_MODULES) rather than a large export: its pace is set by the test, so cancel
lands mid-run on any machine, without building thousands of rows first.

Redis: REDIS_TEST_URL (default redis://127.0.0.1:6379/7), one fresh queue per test. Without it
the tests skip, except under CI=true, where they fail.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from annotate.jobs import services
from annotate.models import Job, Verdict
from annotate.projects.intake import article_import_job_start
from annotate.quality import AgreementFilters
from annotate.quality.jobs import agreement_job_start
from annotate.quality.selectors import agreement_cached
from annotate.review.revision_job import article_revision_job_start
from datasets.jobs import export_job_start
from datasets.options import ExportOptions
from tests.annotate.jobs.broker import celery_broker
from tests.annotate.jobs.kinds import COUNTDOWN
from tests.ci import on_ci
from tests.datasets.exports import build_known_project, export
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory
from tests.paths import ROOT
from tests.web_pages import article_page

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/7")
WAIT_S = 60
VISIBILITY_TIMEOUT_S = 2
Status = Job.Status


@pytest.fixture
def broker():
    """A reachable Redis, or a skip (a failure under CI=true)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        message = f"Redis at {REDIS_URL} is unreachable: {error}"
        if on_ci():
            pytest.fail(f"{message} (CI=true: a missing Redis fails the run)", pytrace=False)
        pytest.skip(message)
    yield client
    client.close()


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


class Workers:
    """Starts worker subprocesses on one queue of the test's own, and stops every one."""

    def __init__(self, queue: str, media_root: str, logs: Path):
        self.queue = queue
        self.logs = logs
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),  # the test database, where the rows are committed
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            # A killed worker's job goes back to the queue once unacknowledged this long.
            "CELERY_VISIBILITY_TIMEOUT_S": str(VISIBILITY_TIMEOUT_S),
            "MEDIA_ROOT": media_root,
            "JOBS_KIND_MODULES": "tests.annotate.jobs.kinds",
            "JOB_PROGRESS_INTERVAL_S": "0",
            "JOBS_RUN_INLINE": "0",
        }
        self.processes: list[subprocess.Popen] = []

    def start(self, *, pool: str = "solo", env: dict | None = None) -> subprocess.Popen:
        number = len(self.processes) + 1
        log = (self.logs / f"worker-{number}.log").open("wb")
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}"]
        if pool == "prefork":
            command += ["--concurrency", "1"]
        command += ["-Q", self.queue, "-n", f"{self.queue}-{number}@%h", "-l", "info"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        # A session of its own: stop() ends the pool's processes with it, by the worker's PID.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def log(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.logs.iterdir()))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            # A pool process left behind would keep its database session past the test run.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def workers(broker, settings, tmp_path):
    queue = f"jobs-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    logs = tmp_path / "logs"
    logs.mkdir()
    pool = Workers(queue, str(settings.MEDIA_ROOT), logs)
    with celery_broker(settings, REDIS_URL):
        try:
            yield pool
        finally:
            pool.stop()
            # This test's queue, its unacknowledged copies and bindings: nothing left behind.
            broker.delete(queue)
            for key in broker.scan_iter(f"*{queue}*"):
                broker.delete(key)


def wait_for(job: Job, done: Callable[[Job], bool], workers: Workers) -> Job:
    deadline = time.monotonic() + WAIT_S
    while True:
        job.refresh_from_db()
        if done(job):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"Job stuck at {job.status} {job.done}/{job.total}:\n{workers.log()}")
        time.sleep(0.1)


def finished(job: Job) -> bool:
    return job.is_finished


def test_health_counts_the_live_workers(workers):
    """/api/v1/health/ pings the workers through the broker (its answer cached 15 s)."""

    def health() -> dict:
        cache.clear()
        response = APIClient().get("/api/v1/health/")
        assert response.status_code == 200, response.content
        return response.json()

    assert health() == {"status": "ok", "database": "ok", "broker": "ok", "workers": 0}
    workers.start()
    deadline = time.monotonic() + WAIT_S
    while (body := health())["workers"] != 1:
        if time.monotonic() > deadline:
            pytest.fail(f"No worker answered: {body}\n{workers.log()}")
        time.sleep(0.5)


def test_an_export_job_runs_on_the_worker_and_reports(workers):
    known = build_known_project()
    workers.start()

    job = export_job_start(
        project=known.project, fmt="native", options=ExportOptions(salt="x"), actor=known.editor
    )

    job = wait_for(job, finished, workers)
    assert job.status == Status.DONE, (job.error, workers.log())
    assert (job.done, job.total, job.attempts) == (2, 2, 1)
    assert job.result["articles"] == 2
    with default_storage.open(job.result_file.name, "rb") as stored:
        assert stored.read().decode() == export(known.project, "native", salt="x")
    assert default_storage.exists(job.result["companions"]["datasheet"])
    assert "annotate.jobs.run_job" in workers.log()  # the worker ran it, not this process


def test_a_slow_job_reports_progress_and_is_cancelled_mid_run(workers):
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    workers.start()

    job = services.job_create(
        kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 600, "pause_s": 0.05}
    )
    job = wait_for(job, lambda job: job.status == Status.RUNNING and job.done >= 3, workers)
    assert job.total == 600 and job.heartbeat_at > job.started_at
    services.job_cancel_request(job=job, actor=reviewer)

    job = wait_for(job, finished, workers)
    assert job.status == Status.CANCELLED, (job.error, workers.log())
    assert 3 <= job.done < 600


def test_a_worker_killed_mid_job_leaves_it_to_the_next(workers):
    """acks_late: the message stays unacknowledged while the job runs; killed (SIGKILL, no
    chance to clean up), the worker's job is redelivered and run again from scratch."""
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    first = workers.start()
    job = services.job_create(
        kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 60, "pause_s": 0.05}
    )
    wait_for(job, lambda job: job.status == Status.RUNNING and job.done >= 3, workers)

    first.send_signal(signal.SIGKILL)
    first.wait()
    # A worker starting restores the messages left unacknowledged for longer than the
    # visibility timeout (kombu's Redis transport; later sweeps come far apart).
    time.sleep(VISIBILITY_TIMEOUT_S + 1)
    workers.start()

    job = wait_for(job, finished, workers)
    assert job.status == Status.DONE, (job.error, workers.log())
    assert (job.attempts, job.done, job.result["attempt"]) == (2, 60, 2)


def test_a_worker_killed_mid_job_is_replaced_before_the_visibility_timeout(workers, settings):
    """As deployed (visibility timeout an hour), Redis keeps a killed worker's message from
    every other worker until then (bench/soak.py found the job still running). The job's
    silence says sooner: read through the API, it is queued again and the next worker runs it."""
    settings.JOB_REQUEUE_AFTER_S = 2
    workers.env["CELERY_VISIBILITY_TIMEOUT_S"] = "3600"
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    first = workers.start()
    job = services.job_create(
        kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 60, "pause_s": 0.05}
    )
    wait_for(job, lambda job: job.status == Status.RUNNING and job.done >= 3, workers)

    first.send_signal(signal.SIGKILL)
    first.wait()
    workers.start()
    time.sleep(settings.JOB_REQUEUE_AFTER_S + 1)
    client = APIClient()
    client.force_authenticate(reviewer)
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["status"] == Status.QUEUED

    job = wait_for(job, finished, workers)
    assert job.status == Status.DONE, (job.error, workers.log())
    assert (job.attempts, job.done, job.result["attempt"]) == (2, 60, 2)


def test_an_article_upload_job_runs_on_the_worker(workers, local_site):
    """The Add articles page's job: the request stored the files; the worker reads them from the
    storage, fetches the URL, imports, reports, and removes the inputs."""
    editor = UserFactory()
    project = ProjectFactory(editors=[editor], articles=[])
    url = local_site.page(
        "/economy/jobs",
        article_page("Jobless rate falls", ["The ministry said unemployment fell to 4 percent."]),
    )
    workers.env["FETCH_ALLOW_PRIVATE_HOSTS"] = "1"  # local_site runs on 127.0.0.1
    workers.start()
    upload = ContentFile(
        json.dumps({"title": "Bridge opens", "body": "The bridge opened on Monday."}).encode()
        + b"\n{not json\n",
        name="wire.jsonl",
    )

    job = article_import_job_start(project=project, actor=editor, uploads=[upload], urls=[url])

    job = wait_for(job, finished, workers)
    assert job.status == Status.DONE, (job.error, workers.log())
    assert (job.done, job.total, job.attempts) == (2, 2, 1)
    assert (job.result["created"], job.result["failed"]) == (2, 1)
    assert job.result["failures"][0]["location"] == "wire.jsonl:2"
    assert set(project.articles.values_list("title", flat=True)) == {
        "Bridge opens",
        "Jobless rate falls",
    }
    assert not default_storage.exists(job.params["files"][0]["stored"])
    assert "annotate.jobs.run_job" in workers.log()


def test_a_revision_and_an_agreement_job_run_on_the_worker(workers):
    """The article-revision job re-anchors on the worker and reports; the agreement job caches
    figures this process then reads (the shared cache)."""
    editor, reviewer = UserFactory(), UserFactory()
    body = "The envoy said talks went well. Critics disagreed sharply."
    article = ArticleFactory(body=body)
    project = ProjectFactory(editors=[editor], reviewers=[reviewer], articles=[article])
    span = SpanFactory(project=project, article=article, created_by=reviewer, text="Critics")
    Verdict.objects.create(
        span=span,
        reviewer=reviewer,
        label=project.labels[0],
        status="submitted",
        submitted_at=timezone.now(),
    )
    workers.start()

    revision = article_revision_job_start(article=article, body="Update. " + body, actor=editor)
    agreement = agreement_job_start(project=project, actor=editor, filters=AgreementFilters())

    revision = wait_for(revision, finished, workers)
    assert revision.status == Status.DONE, (revision.error, workers.log())
    assert (revision.result["moved"], revision.result["orphaned"]) == (1, 0)
    span.refresh_from_db()
    assert span.start == len("Update. ") + body.index("Critics")
    agreement = wait_for(agreement, finished, workers)
    assert agreement.status == Status.DONE, (agreement.error, workers.log())
    assert agreement_cached(project).verdicts == 1


@pytest.mark.parametrize(("limit_mb", "replaced"), [("1", True), ("", False)])
def test_a_pool_process_over_its_memory_limit_is_replaced_after_its_job(
    workers, limit_mb, replaced
):
    """WORKER_MAX_MEMORY_MB: a 20,000-article import left a pool process 90 MB larger for good
    (bench/soak.py). Over the limit once a job ends, it is replaced; the default leaves it."""
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    workers.start(pool="prefork", env={"WORKER_MAX_MEMORY_MB": limit_mb} if limit_mb else {})
    pids = []
    for _ in range(2):
        job = services.job_create(
            kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 1}
        )
        job = wait_for(job, finished, workers)
        assert job.status == Status.DONE, (job.error, workers.log())
        pids.append(job.result["pid"])
    assert (pids[0] != pids[1]) is replaced, workers.log()
