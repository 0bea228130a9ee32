"""POST /api/v1/projects/{id}/imports/: a dataset file imported by a job (202), through the
command's service, with the command's report on the job; editors only; a rerun stores nothing
twice; cancelled or refused, nothing is stored."""

import contextlib
import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from rest_framework.test import APIClient

from annotate.jobs import runner
from annotate.models import Job, Span, Verdict
from corpus.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.project(slug="politifact", articles=[])]

TEXT = "Hi 👋 Envoy said talks went well."
LINES = [
    {"text": TEXT, "label": [[16, 31, "True"]]},
    '{"text": "broken',
    {"text": "Another text here.", "label": [[8, 4, "True"]]},
    {"text": "Fifth text", "label": [[0, 99, "True"]]},
]


def _content(lines=LINES) -> bytes:
    return "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
        for line in lines
    ).encode()


def _url(project) -> str:
    return f"/api/v1/projects/{project.pk}/imports/"


def _post(client, project, capture, lines=LINES, **fields):
    data = {
        "file": SimpleUploadedFile("mixed.jsonl", _content(lines)),
        "format": "doccano",
        "offset_unit": "codepoints",
        **fields,
    }
    with capture(execute=True):
        return client.post(_url(project), data, format="multipart")


class _RolledBack(Exception):
    pass


def _command_report(path) -> tuple[str, list[str]]:
    """The command's summary line and failure lines for the file, its writes rolled back."""
    out, err = StringIO(), StringIO()
    arguments = ["--project", "politifact", "--format", "doccano", "--offset-unit", "codepoints"]
    with contextlib.suppress(_RolledBack), transaction.atomic():
        # Some articles fail: the command raises CommandError after its report.
        with contextlib.suppress(CommandError):
            call_command("import_dataset", str(path), *arguments, stdout=out, stderr=err)
        raise _RolledBack
    return out.getvalue().splitlines()[-1], err.getvalue().splitlines()


def test_the_job_reports_what_the_command_reports(
    api_as, editor, project, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_content())
    summary, failures = _command_report(path)
    assert not Span.objects.exists()

    response = _post(api_as(editor), project, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert response.json()["status"] == "queued"
    job.refresh_from_db()
    assert (job.kind, job.status, job.created_by) == ("dataset-import", "done", editor), job.error
    assert job.result["summary"] == summary
    assert summary.startswith("articles: created 1, updated 0, unchanged 0, failed 3")
    assert [
        f"failed: {path}:{failure['location'].removeprefix('mixed.jsonl:')}: {failure['reason']}"
        for failure in job.result["failures"]
    ] == failures
    assert [f["location"] for f in job.result["failures"]] == [
        "mixed.jsonl:2",
        "mixed.jsonl:3",
        "mixed.jsonl:4",
    ]
    assert list(Span.objects.values_list("quote", flat=True)) == ["talks went well"]
    assert not list((tmp_path / "media" / "jobs" / str(job.pk)).rglob("*.jsonl"))


def test_a_rerun_after_a_lost_worker_stores_nothing_twice(
    api_as, editor, project, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("datasets.jobs._inputs_delete", lambda job: None)
    monkeypatch.setattr("annotate.jobs.services.job_finish", lambda **kwargs: False)
    _post(api_as(editor), project, django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert (job.status, Span.objects.count(), Verdict.objects.count()) == ("running", 1, 1)
    monkeypatch.undo()

    assert runner.run_job(job.pk) == "done"

    job.refresh_from_db()
    assert job.attempts == 2
    assert job.result["summary"].startswith("articles: created 0, updated 0, unchanged 1")
    assert (Article.objects.count(), Span.objects.count(), Verdict.objects.count()) == (1, 1, 1)


def test_cancel_stores_nothing(
    api_as, editor, project, monkeypatch, django_capture_on_commit_callbacks
):
    from datasets import jobs

    importing = jobs.dataset_import_file

    def cancel_then_import(*args, **kwargs):
        Job.objects.update(cancel_requested=True)  # pressed while the file is read
        return importing(*args, **kwargs)

    monkeypatch.setattr(jobs, "dataset_import_file", cancel_then_import)
    _post(api_as(editor), project, django_capture_on_commit_callbacks)

    job = Job.objects.get()
    assert job.status == "cancelled"
    assert not Span.objects.exists() and not Article.objects.exists()


def test_a_label_off_the_scale_fails_the_job_with_the_reason(
    api_as, editor, project, django_capture_on_commit_callbacks
):
    lines = [{"text": TEXT, "label": [[16, 31, "Pants on fire"]]}]
    response = _post(api_as(editor), project, django_capture_on_commit_callbacks, lines=lines)

    assert response.status_code == 202
    job = Job.objects.get()
    assert job.status == "failed"
    assert "'Pants on fire' (1 article(s), first at mixed.jsonl:1)" in job.error
    assert "Nothing was stored." in job.error
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"format": "native"}, "--offset-unit is for doccano files"),
        ({"map_label": ["Fake=Nope"]}, "'Nope' is not on the scale"),
        ({"reviewer": "nobody-here"}, "no user named 'nobody-here'"),
        ({"format": "csv"}, "is not a valid choice"),
    ],
)
def test_options_wrong_whatever_the_file_are_refused_at_once(
    api_as, editor, project, fields, message, django_capture_on_commit_callbacks
):
    response = _post(api_as(editor), project, django_capture_on_commit_callbacks, **fields)
    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert not Job.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)])
def test_wrong_user_is_refused(
    api_as, project, request, who, status, django_capture_on_commit_callbacks
):
    client = api_as(request.getfixturevalue(who))
    response = _post(client, project, django_capture_on_commit_callbacks)
    assert response.status_code == status
    assert not Job.objects.exists() and not Span.objects.exists()


def test_anonymous_is_refused(anonymous, project, django_capture_on_commit_callbacks):
    response = _post(anonymous, project, django_capture_on_commit_callbacks)
    assert response.status_code == 401
    assert not Job.objects.exists()


def test_csrf_is_enforced_for_a_session(editor, project, django_capture_on_commit_callbacks):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    response = _post(client, project, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    api_as, editor, project, settings, django_capture_on_commit_callbacks
):
    settings.API_MAX_BULK_BYTES = 200
    response = _post(api_as(editor), project, django_capture_on_commit_callbacks)
    assert response.status_code == 413
    assert not Job.objects.exists()
