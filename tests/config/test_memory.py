"""Memory freed after a job goes back to the system (config/memory.py): the soak (bench/soak.py)
saw a Celery worker stay 90 MB larger after a 20,000-article import. (A gunicorn worker that took
a large request is replaced instead: tests/config/test_serve.py.)"""

from pathlib import Path

import pytest

from annotate.jobs import tasks
from annotate.models import Job
from config import memory
from tests.factories import JobFactory


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(memory._MALLOC_TRIM is None, reason="not glibc: nothing to trim")
def test_freed_small_objects_are_given_back():
    """As a parsed bulk request: 150 MB of 2,000-character lines, freed but for one in 50 that
    lives on (as objects made meanwhile do), so the heap cannot shrink from its top."""
    lines = [f"{n:08d}" * 250 for n in range(75_000)]
    survivors = lines[::50]
    del lines
    kept = rss_mb()
    assert memory.freed_memory_release() is True
    assert kept - rss_mb() > 50, (kept, rss_mb())
    assert len(survivors) == 1_500


@pytest.mark.django_db
def test_a_job_task_releases_memory_when_it_ends(project, reviewer, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "freed_memory_release", lambda: calls.append(True))
    job = JobFactory(project=project, created_by=reviewer)

    tasks.run_job_task.apply(args=(job.pk,))

    assert Job.objects.get(pk=job.pk).status == Job.Status.DONE
    assert calls == [True]
