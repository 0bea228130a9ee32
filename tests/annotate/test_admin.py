import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate import services
from annotate.models import Membership
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def contested_span():
    reviewers = UserFactory.create_batch(2)
    article = ArticleFactory(body="Officials said <b>100,000</b> troops massed. Others disagreed.")
    project = ProjectFactory(reviewers=reviewers, articles=[article])
    span = SpanFactory(project=project, article=article, text="<b>100,000</b> troops massed")
    for reviewer, label in zip(reviewers, ["True", "False"], strict=True):
        verdict = VerdictFactory(span=span, reviewer=reviewer, label=label)
        SourceFactory(verdict=verdict, url="https://example.org/evidence", title="Evidence")
    return span


@pytest.mark.parametrize(
    "model",
    ["project", "membership", "span", "verdict", "source", "comment", "adjudication", "assignment"],
)
def test_admin_changelists_open_for_staff(admin_client, contested_span, model):
    response = admin_client.get(reverse(f"admin:annotate_{model}_changelist"))
    assert response.status_code == 200


def test_admin_span_page_marks_quote_in_context_escaped(admin_client, contested_span):
    url = reverse("admin:annotate_span_change", args=[contested_span.pk])
    page = admin_client.get(url).text
    assert "<mark>&lt;b&gt;100,000&lt;/b&gt; troops massed</mark>" in page
    assert "<b>100,000</b>" not in page
    assert "https://example.org/evidence" in page  # sources shown under the span's verdicts


def test_admin_article_page_lists_its_spans(admin_client, contested_span):
    url = reverse("admin:corpus_article_change", args=[contested_span.article_id])
    assert "<mark>&lt;b&gt;100,000&lt;/b&gt; troops massed</mark>" in admin_client.get(url).text


@pytest.mark.parametrize(
    "query, shown",
    [
        ({"status": "contested"}, True),
        ({"status": "agreed"}, False),
        ({"label": "False"}, True),
        ({"label": "Pants on Fire"}, False),
    ],
)
def test_admin_span_filters(admin_client, contested_span, query, shown):
    page = admin_client.get(reverse("admin:annotate_span_changelist"), query).text
    assert ("troops massed</mark>" in page) is shown


def test_admin_span_filter_by_reviewer_and_project(admin_client, contested_span):
    other = SpanFactory()
    reviewer = contested_span.verdicts.first().reviewer
    url = reverse("admin:annotate_span_changelist")
    page = admin_client.get(url, {"verdicts__reviewer__id__exact": reviewer.pk}).text
    assert "troops massed</mark>" in page
    assert other.quote not in page
    page = admin_client.get(url, {"project__id__exact": other.project_id}).text
    assert "troops massed</mark>" not in page


@pytest.mark.parametrize("model", ["span", "verdict", "source", "membership"])
def test_admin_changelist_queries_do_not_grow(admin_client, model):
    def count_for(n: int) -> int:
        project = ProjectFactory()
        for _ in range(n):
            verdict = VerdictFactory(span__project=project, reviewer=UserFactory())
            SourceFactory(verdict=verdict)
            Membership.objects.get_or_create(
                project=project, user=verdict.reviewer, defaults={"role": "reviewer"}
            )
        with CaptureQueriesContext(connection) as captured:
            assert (
                admin_client.get(reverse(f"admin:annotate_{model}_changelist")).status_code == 200
            )
        return len(captured)

    few = count_for(3)
    assert count_for(27) == few


def test_admin_membership_delete_of_last_editor_is_refused(admin_client, staff_user):
    editor = UserFactory()
    project = ProjectFactory(editors=[editor])
    membership = Membership.objects.get(project=project, user=editor)
    url = reverse("admin:annotate_membership_delete", args=[membership.pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert "at least one editor" in response.text
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_membership_role_change_goes_through_the_service(admin_client):
    editor, reviewer = UserFactory(), UserFactory()
    project = ProjectFactory(editors=[editor], reviewers=[reviewer])
    membership = Membership.objects.get(project=project, user=reviewer)
    url = reverse("admin:annotate_membership_change", args=[membership.pk])
    admin_client.post(url, {"project": project.pk, "user": reviewer.pk, "role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    assert membership.history.first().role == "viewer"


def test_admin_refuses_non_staff(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:annotate_span_changelist"))
    assert response.status_code == 302


def test_admin_span_history_shows_the_actor(admin_client, contested_span):
    reviewer = contested_span.verdicts.first().reviewer
    services.span_create(
        project=contested_span.project,
        article=contested_span.article,
        actor=reviewer,
        quote="Others disagreed.",
    )
    span = contested_span.project.spans.get(quote="Others disagreed.")
    page = admin_client.get(reverse("admin:annotate_span_history", args=[span.pk])).text
    assert reviewer.username in page
