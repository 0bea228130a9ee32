"""Exports as background jobs: above EXPORT_JOB_THRESHOLD verdicts (or when asked) the API
answers 202 with the job and the page starts one after a POST; the job stores the same file the
stream sends, with its datasheet; reviewers start none."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from annotate.jobs import runner
from annotate.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api_url(project, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/projects/{project.pk}/export/?{query}"


def page_url(project) -> str:
    return reverse("datasets:export", args=[project.pk])


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """Job ids restart with every test's rollback: each test stores files in its own folder."""
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def small_threshold(settings):
    """The known project's 5 verdicts are above it: exports become jobs."""
    settings.EXPORT_JOB_THRESHOLD = 4


def test_api_export_above_the_threshold_is_a_job(
    api_as, known, small_threshold, django_capture_on_commit_callbacks
):
    client = api_as(known.editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(api_url(known.project, format="csv", salt="x"))

    assert response.status_code == 202
    job = Job.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert response.json()["id"] == job.pk and response.json()["status"] == "queued"
    assert (job.kind, job.created_by, job.params["format"]) == (
        "dataset-export",
        known.editor,
        "csv",
    )
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 2, 2), job.error
    assert job.result["verdicts"] >= 1


def test_the_job_file_equals_the_streamed_export(
    api_as, known, settings, django_capture_on_commit_callbacks
):
    client = api_as(known.editor)
    stream = streamed(client.get(api_url(known.project, format="native", salt="x")))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(api_url(known.project, format="native", salt="x", **{"async": "1"}))

    job = client.get(f"/api/v1/jobs/{Job.objects.get().pk}/").json()
    assert job["status"] == "done"
    assert set(job["downloads"]) == {"file", "datasheet"}
    downloaded = client.get(job["downloads"]["file"])
    assert downloaded["Content-Disposition"] == 'attachment; filename="known-native.jsonl"'
    assert streamed(downloaded) == stream
    datasheet = streamed(client.get(job["downloads"]["datasheet"])).decode()
    assert datasheet.startswith("# Datasheet: Known known (native)")


def test_a_rerun_overwrites_its_files(api_as, known, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_as(known.editor).get(api_url(known.project, format="fever", **{"async": "1"}))
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status="running")  # as if its worker had died

    runner.run_job(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert sorted(default_storage.listdir(f"jobs/{job.pk}")[1]) == [
        "known-fever.jsonl",
        "known-fever.jsonl.datasheet.md",
    ]


def test_small_exports_still_stream(api_as, known):
    response = api_as(known.editor).get(api_url(known.project, format="csv"))
    assert response.status_code == 200 and streamed(response)
    assert not Job.objects.exists()


def test_reviewers_start_no_export_job(api_as, client, known, small_threshold, assert_error):
    assert_error(
        api_as(known.rita).get(api_url(known.project, format="csv", **{"async": "1"})),
        403,
        "permission_denied",
    )
    client.force_login(known.rita)
    assert client.post(page_url(known.project), {"format": "csv"}).status_code == 403
    assert client.get(page_url(known.project), {"format": "csv", "async": "1"}).status_code == 403
    assert not Job.objects.exists()


def test_bad_options_are_refused_before_a_job(api_as, known, small_threshold, assert_error):
    response = api_as(known.editor).get(api_url(known.project, format="claimreview", labels="all"))
    assert_error(response, 400, "validation_error", "labels")
    assert not Job.objects.exists()


def test_the_job_keeps_every_option(api_as, known, small_threshold):
    # The job re-checks its starter's role when it runs (real names for editors only):
    # tests/annotate/jobs/test_services.py, a starter who lost the role.
    query = {"format": "csv", "real_names": "1", "status": "agreed", "articles": known.emoji.pk}
    response = api_as(known.editor).get(api_url(known.project, **query))

    assert response.status_code == 202
    options = Job.objects.get().params["options"]
    assert (options["real_names"], options["statuses"]) == (True, ["agreed"])
    assert options["articles"] == [known.emoji.pk]


def test_the_page_asks_to_confirm_then_starts_the_job(
    client, known, small_threshold, django_capture_on_commit_callbacks
):
    client.force_login(known.editor)
    asked = client.get(page_url(known.project), {"format": "csv", "salt": "x"})
    assert asked.status_code == 200
    assert 'method="post"' in asked.text and "Start the export job" in asked.text
    assert '<input type="hidden" name="salt" value="x">' in asked.text
    assert not Job.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(page_url(known.project), {"format": "csv", "salt": "x"})

    job = Job.objects.get()
    assert started.status_code == 302
    assert started["Location"] == reverse("annotate:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.params["options"]["salt"] == "x"


def test_the_page_post_needs_csrf(known):
    client = Client(enforce_csrf_checks=True)
    client.force_login(known.editor)
    assert client.post(page_url(known.project), {"format": "csv"}).status_code == 403
    assert not Job.objects.exists()


def test_the_page_checkbox_forces_a_job_for_a_small_project(client, known):
    client.force_login(known.editor)
    response = client.get(page_url(known.project), {"format": "csv", "async": "on"})
    assert response.status_code == 200 and "Start the export job" in response.text


def test_others_see_no_export_page(client, known):
    client.force_login(UserFactory())
    assert client.post(page_url(known.project), {"format": "csv"}).status_code == 404
