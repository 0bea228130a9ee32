"""Revising a body with more than REVISION_JOB_SPANS spans: the API answers 202 with an
`article-revision` job that runs the one re-anchoring service and reports what moved; smaller
revisions stay in the request. A rerun applies nothing twice; a cancel rolls it all back."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from annotate.jobs import runner, services
from annotate.models import Job, Span
from annotate.review.revision_job import REVISION_JOB, article_revision_job_run
from corpus.models import Article
from corpus.text import content_hash
from tests.factories import ArticleFactory, SpanFactory

BODY = "The envoy said talks went well. Critics disagreed sharply. The ministry declined."
QUOTES = ("talks went well", "Critics disagreed sharply", "The ministry declined")
NEW_BODY = "Correction appended. " + BODY.replace("The ministry declined.", "Nobody answered.")
pytestmark = [pytest.mark.django_db, pytest.mark.article(body=BODY)]


@pytest.fixture(autouse=True)
def _two_spans_make_a_job(settings):
    settings.REVISION_JOB_SPANS = 2


@pytest.fixture
def spans(project, article, reviewer) -> list[Span]:
    return [
        SpanFactory(project=project, article=article, created_by=reviewer, text=quote)
        for quote in QUOTES
    ]


def revise(client, article, body=NEW_BODY, **fields):
    return client.post(f"/api/v1/articles/{article.pk}/revise/", {"body": body, **fields})


def test_api_revision_above_the_threshold_is_a_job(
    api_as, editor, project, article, spans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = revise(api_as(editor), article, raw_text="<p>raw</p>")

    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert (response.json()["kind"], response.json()["status"]) == (REVISION_JOB, "queued")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert (job.project, job.created_by, job.done, job.total) == (project, editor, 3, 3)
    assert job.result == {
        "article": article.pk,
        "revised": True,
        "kept": 0,
        "moved": 2,
        "fuzzy": 0,
        "orphaned": 1,
        "companions": {},
    }
    stored = Article.objects.get(pk=article.pk)
    assert (stored.body, stored.raw_text) == (NEW_BODY, "<p>raw</p>")
    moved = Span.objects.get(pk=spans[1].pk)
    assert NEW_BODY[moved.start : moved.end] == QUOTES[1]
    assert Span.objects.get(pk=spans[2].pk).orphaned
    # The text was stored for the job, then removed.
    assert job.params["body"].startswith(f"jobs/{job.pk}/input/")
    assert not default_storage.exists(job.params["body"])
    assert not default_storage.exists(job.params["raw_text"])


def test_below_the_threshold_the_revision_stays_in_the_request(
    api_as, editor, article, spans, settings
):
    settings.REVISION_JOB_SPANS = 3

    response = revise(api_as(editor), article)

    assert response.status_code == 200
    assert (response.json()["moved"], response.json()["orphaned"]) == (2, 1)
    assert not Job.objects.exists()


def test_bad_input_is_refused_before_a_job(api_as, editor, article, spans, assert_error):
    client = api_as(editor)
    assert_error(revise(client, article, body="   "), 400, "validation_error", "body")
    other = ArticleFactory(body="Some other stored text.")
    assert_error(revise(client, article, body=other.body), 400, "validation_error", "body")
    assert_error(client.post(f"/api/v1/articles/{article.pk}/revise/", {}), 400, "validation_error")
    assert not Job.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)])
def test_only_editors_start_a_revision_job(request, api_as, article, spans, who, status):
    response = revise(api_as(request.getfixturevalue(who)), article)

    assert response.status_code == status
    assert not Job.objects.exists()
    assert Article.objects.get(pk=article.pk).body == BODY


def test_reviewers_do_not_see_the_revision_job(
    api_as, client, editor, reviewer, article, spans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        revise(api_as(editor), article)
    job = Job.objects.get()

    assert api_as(reviewer).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api_as(reviewer).get("/api/v1/jobs/").json()["results"] == []
    client.force_login(reviewer)
    assert client.get(reverse("annotate:job", args=[job.pk])).status_code == 404


def test_the_job_page_says_what_moved(
    api_as, client, editor, article, spans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        revise(api_as(editor), article)
    job = Job.objects.get()
    client.force_login(editor)

    page = client.get(reverse("annotate:job", args=[job.pk])).text

    assert "Article revision #" in page
    assert "Spans re-anchored: 0 kept, 2 moved, 0 fuzzy, 1 orphaned." in page


def _queued_revision(client, article, django_capture_on_commit_callbacks) -> Job:
    """A revision job as the API creates it, not yet run (its dispatch not executed)."""
    with django_capture_on_commit_callbacks(execute=False):
        assert revise(client, article).status_code == 202
    return Job.objects.get()


def test_a_rerun_after_the_revision_committed_applies_nothing_twice(
    api_as, editor, article, spans, django_capture_on_commit_callbacks
):
    job = _queued_revision(api_as(editor), article, django_capture_on_commit_callbacks)
    first = services.job_start(job_id=job.pk)
    # The first attempt revises and commits, then its worker dies before the job is finished.
    article_revision_job_run(job=first, progress=lambda done, total=None: None)
    placed = {span.pk: (span.start, span.end) for span in Span.objects.all()}

    assert runner.run_job(job.pk) == Job.Status.DONE  # redelivered: a second attempt

    job.refresh_from_db()
    assert job.attempts == 2
    assert (job.result["moved"], job.result["orphaned"], job.result["kept"]) == (2, 1, 0)
    assert {span.pk: (span.start, span.end) for span in Span.objects.all()} == placed
    assert Article.objects.get(pk=article.pk).body == NEW_BODY


def test_a_text_changed_meanwhile_fails_the_job(
    api_as, editor, article, spans, django_capture_on_commit_callbacks
):
    job = _queued_revision(api_as(editor), article, django_capture_on_commit_callbacks)
    Article.objects.filter(pk=article.pk).update(
        body="Someone else's text.", content_hash=content_hash("Someone else's text.")
    )

    assert runner.run_job(job.pk) == Job.Status.FAILED

    job.refresh_from_db()
    assert job.error.startswith("The article's text changed after this revision was asked for")
    assert Article.objects.get(pk=article.pk).body == "Someone else's text."


def test_a_cancelled_revision_rolls_back_whole(
    api_as, editor, article, spans, django_capture_on_commit_callbacks
):
    job = _queued_revision(api_as(editor), article, django_capture_on_commit_callbacks)
    started = services.job_start(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)  # pressed while it runs
    placed = {span.pk: (span.start, span.end, span.orphaned) for span in Span.objects.all()}

    with pytest.raises(runner.JobCancelled):
        article_revision_job_run(job=started, progress=runner.Progress(started))

    assert Article.objects.get(pk=article.pk).body == BODY
    assert {s.pk: (s.start, s.end, s.orphaned) for s in Span.objects.all()} == placed
    assert Job.objects.get(pk=job.pk).result == {}


def test_spans_of_a_project_the_editor_does_not_edit_fail_the_job(
    api_as, editor, article, spans, make_project, django_capture_on_commit_callbacks
):
    elsewhere = make_project(editors=[], articles=[article])
    SpanFactory(project=elsewhere, article=article, text="Critics disagreed sharply")

    with django_capture_on_commit_callbacks(execute=True):
        assert revise(api_as(editor), article).status_code == 202

    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "which you do not edit" in job.error
    assert Article.objects.get(pk=article.pk).body == BODY
