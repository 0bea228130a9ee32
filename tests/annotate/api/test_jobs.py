"""/api/v1/jobs/: the caller's visible jobs, one job's progress, cancel, and downloads through a
signed, expiring link that also checks the caller may still see the job."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from annotate.jobs import runner, services
from annotate.jobs.links import job_download_url
from annotate.models import Job
from tests.factories import JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db
Status = Job.Status


@pytest.fixture
def job(project, reviewer):
    """A queued countdown job (kind needing WRITE: reviewers see it) started by `reviewer`."""
    return JobFactory(project=project, created_by=reviewer)


def done_job_with_file(project, user) -> Job:
    job = JobFactory(project=project, created_by=user)
    runner.run_job(job.pk)
    name = default_storage.save(f"jobs/{job.pk}/count.txt", ContentFile(b"1 2 3\n"))
    Job.objects.filter(pk=job.pk).update(result_file=name)
    job.refresh_from_db()
    return job


def test_job_detail_shows_status_progress_and_links(api_as, job, reviewer):
    runner.run_job(job.pk)

    response = api_as(reviewer).get(f"/api/v1/jobs/{job.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["url"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert (body["status"], body["done"], body["total"], body["percent"]) == ("done", 3, 3, 100)
    assert body["kind"] == "test-countdown" and body["project"] == job.project_id
    assert body["created_by"] == {"id": reviewer.pk, "username": reviewer.username}
    assert body["eta_s"] is None and body["rate_per_s"] > 0
    assert body["result"]["counted"] == 3 and body["error"] == ""
    assert body["downloads"] == {}  # this kind stores no file


def test_job_detail_refuses_who_may_not_see_it(
    api_as, anonymous, job, outsider, viewer, assert_error
):
    assert_error(anonymous.get(f"/api/v1/jobs/{job.pk}/"), 401, "not_authenticated")
    for user in (outsider, viewer):  # another project's member; a role without the kind's need
        assert_error(api_as(user).get(f"/api/v1/jobs/{job.pk}/"), 404, "not_found")
    assert_error(api_as(outsider).get("/api/v1/jobs/99999999999/"), 404, "not_found")


def test_export_jobs_are_for_editors_only(api_as, project, editor, reviewer, assert_error):
    export = JobFactory(project=project, created_by=editor, kind="dataset-export")

    assert api_as(editor).get(f"/api/v1/jobs/{export.pk}/").status_code == 200
    assert_error(api_as(reviewer).get(f"/api/v1/jobs/{export.pk}/"), 404, "not_found")
    assert api_as(reviewer).get("/api/v1/jobs/").json()["results"] == []


def test_job_list_shows_the_visible_jobs_filtered(api_as, project, job, reviewer, editor, outsider):
    elsewhere = ProjectFactory(reviewers=[reviewer])
    other = JobFactory(project=elsewhere, created_by=reviewer)
    JobFactory(project=ProjectFactory(reviewers=[outsider]), created_by=outsider)
    runner.run_job(other.pk)
    client = api_as(reviewer)

    everything = client.get("/api/v1/jobs/").json()
    assert [row["id"] for row in everything["results"]] == [other.pk, job.pk]
    by_project = client.get(f"/api/v1/jobs/?project={project.pk}").json()["results"]
    assert [row["id"] for row in by_project] == [job.pk]
    done = client.get("/api/v1/jobs/?status=done").json()["results"]
    assert [row["id"] for row in done] == [other.pk]
    assert client.get("/api/v1/jobs/?status=nonsense").status_code == 400


def test_another_projects_jobs_stay_hidden_when_asked_for_by_project(
    api_as, project, job, editor, outsider
):
    """Naming another project's id lists nothing of it, for any kind, even a reviewer's."""
    JobFactory(project=project, created_by=editor, kind="dataset-export")
    JobFactory(project=project, created_by=editor, kind="agreement-recompute")

    response = api_as(outsider).get(f"/api/v1/jobs/?project={project.pk}")

    assert response.status_code == 200 and response.json()["results"] == []
    assert api_as(outsider).post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == Status.QUEUED


@pytest.mark.parametrize("n", [1, 20])
def test_job_list_queries_stay_flat(api_as, project, editor, n, django_assert_max_num_queries):
    JobFactory.create_batch(n, project=project, created_by=editor)
    client = api_as(editor)
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/jobs/")
    assert len(response.json()["results"]) == n


def test_cancel_by_the_starter(api_as, job, reviewer):
    response = api_as(reviewer).post(f"/api/v1/jobs/{job.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (Status.CANCELLED, True)


def test_cancel_by_an_editor_of_anyones_job(api_as, job, editor):
    assert api_as(editor).post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 200


def test_cancel_refused_to_others_and_for_finished_jobs(
    api_as, job, other_reviewer, outsider, reviewer, assert_error
):
    assert_error(
        api_as(other_reviewer).post(f"/api/v1/jobs/{job.pk}/cancel/"), 403, "permission_denied"
    )
    assert_error(api_as(outsider).post(f"/api/v1/jobs/{job.pk}/cancel/"), 404, "not_found")
    runner.run_job(job.pk)
    assert_error(
        api_as(reviewer).post(f"/api/v1/jobs/{job.pk}/cancel/"), 400, "validation_error", "status"
    )
    job.refresh_from_db()
    assert job.status == Status.DONE


def test_download_by_the_signed_link(api_as, project, reviewer):
    job = done_job_with_file(project, reviewer)
    url = api_as(reviewer).get(f"/api/v1/jobs/{job.pk}/").json()["downloads"]["file"]

    response = api_as(reviewer).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"1 2 3\n"
    assert response["Content-Disposition"] == 'attachment; filename="count.txt"'
    assert response["Cache-Control"] == "private, no-store"


def test_download_refused_to_who_lost_access_even_with_a_valid_link(
    api_as, project, reviewer, assert_error
):
    job = done_job_with_file(project, reviewer)
    url = job_download_url(job, "file")
    project.memberships.filter(user=reviewer).delete()

    assert_error(api_as(reviewer).get(url), 404, "not_found")


def test_download_refused_to_another_projects_member(
    api_as, project, reviewer, outsider, assert_error
):
    job = done_job_with_file(project, reviewer)
    assert_error(api_as(outsider).get(job_download_url(job, "file")), 404, "not_found")


def test_download_refused_for_a_tampered_or_expired_link(
    api_as, project, reviewer, settings, assert_error
):
    job = done_job_with_file(project, reviewer)
    url = job_download_url(job, "file")
    client = api_as(reviewer)

    assert_error(client.get(url.replace("file", "datasheet", 1)), 404, "not_found")
    assert_error(client.get(url[:-3] + "abc/"), 404, "not_found")
    other = JobFactory(project=project, created_by=reviewer)
    forged = url.replace(f"/download/{job.pk}:", f"/download/{other.pk}:")
    assert_error(client.get(forged), 404, "not_found")

    assert client.get(url).status_code == 200
    settings.JOB_DOWNLOAD_MAX_AGE = datetime.timedelta(seconds=-1)  # every link is too old
    assert_error(client.get(url), 404, "not_found")


def test_download_of_an_unfinished_job_is_absent(api_as, job, reviewer, assert_error):
    assert_error(api_as(reviewer).get(job_download_url(job, "file")), 404, "not_found")


def test_download_of_a_file_gone_from_storage_is_absent(api_as, project, reviewer, assert_error):
    job = done_job_with_file(project, reviewer)
    default_storage.delete(job.result_file.name)
    assert_error(api_as(reviewer).get(job_download_url(job, "file")), 404, "not_found")


def test_reading_a_job_whose_worker_died_queues_it_again(
    api_as, job, project, reviewer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """With a broker, Redis gives a killed worker's message to another only after the visibility
    timeout (an hour): found by bench/soak.py, a job left running that long. A job without a
    heartbeat for JOB_REQUEUE_AFTER_S is queued and dispatched again, and reruns from scratch;
    the lost attempt can no longer write."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/9"  # never reached: dispatch is recorded
    settings.JOB_REQUEUE_AFTER_S = 90
    dispatched: list[int] = []
    monkeypatch.setattr(runner, "job_dispatch", dispatched.append)
    now = timezone.now()
    lost_attempt = Job.objects.get(pk=job.pk)
    lost_attempt.attempts = 1
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, attempts=1, heartbeat_at=now - datetime.timedelta(seconds=91)
    )
    alive = JobFactory(project=project, created_by=reviewer)
    Job.objects.filter(pk=alive.pk).update(
        status=Status.RUNNING, attempts=1, heartbeat_at=now - datetime.timedelta(seconds=30)
    )

    with django_capture_on_commit_callbacks(execute=True):
        body = api_as(reviewer).get(f"/api/v1/jobs/{job.pk}/").json()

    assert (body["status"], body["attempts"]) == ("queued", 1)
    assert body["error"] == "Requeued: its worker was lost (no heartbeat for more than 90 s)."
    assert dispatched == [job.pk]
    assert Job.objects.get(pk=alive.pk).status == Status.RUNNING
    lost_attempt.status = Status.RUNNING
    assert services.job_progress(job=lost_attempt, done=2) is True  # stop: not yours any more
    assert runner.run_job(job.pk) == Status.DONE
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["attempt"], job.error) == (Status.DONE, 2, 2, "")


def test_without_a_broker_a_silent_job_is_not_queued_again(api_as, job, reviewer, settings):
    """Thread mode: the job died with its web process and nothing would pick a message up."""
    settings.CELERY_BROKER_URL = ""
    settings.JOB_REQUEUE_AFTER_S = 90
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, heartbeat_at=timezone.now() - datetime.timedelta(seconds=120)
    )

    assert api_as(reviewer).get(f"/api/v1/jobs/{job.pk}/").json()["status"] == "running"
