"""Agreement recomputation as a job (`agreement-recompute`): started by editors from the quality
page, the API and the recompute_agreement command, and instead of computing in the request above
AGREEMENT_JOB_VERDICTS; it caches the figures the page and the API then show. A rerun is
harmless; a second start while one is unfinished joins it."""

from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotate.jobs import runner
from annotate.models import Job, Verdict
from annotate.quality import AgreementFilters
from annotate.quality.jobs import AGREEMENT_JOB, agreement_job_start
from annotate.quality.selectors import agreement_cached
from tests.factories import SpanFactory

CLAIMS = ("Rain fell", "Prices rose", "Talks failed", "Roads closed")
pytestmark = [pytest.mark.django_db, pytest.mark.article(body=". ".join(CLAIMS) + ".")]


@pytest.fixture(autouse=True)
def _empty_cache():
    caches["shared"].clear()
    yield
    caches["shared"].clear()


@pytest.fixture
def rated(project, article, reviewer, other_reviewer):
    """Four claims judged by two reviewers: 8 submitted verdicts, agreeing on three claims."""
    labels = project.labels
    for text, (a, b) in zip(CLAIMS, [(0, 0), (1, 1), (0, 0), (0, 1)], strict=True):
        span = SpanFactory(project=project, article=article, created_by=reviewer, text=text)
        for who, label in ((reviewer, a), (other_reviewer, b)):
            Verdict.objects.create(
                span=span,
                reviewer=who,
                label=labels[label],
                status="submitted",
                submitted_at=timezone.now(),
            )
    return project


@pytest.fixture
def big(settings):
    """The 8 verdicts are more than the threshold: figures not cached come from a job."""
    settings.AGREEMENT_JOB_VERDICTS = 7


def api_url(project, action="") -> str:
    return f"/api/v1/projects/{project.pk}/agreement/{action}"


def test_api_above_the_threshold_answers_202_then_the_figures(
    api_as, editor, rated, big, django_capture_on_commit_callbacks
):
    client = api_as(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(api_url(rated))

    assert response.status_code == 202
    job = Job.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert response.json()["kind"] == AGREEMENT_JOB
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert (job.done, job.total) == (8, 8)
    assert (job.result["verdicts"], job.result["spans"], job.result["reviewers"]) == (8, 4, 2)

    again = client.get(api_url(rated))
    assert again.status_code == 200
    assert again.json()["verdicts"] == 8
    assert again.json()["computed_at"].startswith(job.result["computed_at"][:19])
    assert Job.objects.count() == 1


def test_below_the_threshold_the_figures_come_in_the_request(api_as, editor, rated):
    response = api_as(editor).get(api_url(rated))

    assert response.status_code == 200 and response.json()["verdicts"] == 8
    assert not Job.objects.exists()


def test_asking_again_while_it_runs_joins_the_same_job(
    api_as, editor, rated, big, django_capture_on_commit_callbacks
):
    client = api_as(editor)
    with django_capture_on_commit_callbacks(execute=False):
        first = client.get(api_url(rated))
        second = client.get(api_url(rated))
        recompute = client.post(api_url(rated, "recompute/"))
        other_filters = client.post(api_url(rated, "recompute/") + "?submitted_from=2020-01-01")

    assert {first.json()["id"], second.json()["id"], recompute.json()["id"]} == {
        Job.objects.order_by("pk").first().pk
    }
    assert recompute.status_code == 202
    assert other_filters.status_code == 202 and other_filters.json()["id"] != first.json()["id"]
    assert Job.objects.count() == 2


def test_api_recompute_refreshes_the_cached_figures_with_the_filters(
    api_as, editor, rated, django_capture_on_commit_callbacks
):
    client = api_as(editor)
    stale = client.get(api_url(rated)).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(api_url(rated, "recompute/"))
        filtered = client.post(api_url(rated, "recompute/") + f"?article={rated.articles.get().pk}")

    assert response.status_code == 202 and filtered.status_code == 202
    job = Job.objects.get(pk=filtered.json()["id"])
    assert job.params == {
        "articles": [rated.articles.get().pk],
        "submitted_from": None,
        "submitted_to": None,
    }
    fresh = client.get(api_url(rated)).json()
    assert fresh["computed_at"] > stale["computed_at"]
    filters = AgreementFilters(articles=(rated.articles.get().pk,))
    assert agreement_cached(rated, filters).verdicts == 8


def test_api_recompute_refuses_bad_filters(api_as, editor, rated, assert_error):
    response = api_as(editor).post(api_url(rated, "recompute/") + "?submitted_from=soon")

    assert_error(response, 400, "validation_error", "submitted_from")
    assert not Job.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)])
