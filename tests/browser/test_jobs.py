"""The Jobs page in Chromium: progress bars follow the job API by themselves (static/js/jobs.js),
download links appear when a job is done, Cancel works."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from annotate.models import Job
from tests.factories import JobFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_progress_updates_by_itself_until_done(page, live_server, log_in, project, reviewer):
    job = JobFactory(
        project=project,
        created_by=reviewer,
        status="running",
        done=1,
        total=4,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    log_in(reviewer)
    page.goto(f"{live_server.url}{reverse('annotate:jobs', args=[project.pk])}")
    card = page.locator(f"#job-{job.pk}")
    expect(card.locator("progress")).to_have_attribute("value", "1")

    Job.objects.filter(pk=job.pk).update(done=3, heartbeat_at=timezone.now())
    expect(card).to_contain_text("3 of 4 done")
    expect(card.locator("progress")).to_have_attribute("value", "3")

    stored = default_storage.save(f"jobs/{job.pk}/count.txt", ContentFile(b"1 2 3 4\n"))
    Job.objects.filter(pk=job.pk).update(
        status="done", done=4, finished_at=timezone.now(), result_file=stored
    )
    expect(card.get_by_text("Done", exact=True)).to_be_visible()
    expect(card.locator("progress")).to_have_attribute("value", "4")
    expect(card.get_by_role("button", name="Cancel")).to_have_count(0)
    link = card.get_by_role("link", name="Download the file")
    expect(link).to_have_attribute("href", re.compile(r"/api/v1/jobs/download/[^/]+/$"))
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "count.txt"


def test_cancel_a_queued_job(page, live_server, log_in, project, reviewer):
    job = JobFactory(project=project, created_by=reviewer)
    log_in(reviewer)
    page.goto(f"{live_server.url}{reverse('annotate:job', args=[job.pk])}")

    page.get_by_role("button", name="Cancel").click()

    expect(page.locator(f"#job-{job.pk}")).to_contain_text("Cancelled")
    job.refresh_from_db()
    assert job.status == "cancelled"
