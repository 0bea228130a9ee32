"""The Jobs pages: a project's jobs with progress bars polled by static/js/jobs.js, one job's
page, cancel (POST with CSRF); everything escaped, queries flat."""

import pytest
from django.test import Client
from django.urls import reverse

from annotate.jobs import runner
from annotate.models import Job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def jobs_url(project) -> str:
    return reverse("annotate:jobs", args=[project.pk])


def job_url(job) -> str:
    return reverse("annotate:job", args=[job.pk])


def test_jobs_page_shows_progress_and_polls_the_api(client, project, reviewer):
    job = JobFactory(project=project, created_by=reviewer, done=1, total=4, status="running")
    client.force_login(reviewer)

    response = client.get(jobs_url(project))

    assert response.status_code == 200
    page = response.text
    assert f'data-job-url="/api/v1/jobs/{job.pk}/"' in page
    assert 'max="4" value="1"' in page and "1 of 4 done" in page
    assert "js/jobs.js" in page and 'type="module"' in page
    assert f'action="/review/jobs/{job.pk}/cancel/"' in page  # the starter may cancel


def test_jobs_page_lists_only_what_the_role_may_see(client, project, editor, reviewer, viewer):
    countdown = JobFactory(project=project, created_by=reviewer)
    export = JobFactory(project=project, created_by=editor, kind="dataset-export")
    client.force_login(viewer)
    page = client.get(jobs_url(project)).text
    assert f"#{countdown.pk}" not in page and f"#{export.pk}" not in page
    client.force_login(reviewer)
    page = client.get(jobs_url(project)).text
    assert f"#{countdown.pk}" in page and f"#{export.pk}" not in page
    client.force_login(editor)
    page = client.get(jobs_url(project)).text
    assert f"#{countdown.pk}" in page and f"#{export.pk}" in page


def test_jobs_pages_are_absent_for_other_projects(client, project, reviewer, outsider):
    job = JobFactory(project=project, created_by=reviewer)
    client.force_login(outsider)
    assert client.get(jobs_url(project)).status_code == 404
    assert client.get(job_url(job)).status_code == 404
    assert client.post(reverse("annotate:job-cancel", args=[job.pk])).status_code == 404


def test_job_page_shows_a_done_job_with_its_result(client, project, reviewer):
    job = JobFactory(project=project, created_by=reviewer)
    runner.run_job(job.pk)
    client.force_login(reviewer)

    page = client.get(job_url(job)).text

    assert "Done" in page and "3 of 3 done" in page
    assert 'action="/review/jobs/' not in page  # nothing to cancel


def test_job_page_escapes_the_error(client, project, reviewer):
    job = JobFactory(project=project, created_by=reviewer, status="failed", error="<b>x</b>")
    client.force_login(reviewer)
    page = client.get(job_url(job)).text
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_cancel_from_the_page(client, project, reviewer):
    job = JobFactory(project=project, created_by=reviewer)
    client.force_login(reviewer)

    response = client.post(reverse("annotate:job-cancel", args=[job.pk]))

    assert response.status_code == 302 and response["Location"] == job_url(job)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_cancel_needs_csrf_and_a_post(project, reviewer):
    job = JobFactory(project=project, created_by=reviewer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    url = reverse("annotate:job-cancel", args=[job.pk])

    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


def test_cancel_refused_to_another_reviewer(client, project, reviewer, other_reviewer):
    job = JobFactory(project=project, created_by=reviewer)
    client.force_login(other_reviewer)
    assert 'action="/review/jobs/' not in client.get(job_url(job)).text
    assert client.post(reverse("annotate:job-cancel", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


@pytest.mark.parametrize("n", [1, 20])
def test_jobs_page_queries_stay_flat(client, project, editor, n, django_assert_max_num_queries):
    JobFactory.create_batch(n, project=project, created_by=editor)
    client.force_login(editor)
    with django_assert_max_num_queries(7):
        response = client.get(jobs_url(project))
    assert response.text.count('class="job"') == n


def test_project_page_links_to_its_jobs_for_editors(client, project, editor):
    client.force_login(editor)
    page = client.get(reverse("annotate:project", args=[project.pk])).text
    assert jobs_url(project) in page


def test_an_export_jobs_page_is_absent_for_reviewers(client, project, editor, reviewer):
    export = JobFactory(project=project, created_by=editor, kind="dataset-export")
    client.force_login(reviewer)
    assert client.get(job_url(export)).status_code == 404
    assert client.post(reverse("annotate:job-cancel", args=[export.pk])).status_code == 404
    client.force_login(editor)
    page = client.get(job_url(export)).text
    assert "Dataset export #" in page


def test_jobs_pages_need_a_login(client, project, reviewer):
    job = JobFactory(project=project, created_by=reviewer)
    for url in (jobs_url(project), job_url(job)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