def test_only_editors_start_or_see_it(request, api_as, editor, rated, big, who, status):
    job = agreement_job_start(project=rated, actor=editor, filters=AgreementFilters())
    client = api_as(request.getfixturevalue(who))

    assert client.post(api_url(rated, "recompute/")).status_code == status
    assert client.get(api_url(rated)).status_code == status
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert client.get("/api/v1/jobs/").json()["results"] == []
    assert Job.objects.count() == 1


def test_a_rerun_is_harmless(editor, rated):
    job = agreement_job_start(project=rated, actor=editor, filters=AgreementFilters())
    assert runner.run_job(job.pk) == Job.Status.DONE
    first = Job.objects.get(pk=job.pk).result
    # A worker lost after caching the figures: the message comes again while the job runs.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)

    assert runner.run_job(job.pk) == Job.Status.DONE

    job.refresh_from_db()
    assert job.attempts == 2
    assert {k: v for k, v in job.result.items() if k != "computed_at"} == {
        k: v for k, v in first.items() if k != "computed_at"
    }
    assert agreement_cached(rated).verdicts == 8
    assert Job.objects.count() == 1


def page_url(project) -> str:
    return reverse("annotate:quality", args=[project.pk])


def test_page_above_the_threshold_shows_the_job(
    client, editor, rated, big, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(page_url(rated))

    assert response.status_code == 202
    job = Job.objects.get()
    assert f'href="{reverse("annotate:job", args=[job.pk])}"' in response.text
    assert "is computing them (queued)" in response.text
    assert "Krippendorff" not in response.text

    runner.run_job(job.pk)
    page = client.get(page_url(rated))
    assert page.status_code == 200 and "8 submitted verdicts on 4 claims" in page.text


def test_page_button_starts_a_job_for_the_filters(
    client, editor, rated, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    article_id = rated.articles.get().pk
    page = client.get(page_url(rated), {"article": article_id}).text
    action = reverse("annotate:quality-recompute", args=[rated.pk]) + f"?article={article_id}"
    assert f'action="{action}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action)

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "annotate:job", args=[job.pk]
    )
    assert job.params["articles"] == [article_id] and job.status == Job.Status.DONE
    done = client.get(response["Location"]).text
    assert "Agreement recomputation #" in done and "Figures of 8 verdicts on 4 claims" in done


def test_page_button_needs_an_editor_a_post_and_csrf(client, rated, reviewer, editor):
    url = reverse("annotate:quality-recompute", args=[rated.pk])
    client.force_login(reviewer)
    assert client.post(url).status_code == 403
    client.force_login(editor)
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(url).status_code == 403
    assert not Job.objects.exists()


def test_command_runs_the_job_and_reports(rated, editor, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=False) as dispatched:
        call_command("recompute_agreement", "--project", rated.slug, stdout=out)

    assert dispatched == []  # run by the command itself, not handed to an engine too
    job = Job.objects.get()
    assert (job.kind, job.created_by, job.status) == (AGREEMENT_JOB, editor, Job.Status.DONE)
    assert out.getvalue().startswith(f"job #{job.pk} done: Figures of 8 verdicts on 4 claims")
    assert agreement_cached(rated).verdicts == 8


def test_command_refuses_a_non_editor_and_unknown_names(rated, reviewer):
    with pytest.raises(CommandError, match="is not an editor"):
        call_command("recompute_agreement", "--project", rated.slug, "--as", reviewer.username)
    with pytest.raises(CommandError, match="no project"):
        call_command("recompute_agreement", "--project", "nope")
    with pytest.raises(CommandError, match="no user"):
        call_command("recompute_agreement", "--project", rated.slug, "--as", "nobody-here")
    assert not Job.objects.exists()
