"""An editor brings articles in from the browser: two files and one URL, imported by a job
whose page shows the report, at once (JOBS_RUN_INLINE) or once the page saw the job end."""

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotate.jobs import runner
from annotate.models import Job
from tests.factories import ProjectFactory, UserFactory
from tests.web_pages import article_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.usefixtures("private_hosts_allowed")
@pytest.mark.parametrize("width", [1440, 360])
def test_editor_uploads_two_files_and_one_url(page, live_server, log_in, local_site, width):
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})
    editor = UserFactory()
    project = ProjectFactory(editors=[editor], articles=[], name="Election desk")
    url = local_site.page(
        "/politics/turnout",
        article_page(
            "Turnout hits record",
            [
                "Turnout reached seventy-one percent, the highest since the franchise was widened.",
                "Officials said postal votes made up a third of the ballots counted this year.",
                "Observers from three countries reported no irregularities at the stations.",
            ],
        ),
    )
    log_in(editor)

    page.goto(live_server.url + reverse("annotate:project", args=[project.pk]))
    page.get_by_role("link", name="Add articles").click()
    expect(page.get_by_role("heading", name="Add articles")).to_be_visible()
    page.get_by_label("Files").set_input_files(
        [
            {
                "name": "memo.md",
                "mimeType": "text/markdown",
                "buffer": b"Council memo leaks\n\nThe memo says the budget was cut by a fifth.",
            },
            {
                "name": "wire.jsonl",
                "mimeType": "application/x-ndjson",
                "buffer": (
                    json.dumps({"title": "Dam inspected", "body": "Inspectors found no cracks."})
                    + "\n{not json\n"
                ).encode(),
            },
        ]
    )
    page.get_by_label("Web pages").fill(url)
    page.get_by_role("button", name="Import").click()

    # JOBS_RUN_INLINE (the tests' setting): the job is done before the redirect to its page.
    expect(page).to_have_url(re.compile(r"/review/jobs/\d+/$"))
    expect(page.locator("[data-job-field=status]")).to_have_text("Done")
    report = page.locator("#import-report")
    expect(report).to_be_in_viewport()
    expect(report.locator(".import-counts")).to_have_text(
        "3 created, 0 already stored, 1 failed. Articles created or already stored are now in "
        "this project."
    )
    failure = page.locator("#import-failures tbody tr")
    expect(failure).to_have_count(1)
    expect(failure).to_contain_text("wire.jsonl:2")
    expect(failure).to_be_visible()
    imported = page.locator("#import-imported tbody tr")
    expect(imported).to_have_count(3)
    expect(imported.filter(has_text=url)).to_contain_text("Turnout hits record")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert set(project.articles.values_list("title", flat=True)) == {
        "Council memo leaks",
        "Dam inspected",
        "Turnout hits record",
    }
    assert project.articles.get(title="Turnout hits record").source_url == url

    imported.filter(has_text=url).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Turnout hits record")).to_be_visible()


@pytest.mark.usefixtures("private_hosts_allowed")
def test_job_page_follows_the_job_until_its_report(
    page, live_server, log_in, local_site, monkeypatch
):
    """With a worker or a thread the import may end after the redirect: the job's page polls it
    and shows the report once it is done. Here nothing runs the job until the test does, after
    the page showed it queued, so the page must follow it."""
    monkeypatch.setattr("annotate.jobs.runner.job_dispatch", lambda job_id: None)
    editor = UserFactory()
    project = ProjectFactory(editors=[editor], articles=[], name="Election desk")
    url = local_site.page(
        "/politics/turnout",
        article_page("Turnout hits record", ["Turnout reached seventy-one percent this year."]),
    )
    log_in(editor)

    page.goto(live_server.url + reverse("annotate:articles-add", args=[project.pk]))
    page.get_by_label("Web pages").fill(url)
    page.get_by_role("button", name="Import").click()

    expect(page).to_have_url(re.compile(r"/review/jobs/\d+/$"))
    expect(page.locator("[data-job-field=status]")).to_have_text("Queued")
    expect(page.locator("[data-job-field=figures]")).to_have_text("0 of 1 done")
    expect(page.locator("#import-report")).to_have_count(0)

    monkeypatch.undo()
    assert runner.run_job(Job.objects.get().pk) == "done"  # as a worker would

    expect(page.locator("#import-report .import-counts")).to_contain_text("1 created")
    expect(page.locator("[data-job-field=status]")).to_have_text("Done")
    assert project.articles.get().title == "Turnout hits record"
