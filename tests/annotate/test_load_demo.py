from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotate.models import Project, Span, Verdict
from annotate.review import selectors
from tests.paths import SEEDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_site(settings):
    settings.DEBUG = True  # create_demo_users refuses to run without it
    call_command("import_articles", str(SEEDS), stdout=StringIO())
    call_command("create_demo_users", stdout=StringIO())
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_creates_every_review_state(demo_site):
    assert demo_site.strip() == "demo project loaded: 10 new span(s)"
    project = Project.objects.get(slug="biden-putin-2021")
    editor = project.memberships.get(role="editor").user
    statuses = Counter(
        span.status for span in selectors.project_spans(project=project, user=editor)
    )
    assert statuses == {"agreed": 3, "contested": 2, "adjudicated": 1, "in_review": 2, "open": 2}
    for span in Span.objects.all():
        assert span.article.body[span.start : span.end] == span.quote
    submitted = Verdict.objects.filter(status="submitted")
    assert all(verdict.sources.exists() for verdict in submitted)


def test_load_demo_twice_changes_nothing(demo_site):
    counts = (Span.objects.count(), Verdict.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert out.getvalue().strip() == "demo project loaded: 0 new span(s)"
    assert (Span.objects.count(), Verdict.objects.count()) == counts


def test_demo_annotations_show_in_the_admin(demo_site, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="editor"))
    page = client.get(reverse("admin:annotate_span_changelist"), {"status": "adjudicated"}).text
    assert "Anti-Ballistic Missile (ABM) Treaty" in page


def test_load_demo_without_seed_articles_names_what_is_missing(settings):
    from django.core.management import CommandError

    settings.DEBUG = True
    call_command("create_demo_users", stdout=StringIO())
    with pytest.raises(CommandError, match="import_articles seeds/"):
        call_command("load_demo", stdout=StringIO())
    assert not Span.objects.exists()
    assert not Project.objects.exists()  # one transaction: nothing half-loaded
