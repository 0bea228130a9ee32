"""The editor's desk through the test client: creating and editing a project, the claims and
articles tables (filters in the URL, blind review, flat query counts) and the bulk actions."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate.limits import text_limit
from annotate.models import Adjudication, Assignment, Project, Span
from corpus.models import Article
from tests.factories import ArticleFactory, SpanFactory, UserFactory, VerdictFactory

pytestmark = pytest.mark.django_db


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _custom_project_post(**overrides) -> dict:
    data = {
        "name": "Election desk",
        "slug": "election-desk",
        "description": "Claims from the debate.",
        "reviews_per_claim": "3",
        "blind_review": "on",
        "scale_preset": "custom",
        "scale_is_ordinal": "on",
        "scale-TOTAL_FORMS": "3",
        "scale-INITIAL_FORMS": "0",
        "scale-0-label": "Accurate",
        "scale-0-description": "Says what the record says.",
        "scale-0-needs_sources": "on",
        "scale-0-fever": "SUPPORTS",
        "scale-1-label": "Wrong",
        "scale-1-description": "Contradicts the record.",
        "scale-1-needs_sources": "on",
        "scale-1-fever": "REFUTES",
        "scale-2-label": "",
    }
    return data | overrides


# Creating a project ---------------------------------------------------------------------------


def test_staff_creates_a_project_with_a_custom_scale(staff):
    response = _client(staff).post(reverse("annotate:project-new"), _custom_project_post())
    project = Project.objects.get(slug="election-desk")
    assert response.status_code == 302
    assert response["Location"] == reverse("annotate:project", args=[project.pk])
    assert project.labels == ["Accurate", "Wrong"]
    assert project.scale[0]["description"] == "Says what the record says."
    assert project.scale_is_ordinal and project.blind_review and not project.sources_required
    assert project.reviews_per_claim == 3
    assert project.fever_mapping == {"Accurate": "SUPPORTS", "Wrong": "REFUTES"}
    assert project.memberships.get().user == staff


def test_a_preset_ignores_the_custom_rows(staff):
    data = _custom_project_post(scale_preset="fever", scale_is_ordinal="")
    _client(staff).post(reverse("annotate:project-new"), data)
    project = Project.objects.get(slug="election-desk")
    assert project.scale_preset == "fever"
    assert project.labels == ["SUPPORTS", "REFUTES", "NOT ENOUGH INFO"]


def test_one_granted_add_project_may_create_too(user):
    user.user_permissions.add(Permission.objects.get(codename="add_project"))
    response = _client(user).post(reverse("annotate:project-new"), _custom_project_post())
    assert response.status_code == 302


def test_others_may_not_create_projects(user, editor, project):
    for who in (user, editor):
        assert _client(who).get(reverse("annotate:project-new")).status_code == 403
        assert (
            _client(who).post(reverse("annotate:project-new"), _custom_project_post()).status_code
            == 403
        )
    assert not Project.objects.filter(slug="election-desk").exists()
    dashboard = _client(editor).get(reverse("annotate:dashboard")).content.decode()
    assert reverse("annotate:project-new") not in dashboard


def test_the_dashboard_links_the_new_project_page_for_staff(staff):
    page = _client(staff).get(reverse("annotate:dashboard")).content.decode()
    assert reverse("annotate:project-new") in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "x" * (text_limit("project", "description") + 1), "Keep this under"),
        ("name", "x" * (text_limit("project", "name") + 1), "at most"),
        ("reviews_per_claim", "0", "greater than or equal to 1"),
    ],
)
def test_create_errors_land_beside_their_field(staff, field, value, message):
    response = _client(staff).post(
        reverse("annotate:project-new"), _custom_project_post(**{field: value})
    )
    assert response.status_code == 400
    assert message in str(response.context["settings_form"].errors[field])
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not Project.objects.exists()


def test_the_description_limit_is_the_apis(staff, api_as):
    """The same text is refused by the page and the API, with the same words."""
    too_long = "x" * (text_limit("project", "description") + 1)
    page = _client(staff).post(
        reverse("annotate:project-new"), _custom_project_post(description=too_long)
    )
    api = api_as(staff).post(
        "/api/v1/projects/",
        {"name": "N", "slug": "n", "description": too_long},
        format="json",
    )
    assert api.status_code == 400
    assert (
        page.context["settings_form"].errors["description"] == api.json()["errors"]["description"]
    )


def test_a_taken_slug_and_duplicate_labels_are_refused_on_their_fields(staff, project):
    data = _custom_project_post(slug=project.slug, **{"scale-1-label": "Accurate"})
    response = _client(staff).post(reverse("annotate:project-new"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Scale labels must be unique." in page
    assert Project.objects.count() == 1


def test_the_create_form_needs_csrf(staff):
    client = _client(staff, enforce_csrf_checks=True)
    assert client.post(reverse("annotate:project-new"), _custom_project_post()).status_code == 403


# Editing a project ----------------------------------------------------------------------------


def test_an_editor_edits_settings_and_scale_separately(editor, project):
    url = reverse("annotate:project-edit", args=[project.pk])
    settings = {
        "concern": "settings",
        "name": "Renamed",
        "slug": project.slug,
        "description": "",
        "reviews_per_claim": "1",
    }
    assert _client(editor).post(url, settings).status_code == 302
    project.refresh_from_db()
    assert (project.name, project.reviews_per_claim, project.blind_review) == ("Renamed", 1, False)
    scale = {
        "concern": "scale",
        "scale_preset": "custom",
        "scale-TOTAL_FORMS": "1",
        "scale-INITIAL_FORMS": "0",
        "scale-0-label": "Only",
        "scale-0-description": "The one label.",
        "scale-0-fever": "NOT ENOUGH INFO",
    }
    assert _client(editor).post(url, scale).status_code == 302
    project.refresh_from_db()
    assert project.scale == [
        {"label": "Only", "description": "The one label.", "needs_sources": False}
    ]
    assert project.fever_mapping == {"Only": "NOT ENOUGH INFO"}
    assert project.name == "Renamed"  # the scale form left the settings alone


def test_an_empty_scale_is_refused_and_nothing_changes(editor, project):
    url = reverse("annotate:project-edit", args=[project.pk])
    scale = {
        "concern": "scale",
        "scale-TOTAL_FORMS": "1",
        "scale-INITIAL_FORMS": "0",
        "scale-0-label": "",
    }
    response = _client(editor).post(url, scale)
    assert response.status_code == 400
    assert "form-errors" in response.content.decode()
    assert response.context["scale"].scale_errors
    before = project.scale
    project.refresh_from_db()
    assert project.scale == before


def test_only_editors_edit_a_project(reviewer, viewer, outsider, project):
    url = reverse("annotate:project-edit", args=[project.pk])
    assert _client(outsider).get(url).status_code == 404
    for who in (reviewer, viewer):
        assert _client(who).get(url).status_code == 403
        assert _client(who).post(url, {"concern": "settings", "name": "x"}).status_code == 403


def test_the_edit_forms_need_csrf(editor, project):
    client = _client(editor, enforce_csrf_checks=True)
    url = reverse("annotate:project-edit", args=[project.pk])
    assert client.post(url, {"concern": "settings"}).status_code == 403


# The claims table -----------------------------------------------------------------------------


@pytest.fixture
def claims(project, article, editor, reviewer, other_reviewer):
    """Three claims: one agreed by both reviewers, one contested, one orphaned."""
    article.body = "Alpha said one. Beta said two. Gamma said three."
    article.save()
    agreed = SpanFactory(project=project, article=article, text="Alpha said one.")
    contested = SpanFactory(project=project, article=article, text="Beta said two.")
    orphaned = SpanFactory(project=project, article=article, text="Gamma", orphaned=True)
    for span, labels in ((agreed, ["True", "True"]), (contested, ["True", "False"])):
        for who, label in zip((reviewer, other_reviewer), labels, strict=True):
            VerdictFactory(span=span, reviewer=who, label=label)
    return {"agreed": agreed, "contested": contested, "orphaned": orphaned}


def _table(client, project, **params):
    return client.get(reverse("annotate:claims", args=[project.pk]), params)


def _row_ids(response) -> list[int]:
    return [span.pk for span in response.context["rows"]]


def test_the_editor_sees_every_claim_with_its_label_and_reviewers(editor, project, claims):
    response = _table(_client(editor), project)
    assert response.status_code == 200
    rows = {span.pk: span for span in response.context["rows"]}
    assert set(rows) == {s.pk for s in claims.values()}
    agreed = rows[claims["agreed"].pk]
    assert (agreed.status, agreed.table_label) == ("agreed", "True")
    assert rows[claims["contested"].pk].table_label is None  # a tie has no majority
    assert len(agreed.reviewer_names) == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "contested"}, ["contested"]),
        ({"label": "False"}, ["contested"]),
        ({"q": "beta"}, ["contested"]),
        ({"orphaned": "true"}, ["orphaned"]),
        ({"orphaned": "false", "sort": "-status"}, ["contested", "agreed"]),
    ],
)
def test_filters_and_sort_stay_in_the_url(editor, project, claims, params, expected):
    response = _table(_client(editor), project, **params)
    assert _row_ids(response) == [claims[name].pk for name in expected]
    page = response.content.decode()
    form = response.context["form"]
    for key, value in params.items():
        assert form[key].value() == value  # the GET form shows the filter it applied
        if key != "sort":
            assert f"{key}={value}&amp;sort=" in page  # and the sort links keep it


def test_a_blind_reviewer_sees_neither_labels_nor_names_of_others(
    make_project, editor, reviewer, other_reviewer, article
):
    project = make_project(articles=[article])
    span = SpanFactory(project=project, article=article)
    VerdictFactory(span=span, reviewer=other_reviewer, label="False")
    client = _client(reviewer)
    (row,) = _table(client, project).context["rows"]
    assert row.table_label is None and row.reviewer_names == []
    assert row.status == "in_review"
    page = _table(client, project).content.decode()
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    assert other_reviewer.username not in table and "False" not in table
    # Filtering by the hidden label or reviewer finds nothing either.
    assert _row_ids(_table(client, project, label="False")) == []
    assert _row_ids(_table(client, project, reviewer=other_reviewer.pk)) == []
    # A contested claim reads as in review for them, in the filter and the sort alike.
    VerdictFactory(span=span, reviewer=UserFactory(), label="True")
    assert _row_ids(_table(client, project, status="contested")) == []
    assert _row_ids(_table(client, project, status="in_review", sort="-status")) == [span.pk]
    assert _row_ids(_table(_client(editor), project, status="contested")) == [span.pk]
    assert 'id="bulk-form"' not in page


def test_reviewers_and_viewers_do_not_see_orphaned_claims(viewer, project, claims):
    ids = _row_ids(_table(_client(viewer), project))
    assert claims["orphaned"].pk not in ids
    assert _row_ids(_table(_client(viewer), project, orphaned="true")) == []


def test_outsiders_get_404(outsider, project):
    assert _table(_client(outsider), project).status_code == 404
    articles = reverse("annotate:articles", args=[project.pk])
    assert _client(outsider).get(articles).status_code == 404


def _many_claims(project, n: int, creator) -> None:
    article = ArticleFactory(body=" ".join(f"Word{i}." for i in range(n)))
    project.articles.add(article)
    position = 0
    spans = []
    for i in range(n):
        word = f"Word{i}."
        spans.append(
            Span(
                project=project,
                article=article,
                start=position,
                end=position + len(word),
                quote=word,
                created_by=creator,
            )
        )
        position += len(word) + 1
    Span.objects.bulk_create(spans)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "status"},
        {"sort": "-status"},
        {"status": "contested"},
        {"status": "in_review", "sort": "-status"},
    ],
    ids=["reading-order", "status-sort", "status-sort-desc", "contested", "in-review-by-status"],
)
@pytest.mark.parametrize("who", ["editor", "reviewer"])  # a blind reviewer: status hidden
def test_the_claims_table_costs_the_same_for_10_and_1000_claims(
    make_project, editor, reviewer, other_reviewer, who, params
):
    counts = []
    for rows in (10, 1000):
        project = make_project(reviewers=[reviewer, other_reviewer], viewers=[])
        _many_claims(project, rows, editor)
        for n, span in enumerate(Span.objects.filter(project=project)[:6]):
            VerdictFactory(span=span, reviewer=other_reviewer, label="True")
            if n % 2:  # a contested claim, on which the reviewer has spoken or not
                VerdictFactory(span=span, reviewer=reviewer if n % 3 else editor, label="False")
        client = _client({"editor": editor, "reviewer": reviewer}[who])
        with CaptureQueriesContext(connection) as captured:
            response = _table(client, project, **params)
        assert response.status_code == 200 and response.context["rows"]
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 12, counts


@pytest.mark.parametrize("count", [10, 1000])
def test_the_articles_table_costs_the_same_for_10_and_1000_articles(
    editor, project, count, django_assert_max_num_queries
):
    project.articles.add(*ArticleFactory.create_batch(count // 10))
    Article.objects.bulk_create(
        ArticleFactory.build(content_hash=f"h{i}") for i in range(count - count // 10)
    )
    project.articles.add(*Article.objects.all())
    client = _client(editor)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("annotate:articles", args=[project.pk]), {"sort": "-claims"})
    assert len(response.context["page"].object_list) == min(count + 1, 50)


def test_the_articles_table_searches_and_sorts(editor, project, article):
    other = ArticleFactory(title="Zebra crossings", publisher="Daily Paper")
    project.articles.add(other)
    url = reverse("annotate:articles", args=[project.pk])
    response = _client(editor).get(url, {"q": "daily"})
    assert [a.pk for a in response.context["page"].object_list] == [other.pk]
    response = _client(editor).get(url, {"sort": "-title"})
    assert response.context["page"].object_list[0].pk == other.pk


# Bulk actions ---------------------------------------------------------------------------------


def _bulk(client, project, **data):
    return client.post(reverse("annotate:claims-bulk", args=[project.pk]), data)


def test_an_editor_assigns_claims_to_a_reviewer(editor, project, claims, reviewers):
    third = reviewers[2]
    ids = [claims["agreed"].pk, claims["contested"].pk]
    response = _bulk(_client(editor), project, action="assign", spans=ids, reviewer=third.pk)
    assert response.status_code == 302
    assert set(Assignment.objects.filter(reviewer=third).values_list("span_id", flat=True)) == set(
        ids
    )


def test_assigning_to_a_viewer_or_outsider_is_refused(editor, viewer, outsider, project, claims):
    for who in (viewer, outsider):
        _bulk(
            _client(editor), project, action="assign", spans=[claims["agreed"].pk], reviewer=who.pk
        )
    assert not Assignment.objects.filter(reviewer__in=[viewer, outsider]).exists()


def test_an_editor_reopens_an_adjudicated_claim(editor, project, claims):
    span = claims["contested"]
    Adjudication.objects.create(span=span, editor=editor, label="False")
    Span.objects.filter(pk=span.pk).update(queue_open=False)
    _bulk(_client(editor), project, action="reopen", spans=[span.pk])
    assert not Adjudication.objects.filter(span=span).exists()


def test_delete_asks_for_confirmation_first(editor, project, claims):
    client = _client(editor)
    span = claims["agreed"]
    response = _bulk(client, project, action="delete", spans=[span.pk], next="?q=alpha")
    assert response.status_code == 200
    assert "Delete 1 claim?" in response.content.decode()
    assert Span.objects.filter(pk=span.pk).exists()
    response = _bulk(
        client, project, action="delete", spans=[span.pk], confirm="on", next="?q=alpha"
    )
    assert response["Location"] == reverse("annotate:claims", args=[project.pk]) + "?q=alpha"
    assert not Span.objects.filter(pk=span.pk).exists()


def test_reviewers_and_viewers_may_not_use_bulk_actions(reviewer, viewer, project, claims):
    span = claims["agreed"]
    for who in (reviewer, viewer):
        for action in ("delete", "assign", "reopen"):
            response = _bulk(
                _client(who), project, action=action, spans=[span.pk], reviewer=who.pk, confirm="on"
            )
            assert response.status_code == 403
    assert Span.objects.filter(pk=span.pk).exists()
    assert not Assignment.objects.filter(span=span).exists()


def test_bulk_actions_reach_only_this_projects_claims(editor, make_project, project, claims):
    elsewhere = SpanFactory(project=make_project(editors=[UserFactory()]))
    _bulk(_client(editor), project, action="delete", spans=[elsewhere.pk], confirm="on")
    assert Span.objects.filter(pk=elsewhere.pk).exists()


def test_outsiders_get_404_on_bulk(outsider, project, claims):
    response = _bulk(_client(outsider), project, action="delete", spans=[claims["agreed"].pk])
    assert response.status_code == 404


def test_the_bulk_form_needs_csrf(editor, project, claims):
    client = _client(editor, enforce_csrf_checks=True)
    span = claims["agreed"]
    response = _bulk(client, project, action="delete", spans=[span.pk], confirm="on")
    assert response.status_code == 403
    assert Span.objects.filter(pk=span.pk).exists()


def test_user_text_is_escaped_in_the_tables(editor, project, article):
    article.title = "<script>alert(1)</script>"
    article.save()
    SpanFactory(project=project, article=article)
    for name in ("annotate:claims", "annotate:articles"):
        page = _client(editor).get(reverse(name, args=[project.pk])).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


def test_the_article_filter_comes_from_the_article_links(editor, project, claims):
    other = ArticleFactory(title="Other piece", body="Delta said four.")
    elsewhere = SpanFactory(project=project, article=other, text="Delta said four.")
    response = _table(_client(editor), project, article=other.pk, q="delta")
    assert _row_ids(response) == [elsewhere.pk]
    page = response.content.decode()
    assert "Article: Other piece" in page
    assert "?q=delta&amp;article=" in page  # each row's article link keeps the other filters
    articles = _client(editor).get(reverse("annotate:articles", args=[project.pk]))
    assert f"?article={other.pk}" in articles.content.decode()


def test_the_edit_page_shows_the_current_scale_and_settings(editor, project):
    project.fever_mapping = {"True": "SUPPORTS"}
    project.save()
    response = _client(editor).get(reverse("annotate:project-edit", args=[project.pk]))
    assert response.status_code == 200
    rows = response.context["scale"].initial
    assert [row["label"] for row in rows] == project.labels
    assert rows[0]["fever"] == "SUPPORTS"
    page = response.content.decode()
    assert f'value="{project.name}"' in page and 'name="concern" value="scale"' in page
    project_page = _client(editor).get(reverse("annotate:project", args=[project.pk]))
    assert reverse("annotate:project-edit", args=[project.pk]) in project_page.content.decode()
    assert reverse("annotate:claims", args=[project.pk]) in project_page.content.decode()


def test_a_taken_slug_is_named_beside_the_slug_field(staff, project):
    response = _client(staff).post(
        reverse("annotate:project-new"), _custom_project_post(slug=project.slug)
    )
    assert response.status_code == 400
    assert response.context["settings_form"].errors["slug"]
    assert 'id="id_slug_errors"' in response.content.decode()
