"""The header's language switcher: a reviewer turns the pages Spanish and they stay Spanish,
the reader's JavaScript included (its catalog loads under the strict CSP); at a desktop's and a
phone's width."""

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Profile
from tests.browser.test_layout import _no_horizontal_scroll
from tests.factories import ArticleFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def spanish(msgid: str, domain: str = "django") -> str:
    """What the Spanish catalog says for msgid; the msgid itself while it is untranslated
    (Django falls back to it), so the test holds before and after the translators' work."""
    catalog = polib.pofile(str(settings.BASE_DIR / f"locale/es/LC_MESSAGES/{domain}.po"))
    entry = catalog.find(msgid)
    return entry.msgstr if entry and entry.msgstr and "fuzzy" not in entry.flags else msgid


@pytest.mark.parametrize("width", [1440, 360])
def test_switcher_turns_the_pages_spanish_and_keeps_them_so(page, live_server, log_in, width):
    reviewer = UserFactory()
    article = ArticleFactory()
    project = ProjectFactory(reviewers=[reviewer], articles=[article])
    page.set_viewport_size({"width": width, "height": 900})
    log_in(reviewer)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your projects")
    _no_horizontal_scroll(page)

    switcher = page.locator("#language-switcher")
    switcher.get_by_label("Language").select_option("es")
    switcher.get_by_role("button").click()

    expect(html).to_have_attribute("lang", "es")
    expect(page).to_have_url(f"{live_server.url}{reverse('annotate:dashboard')}")
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish("Your projects"))
    expect(page.locator("#language-switcher-select")).to_have_value("es")
    _no_horizontal_scroll(page)
    assert Profile.objects.get(user=reviewer).preferred_language == "es"

    # The reader in Spanish: its modules find gettext (no console error), words come from it.
    page.goto(live_server.url + reverse("annotate:reader", args=[project.pk, article.pk]))
    expect(html).to_have_attribute("lang", "es")
    assert page.evaluate("typeof gettext") == "function"
    said = page.evaluate("gettext('Select mode off.')")
    assert said == spanish("Select mode off.", "djangojs")
