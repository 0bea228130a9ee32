"""POST /api/v1/articles/bulk/ above ARTICLES_BULK_JOB_THRESHOLD articles into a project: an
article-import job (202) that stores the same articles the request would have; at or below it,
or with an item refused, the request answers as before."""

import json

import pytest

from annotate.models import Job
from corpus.models import Article

pytestmark = [pytest.mark.django_db, pytest.mark.project(articles=[])]

ITEMS = [
    {"title": "First", "body": "First body 👋.", "authors": ["Ana"], "origin": "wire"},
    {"title": "Second", "body": "Second body."},
    {"title": "Third", "body": "Third body.", "published_on": "2024-01-02"},
]
FIELDS = ("title", "body", "raw_text", "origin", "authors", "published_on", "language")


@pytest.fixture
def small_threshold(settings):
    settings.ARTICLES_BULK_JOB_THRESHOLD = 2


def _bulk(client, project, capture, *, as_lines=False, items=ITEMS):
    url = f"/api/v1/articles/bulk/?project={project.pk}"
    with capture(execute=True):
        if as_lines:
            lines = "\n".join(json.dumps(item) for item in items)
            return client.post(url, lines, content_type="application/x-ndjson")
        return client.post(url, items)


def _stored() -> list[tuple]:
    return sorted(Article.objects.values_list(*FIELDS))


@pytest.mark.parametrize("as_lines", [False, True])
def test_a_large_bulk_is_a_job_storing_what_the_request_would(
    api_as, editor, project, small_threshold, settings, as_lines, django_capture_on_commit_callbacks
):
    client = api_as(editor)
    response = _bulk(client, project, django_capture_on_commit_callbacks, as_lines=as_lines)

    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.kind, job.status, job.done, job.total) == ("article-import", "done", 1, 1)
    assert (job.result["created"], job.result["unchanged"], job.result["failed"]) == (3, 0, 0)
    assert [row["location"] for row in job.result["imported"]] == [
        f"request.jsonl:{n}" for n in (1, 2, 3)
    ]
    assert set(project.articles.values_list("title", flat=True)) == {"First", "Second", "Third"}
    by_job = _stored()

    # The same request below the threshold: stored in the request, the same articles.
    Article.objects.all().delete()
    settings.ARTICLES_BULK_JOB_THRESHOLD = 3
    response = _bulk(client, project, django_capture_on_commit_callbacks, as_lines=as_lines)
    assert response.status_code == 200
    assert response.json()["created"] == 3
    assert _stored() == by_job
    assert Job.objects.count() == 1


def test_a_large_bulk_with_a_refused_item_is_refused_at_once(
    api_as, editor, project, small_threshold, assert_error, django_capture_on_commit_callbacks
):
    items = [*ITEMS, {"title": "No body"}]
    response = _bulk(api_as(editor), project, django_capture_on_commit_callbacks, items=items)
    assert_error(response, 400, "validation_error", "3")
    assert not Job.objects.exists() and not Article.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("outsider", 400)])
def test_wrong_user_starts_no_job(
    api_as, project, request, who, status, small_threshold, django_capture_on_commit_callbacks
):
    response = _bulk(
        api_as(request.getfixturevalue(who)), project, django_capture_on_commit_callbacks
    )
    assert response.status_code == status
    assert not Job.objects.exists()
    assert not Article.objects.filter(title__in=["First", "Second", "Third"]).exists()
