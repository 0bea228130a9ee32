"""README's "From an empty install to a dataset": every step in Chromium, in the browser only.

An editor makes a project with a custom scale, brings in a file and a web page, invites a
reviewer; the reviewer joins through the link, highlights a claim and submits a verdict with a
source; the editor downloads the dataset and finds that verdict in it. With UPDATE_SCREENSHOTS=1
(`make screenshots`) the steps' screenshots are written to docs/screenshots/walkthrough-*.png.
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.web_pages import article_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
CLAIM = "Turnout reached seventy-one percent"
PASSPHRASE = "a long fresh passphrase"


@pytest.mark.usefixtures("private_hosts_allowed")
def test_walkthrough_from_an_empty_install_to_an_exported_dataset(
    page, live_server, log_in, local_site, select_text, tmp_path
):
    shots = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path

    def shot(name: str) -> None:
        page.screenshot(path=shots / f"walkthrough-{name}.png")

    url = local_site.page(
        "/politics/turnout",
        article_page(
            "Turnout hits record",
            [
                f"{CLAIM}, the highest since the franchise was widened.",
                "Officials said postal votes made up a third of the ballots counted this year.",
            ],
        ),
    )
    editor = UserFactory(is_staff=True)
    log_in(editor)

    # 1. A project with its own scale.
    page.get_by_role("link", name="New project").first.click()
    page.get_by_label("Name").fill("Election desk")
    page.get_by_label("Slug").fill("election-desk")
    page.get_by_label("Reviews per claim (k)").fill("1")
    page.get_by_label("Scale", exact=True).select_option("custom")
    page.get_by_label("Ordinal scale").check()
    for row, (label, description) in enumerate(
        [("Accurate", "Matches the record."), ("Inaccurate", "Contradicts the record.")]
    ):
        page.locator(f"#id_scale-{row}-label").fill(label)
        page.locator(f"#id_scale-{row}-description").fill(description)
    shot("1-new-project")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Election desk")).to_be_visible()

    # 2. Articles: a Markdown file and a web page.
    page.get_by_role("link", name="Add articles").click()
    page.get_by_label("Files").set_input_files(
        [
            {
                "name": "memo.md",
                "mimeType": "text/markdown",
                "buffer": b"Council memo leaks\n\nThe memo says the budget was cut by a fifth.",
            }
        ]
    )
    page.get_by_label("Web pages").fill(url)
    page.get_by_role("button", name="Import").click()
    # The import is a job: its page, with the report once it is done (here before the redirect).
    expect(page.get_by_role("heading", name=re.compile(r"^Job #\d+$"))).to_be_visible()
    expect(page.locator("#import-report .import-counts")).to_contain_text("2 created")
    shot("2-add-articles")

    # 3. A reviewer, invited by email.
    page.get_by_role("link", name="Election desk").first.click()
    page.get_by_role("link", name="Members").click()
    page.get_by_label("Username or email").fill("rita@example.org")
    page.get_by_role("button", name="Invite or save role").click()
    link = page.get_by_label("Invitation link").input_value()
    assert link in mail.outbox[-1].body
    shot("3-invite")
    page.get_by_role("button", name=f"Log out {editor.username}").click()

    # 4. The reviewer joins, opens the web page's article and highlights a claim.
    page.goto(link)
    page.get_by_label("Username", exact=True).fill("rita")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_label("Password again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create account and join").click()
    expect(page.locator(".messages")).to_contain_text("you joined as reviewer")
    page.get_by_role("link", name="Turnout hits record").first.click()
    page.wait_for_load_state()  # the reader's script listens from here on
    assert select_text(CLAIM) == CLAIM
    control = page.locator("#span-form")
    expect(control.get_by_role("button", name="Highlight claim")).to_be_focused()
    shot("4-highlight")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#panel .claim-quote")).to_have_text(CLAIM)

    # 5. Her verdict, with a source.
    page.get_by_role("radio", name="Accurate", exact=True).check()
    page.get_by_label("Rationale").fill("The electoral commission's table says 71.2 %.")
    page.get_by_role("button", name="Add source").click()
    page.get_by_label("URL").fill("https://example.org/commission/turnout")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#reader-status")).to_contain_text("Your verdict was submitted")
    shot("5-verdict")
    page.get_by_role("button", name="Log out rita").click()

    # 6. The editor downloads the dataset.
    log_in(editor)
    page.get_by_role("link", name="Election desk").first.click()
    page.get_by_role("link", name="Export dataset").click()
    page.get_by_label("Format").select_option(label="Native (JSONL, round-trips)")
    shot("6-export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    text = json.dumps(records, ensure_ascii=False)
    assert CLAIM in text and "Accurate" in text and "https://example.org/commission/turnout" in text
