"""Old job files deleted: JOB_FILES_RETENTION_DAYS after a job ended, purge_job_files (the
command, and the end of every job) deletes what it stored and marks it expired; its download
links then answer 410 and its output and page say so."""

import datetime
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from annotate.jobs import runner, services
from annotate.jobs.links import job_download_url
from annotate.models import Job
from tests.annotate.jobs.kinds import COUNTDOWN  # noqa: F401 (registers the kind)
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def done_job(project, user, *, ended_days_ago: float) -> Job:
    """A done job with a main file, a datasheet and a leftover input, all under jobs/<id>/."""
    job = JobFactory(project=project, created_by=user)
    runner.run_job(job.pk)
    folder = f"jobs/{job.pk}"
    main = default_storage.save(f"{folder}/export.csv", ContentFile(b"a,b\n"))
    sheet = default_storage.save(f"{folder}/export.csv.datasheet.md", ContentFile(b"# Sheet\n"))
    default_storage.save(f"{folder}/input/0/upload.jsonl", ContentFile(b"{}\n"))
    Job.objects.filter(pk=job.pk).update(
        result_file=main,
        result={"companions": {"datasheet": sheet}},
        finished_at=timezone.now() - ended_days_ago * DAY,
    )
    job.refresh_from_db()
    return job


def stored_under(job: Job) -> bool:
    return default_storage.exists(f"jobs/{job.pk}")


def test_purge_deletes_expired_files_and_keeps_recent_ones(project, reviewer, settings):
    settings.JOB_FILES_RETENTION_DAYS = 7
    # The recent one first: every job's end purges, and the old one must outlive its making.
    recent, old = (done_job(project, reviewer, ended_days_ago=d) for d in (6.9, 7.1))
    running = JobFactory(project=project, created_by=reviewer, status=Job.Status.RUNNING)
    Job.objects.filter(pk=running.pk).update(finished_at=timezone.now() - 30 * DAY)

    assert services.job_files_purge() == (1, 3)

    assert not stored_under(old) and stored_under(recent)
    assert Job.objects.get(pk=old.pk).files_expired_at is not None
    assert Job.objects.get(pk=recent.pk).files_expired_at is None
    assert Job.objects.get(pk=running.pk).files_expired_at is None
    assert services.job_files_purge() == (0, 0)  # a second run finds nothing more


def test_the_download_link_of_an_expired_file_answers_410(api_as, project, reviewer, settings):
    job = done_job(project, reviewer, ended_days_ago=8)
    link = job_download_url(job, "file")
    client = api_as(reviewer)
    assert client.get(link).status_code == 200

    services.job_files_purge()

    response = client.get(link)
    assert response.status_code == 410
    assert response.json()["type"] == "gone"
    assert "deleted 7 days after it finished" in response.json()["detail"]
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["downloads"] == {} and body["files_expired_at"] is not None


def test_an_expired_link_stays_refused_to_others(api_as, project, reviewer, outsider):
    job = done_job(project, reviewer, ended_days_ago=8)
    link = job_download_url(job, "file")
    services.job_files_purge()

    assert api_as(outsider).get(link).status_code == 404  # not told the job exists


def test_the_job_page_says_the_files_were_deleted(client, project, reviewer):
    job = done_job(project, reviewer, ended_days_ago=8)
    services.job_files_purge()
    client.force_login(reviewer)

    page = client.get(reverse("annotate:job", args=[job.pk])).text

    assert "Its files were deleted on" in page and "7 days after it ended" in page
    assert "/api/v1/jobs/download/" not in page


def test_the_command_purges_and_reports(project, reviewer):
    old = done_job(project, reviewer, ended_days_ago=8)
    out = StringIO()

    call_command("purge_job_files", stdout=out)

    assert out.getvalue() == "expired 1 jobs, deleted 3 files (retention 7 days)\n"
    assert not stored_under(old)


def test_every_job_that_ends_purges_the_expired_files(project, reviewer):
    old = done_job(project, reviewer, ended_days_ago=8)
    assert stored_under(old)

    runner.run_job(JobFactory(project=project, created_by=reviewer).pk)

    assert not stored_under(old)
    assert Job.objects.get(pk=old.pk).files_expired_at is not None


def test_a_failing_purge_leaves_the_jobs_outcome(project, reviewer, monkeypatch):
    def broken(**kwargs):
        raise OSError("storage unreachable")

    monkeypatch.setattr(services, "job_files_purge", broken)

    job = JobFactory(project=project, created_by=reviewer)
    assert runner.run_job(job.pk) == Job.Status.DONE
    assert Job.objects.get(pk=job.pk).status == Job.Status.DONE
