"""Article imports as jobs (annotate.projects.intake): the files stored before the job starts,
the same report as the import without a job, a rerun that stores nothing twice, cancel between
inputs, and only editors may start one."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotate.jobs import runner
from annotate.models import Job
from annotate.projects import intake
from annotate.projects.intake import (
    ARTICLE_IMPORT_JOB,
    article_import_job_start,
    import_report_result,
)
from annotate.projects.services import project_import_articles
from corpus.importers.uploads import read_uploads
from corpus.importers.web import read_urls
from corpus.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.project(articles=[])]

SSRF_URLS = ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/"]


def _files():
    lines = [
        json.dumps({"title": "Bridge opens", "body": "The bridge opened on Monday."}),
        '{"title": "Broken", "body": ',  # line 2: not JSON
        json.dumps({"title": "Port expands", "body": "The port will expand by 2030."}),
    ]
    return [
        SimpleUploadedFile("budget.md", b"Budget doubles\n\nThe budget will double next year."),
        SimpleUploadedFile("wire.jsonl", ("\n".join(lines) + "\n").encode()),
    ]


def _start(project, actor, capture, **inputs) -> Job:
    with capture(execute=True):
        job = article_import_job_start(project=project, actor=actor, **inputs)
    job.refresh_from_db()
    return job


def _without_ids(result: dict) -> dict:
    return {**result, "imported": [{**row, "article": None} for row in result["imported"]]}


def test_files_are_stored_before_the_job_runs(project, editor):
    job = article_import_job_start(project=project, actor=editor, uploads=_files(), urls=[])

    job.refresh_from_db()
    assert (job.status, job.total) == ("queued", 2)  # not committed yet: nothing ran
    stored = [entry["stored"] for entry in job.params["files"]]
    assert all(name.startswith(f"jobs/{job.pk}/input/") for name in stored)
    with default_storage.open(stored[0], "rb") as first:
        assert first.read().startswith(b"Budget doubles")
    assert not Article.objects.exists()


def test_the_job_reports_what_the_import_without_a_job_reports(
    project, editor, django_capture_on_commit_callbacks
):
    job = _start(
        project, editor, django_capture_on_commit_callbacks, uploads=_files(), urls=SSRF_URLS
    )
    assert (job.status, job.done, job.total) == ("done", 4, 4), job.error

    Article.objects.all().delete()
    results = []
    report = project_import_articles(
        project=project,
        actor=editor,
        items=[*read_uploads(_files()), *read_urls(SSRF_URLS)],
        on_result=results.append,
    )
    expected = import_report_result(report, results)
    assert _without_ids(job.result) == {**_without_ids(expected), "companions": {}}
    assert job.result["created"] == 3 and job.result["failed"] == 3
    locations = [failure["location"] for failure in job.result["failures"]]
    assert locations == ["wire.jsonl:2", *SSRF_URLS]
    assert "a link-local address" in job.result["failures"][1]["reason"]


def test_a_rerun_after_a_lost_worker_stores_nothing_twice(
    project, editor, django_capture_on_commit_callbacks, monkeypatch
):
    # The first attempt imports, then its worker dies before it can report: the job is still
    # running when the message is delivered again (acks_late) and the inputs are still stored.
    monkeypatch.setattr("annotate.projects.intake._inputs_delete", lambda job: None)
    monkeypatch.setattr("annotate.jobs.services.job_finish", lambda **kwargs: False)
    job = _start(project, editor, django_capture_on_commit_callbacks, uploads=_files())
    assert (job.status, job.attempts) == ("running", 1)
    assert project.articles.count() == Article.objects.count() == 3
    monkeypatch.undo()

    assert runner.run_job(job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert (job.result["created"], job.result["unchanged"], job.result["failed"]) == (0, 3, 1)
    assert project.articles.count() == Article.objects.count() == 3
    # Run once more (a message delivered a third time): a finished job is not run again.
    assert runner.run_job(job.pk) is None


def test_inputs_gone_are_reported_not_imported_again(
    project, editor, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("annotate.jobs.services.job_finish", lambda **kwargs: False)
    job = _start(project, editor, django_capture_on_commit_callbacks, uploads=_files())
    monkeypatch.undo()

    assert runner.run_job(job.pk) == "done"

    job.refresh_from_db()
    assert [f["location"] for f in job.result["failures"]] == ["budget.md", "wire.jsonl"]
    assert Article.objects.count() == 3


def test_cancel_stops_between_files(
    project, editor, monkeypatch, django_capture_on_commit_callbacks
):
    reading = intake.read_uploads

    def read_then_cancel(uploads):
        yield from reading(uploads)
        # As if someone pressed Cancel while the first file was read.
        Job.objects.filter(kind=ARTICLE_IMPORT_JOB).update(cancel_requested=True)

    monkeypatch.setattr(intake, "read_uploads", read_then_cancel)
    job = _start(project, editor, django_capture_on_commit_callbacks, uploads=_files())

    assert (job.status, job.done, job.total) == ("cancelled", 1, 2)
    assert not Article.objects.exists()  # the batch being read was not stored
    assert not any(default_storage.exists(entry["stored"]) for entry in job.params["files"])


@pytest.mark.parametrize("who", ["reviewer", "viewer"])
def test_only_editors_start_an_import(project, request, who):
    with pytest.raises(PermissionDenied):
        article_import_job_start(
            project=project, actor=request.getfixturevalue(who), uploads=_files()
        )
    assert not Job.objects.exists()


def test_the_job_page_shows_progress_until_done(client, project, editor):
    job = article_import_job_start(project=project, actor=editor, uploads=_files())
    client.force_login(editor)

    page = client.get(reverse("annotate:job", args=[job.pk])).content.decode()

    assert "0 of 2 done" in page and "data-reload-when-finished" in page
    assert 'id="import-report"' not in page


@pytest.mark.parametrize(("who", "status"), [("reviewer", 404), ("outsider", 404)])
def test_others_do_not_see_the_import_job(
    client, project, editor, request, who, status, django_capture_on_commit_callbacks
):
    job = _start(project, editor, django_capture_on_commit_callbacks, uploads=_files())
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("annotate:job", args=[job.pk])).status_code == status
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == status
