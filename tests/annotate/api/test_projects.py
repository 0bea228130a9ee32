"""/api/v1/projects/: list, retrieve with progress, create, members, articles, next, queue."""

import pytest

from annotate.models import Assignment, Membership, Project, Verdict
from annotate.projects.scales import PRESETS
from tests.factories import (
    ArticleFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db

SOURCE = {"url": "https://example.org/readout", "stance": "refutes"}


# --- list and retrieve ----------------------------------------------------------------------------


def test_list_shows_only_the_callers_projects_with_their_role(api_as, reviewer, project):
    ProjectFactory(editors=[UserFactory()])
    second = ProjectFactory(viewers=[reviewer])

    response = api_as(reviewer).get("/api/v1/projects/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["id"]: row["role"] for row in rows} == {project.pk: "reviewer", second.pk: "viewer"}
    assert response.json()["count"] == 2


def test_list_of_a_user_without_projects_is_empty(api_as, project):
    response = api_as(UserFactory()).get("/api/v1/projects/")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_list_unauthenticated_is_401(anonymous, project, assert_error):
    assert_error(anonymous.get("/api/v1/projects/"), 401, "not_authenticated")


def test_retrieve_has_scale_and_progress(api_as, editor, reviewer, other_reviewer, project, span):
    VerdictFactory(span=span, reviewer=reviewer, label="True")
    VerdictFactory(span=span, reviewer=other_reviewer, label="False")
    SpanFactory(project=project, article=span.article, text="keep talking")

    response = api_as(editor).get(f"/api/v1/projects/{project.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == project.pk
    assert body["role"] == "editor"
    assert [entry["label"] for entry in body["scale"]] == project.labels
    assert body["scale"][0] == {
        "label": "True",
        "description": PRESETS["politifact"].labels[0][1],
        "needs_sources": True,
    }
    assert body["blind_review"] is True and body["reviews_per_claim"] == 2
    assert body["progress"] == {
        "spans": 2,
        "agreed": 0,
        "contested": 1,
        "adjudicated": 0,
        "verdicts_submitted": 2,
        "verdicts_wanted": 4,
    }


def test_retrieve_project_of_others_is_404(api_as, outsider, project, assert_error):
    assert_error(api_as(outsider).get(f"/api/v1/projects/{project.pk}/"), 404, "not_found")


# --- create ---------------------------------------------------------------------------------------


def test_create_by_staff_makes_them_editor(api_as):
    staff = UserFactory(is_staff=True)

    response = api_as(staff).post(
        "/api/v1/projects/",
        {"name": "Election desk", "slug": "election-desk", "scale_preset": "fever"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    project = Project.objects.get(slug="election-desk")
    assert body["id"] == project.pk
    assert body["role"] == "editor"
    assert body["progress"]["spans"] == 0
    assert [entry["label"] for entry in body["scale"]] == [
        "SUPPORTS",
        "REFUTES",
        "NOT ENOUGH INFO",
    ]
    assert project.scale_preset == "fever" and project.scale_is_ordinal is False
    assert Membership.objects.filter(project=project, user=staff, role="editor").exists()


def test_create_with_custom_scale(api_as):
    staff = UserFactory(is_staff=True)
    scale = [
        {"label": "Yes", "description": "", "needs_sources": True},
        {"label": "No", "description": "", "needs_sources": False},
    ]

    response = api_as(staff).post(
        "/api/v1/projects/", {"name": "Custom", "slug": "custom", "scale": scale}
    )

    assert response.status_code == 201, response.content
    project = Project.objects.get(slug="custom")
    assert project.labels == ["Yes", "No"]
    assert project.scale_preset == ""


def test_create_by_non_staff_is_403(api_as, editor, project, assert_error):
    response = api_as(editor).post("/api/v1/projects/", {"name": "Mine", "slug": "mine"})

    assert_error(response, 403, "permission_denied")
    assert not Project.objects.filter(slug="mine").exists()


def test_create_unknown_preset_is_a_field_error(api_as, assert_error):
    response = api_as(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"name": "X", "slug": "x", "scale_preset": "nope"}
    )

    assert_error(response, 400, "validation_error", "scale_preset")
    assert not Project.objects.filter(slug="x").exists()


def test_create_taken_slug_is_a_field_error(api_as, project, assert_error):
    response = api_as(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"name": "Again", "slug": project.slug}
    )

    assert_error(response, 400, "validation_error", "slug")
    assert Project.objects.filter(slug=project.slug).count() == 1


def test_create_invalid_input_lists_each_field(api_as, assert_error):
    response = api_as(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"slug": "not a slug", "reviews_per_claim": 0}
    )

    assert_error(response, 400, "validation_error", "name", "slug", "reviews_per_claim")


# --- members --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "reviewer", "viewer"])
def test_members_list_for_any_member(api_as, request, project, role):
    user = request.getfixturevalue(role)

    response = api_as(user).get(f"/api/v1/projects/{project.pk}/members/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {(row["user"]["id"], row["role"]) for row in rows} == set(
        Membership.objects.filter(project=project).values_list("user_id", "role")
    )
    assert response.json()["count"] == 5  # editor, three reviewers, viewer


def test_members_list_of_others_project_is_404(api_as, outsider, project, assert_error):
    response = api_as(outsider).get(f"/api/v1/projects/{project.pk}/members/")

    assert_error(response, 404, "not_found")


def test_members_add_by_editor(api_as, editor, project):
    newcomer = UserFactory()

    response = api_as(editor).post(
        f"/api/v1/projects/{project.pk}/members/",
        {"username": newcomer.username, "role": "reviewer"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["user"] == {"id": newcomer.pk, "username": newcomer.username}
    assert response.json()["role"] == "reviewer"
    assert Membership.objects.get(project=project, user=newcomer).role == "reviewer"


def test_members_add_unknown_role_is_a_field_error(api_as, editor, project, assert_error):
    newcomer = UserFactory()

    response = api_as(editor).post(
        f"/api/v1/projects/{project.pk}/members/", {"username": newcomer.username, "role": "boss"}
    )

    assert_error(response, 400, "validation_error", "role")
    assert not Membership.objects.filter(user=newcomer).exists()


def test_members_add_unknown_user_is_404(api_as, editor, project, assert_error):
    response = api_as(editor).post(
        f"/api/v1/projects/{project.pk}/members/", {"username": "nobody", "role": "reviewer"}
    )

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_members_add_by_non_editor_is_403(api_as, request, project, role, assert_error):
    user = request.getfixturevalue(role)
    newcomer = UserFactory()

    response = api_as(user).post(
        f"/api/v1/projects/{project.pk}/members/",
        {"username": newcomer.username, "role": "editor"},
    )

    assert_error(response, 403, "permission_denied")
    assert not Membership.objects.filter(user=newcomer).exists()


def test_members_change_role_by_editor(api_as, editor, reviewer, project):
    response = api_as(editor).put(
        f"/api/v1/projects/{project.pk}/members/{reviewer.pk}/", {"role": "viewer"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "viewer"
    assert Membership.objects.get(project=project, user=reviewer).role == "viewer"


def test_members_change_role_by_reviewer_is_403(api_as, reviewer, viewer, project, assert_error):
    response = api_as(reviewer).put(
        f"/api/v1/projects/{project.pk}/members/{viewer.pk}/", {"role": "editor"}
    )

    assert_error(response, 403, "permission_denied")
    assert Membership.objects.get(project=project, user=viewer).role == "viewer"


def test_members_change_role_missing_is_a_field_error(
    api_as, editor, reviewer, project, assert_error
):
    response = api_as(editor).put(f"/api/v1/projects/{project.pk}/members/{reviewer.pk}/", {})

    assert_error(response, 400, "validation_error", "role")


def test_members_remove_by_editor(api_as, editor, viewer, project):
    response = api_as(editor).delete(f"/api/v1/projects/{project.pk}/members/{viewer.pk}/")

    assert response.status_code == 204
    assert not Membership.objects.filter(project=project, user=viewer).exists()


def test_members_remove_by_viewer_is_403(api_as, viewer, reviewer, project, assert_error):
    response = api_as(viewer).delete(f"/api/v1/projects/{project.pk}/members/{reviewer.pk}/")

    assert_error(response, 403, "permission_denied")
    assert Membership.objects.filter(project=project, user=reviewer).exists()


def test_members_last_editor_cannot_be_demoted(api_as, editor, project, assert_error):
    response = api_as(editor).put(
        f"/api/v1/projects/{project.pk}/members/{editor.pk}/", {"role": "reviewer"}
    )

    assert_error(response, 400, "validation_error", "role")
    assert Membership.objects.get(project=project, user=editor).role == "editor"


def test_members_last_editor_cannot_be_removed(api_as, editor, project, assert_error):
    response = api_as(editor).delete(f"/api/v1/projects/{project.pk}/members/{editor.pk}/")

    assert_error(response, 400, "validation_error", "role")
    assert Membership.objects.filter(project=project, user=editor, role="editor").exists()


def test_members_an_editor_may_step_down_when_another_remains(api_as, editor, reviewer, project):
    client = api_as(editor)
    client.put(f"/api/v1/projects/{project.pk}/members/{reviewer.pk}/", {"role": "editor"})

    response = client.put(
        f"/api/v1/projects/{project.pk}/members/{editor.pk}/", {"role": "reviewer"}
    )

    assert response.status_code == 200
    assert list(
        Membership.objects.filter(project=project, role="editor").values_list("user", flat=True)
    ) == [reviewer.pk]


# --- articles -------------------------------------------------------------------------------------


def test_articles_add_by_editor(api_as, editor, project):
    staff_imported = ArticleFactory.create_batch(2)

    response = api_as(editor).post(
        f"/api/v1/projects/{project.pk}/articles/",
        {"articles": [article.pk for article in staff_imported]},
    )

    assert response.status_code == 204
    assert set(project.articles.values_list("pk", flat=True)) >= {a.pk for a in staff_imported}


def test_articles_add_unknown_id_is_a_field_error(api_as, editor, project, assert_error):
    before = project.articles.count()

    response = api_as(editor).post(
        f"/api/v1/projects/{project.pk}/articles/", {"articles": [ArticleFactory().pk, 999_999]}
    )

    body = assert_error(response, 400, "validation_error", "articles")
    assert "999999" in body["errors"]["articles"][0]
    assert project.articles.count() == before


def test_articles_add_empty_list_is_a_field_error(api_as, editor, project, assert_error):
    response = api_as(editor).post(f"/api/v1/projects/{project.pk}/articles/", {"articles": []})

    assert_error(response, 400, "validation_error", "articles")


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_articles_add_by_non_editor_is_403(api_as, request, project, role, assert_error):
    user = request.getfixturevalue(role)
    article = ArticleFactory()

    response = api_as(user).post(
        f"/api/v1/projects/{project.pk}/articles/", {"articles": [article.pk]}
    )

    assert_error(response, 403, "permission_denied")
    assert not project.articles.filter(pk=article.pk).exists()


def test_articles_add_to_others_project_is_404(api_as, outsider, project, assert_error):
    article = ArticleFactory()

    response = api_as(outsider).post(
        f"/api/v1/projects/{project.pk}/articles/", {"articles": [article.pk]}
    )

    assert_error(response, 404, "not_found")
    assert not project.articles.filter(pk=article.pk).exists()


def test_articles_add_article_hidden_from_editor_is_a_field_error(
    api_as, editor, project, assert_error
):
    secret = ArticleFactory(body="Embargoed: the minister resigns tomorrow.")
    ProjectFactory(editors=[UserFactory()], articles=[secret])
    client = api_as(editor)
    assert client.get(f"/api/v1/articles/{secret.pk}/").status_code == 404

    response = client.post(f"/api/v1/projects/{project.pk}/articles/", {"articles": [secret.pk]})

    body = assert_error(response, 400, "validation_error", "articles")
    assert not project.articles.filter(pk=secret.pk).exists()
    # Answered as an id that does not exist: whether it does is not the editor's to learn.
    missing = client.post(f"/api/v1/projects/{project.pk}/articles/", {"articles": [999_999]})
    assert body["errors"]["articles"] == [f"No such article: [{secret.pk}]"]
    assert missing.json()["errors"]["articles"] == ["No such article: [999999]"]


# --- next and queue -------------------------------------------------------------------------------


def test_next_returns_a_span_then_204_once_reviewed(api_as, reviewer, project, span):
    client = api_as(reviewer)

    first = client.post(f"/api/v1/projects/{project.pk}/next/")
    again = client.post(f"/api/v1/projects/{project.pk}/next/")

    assert first.status_code == 200, first.content
    assert first.json()["id"] == span.pk
    assert first.json()["quote"] == span.quote
    assert again.json()["id"] == span.pk  # the unfinished assignment comes back
    assert Assignment.objects.filter(span=span, reviewer=reviewer).count() == 1

    submitted = client.post(
        "/api/v1/verdicts/",
        {
            "span": span.pk,
            "status": "submitted",
            "version": 0,
            "label": "True",
            "sources": [SOURCE],
        },
    )
    assert submitted.status_code == 200, submitted.content
    done = client.post(f"/api/v1/projects/{project.pk}/next/")

    assert done.status_code == 204
    assert not done.content


def test_next_hands_each_span_to_k_reviewers_only(api_as, reviewer, other_reviewer, project, span):
    third = UserFactory()
    MembershipFactory(project=project, user=third, role="reviewer")

    taken = [
        api_as(user).post(f"/api/v1/projects/{project.pk}/next/")
        for user in (reviewer, other_reviewer, third)
    ]

    assert [response.status_code for response in taken] == [200, 200, 204]
    assert Assignment.objects.filter(span=span).count() == 2


def test_next_by_viewer_is_403(api_as, viewer, project, span, assert_error):
    response = api_as(viewer).post(f"/api/v1/projects/{project.pk}/next/")

    assert_error(response, 403, "permission_denied")
    assert not Assignment.objects.exists()


def test_next_in_others_project_is_404(api_as, outsider, project, span, assert_error):
    assert_error(api_as(outsider).post(f"/api/v1/projects/{project.pk}/next/"), 404, "not_found")


def test_queue_lists_assigned_spans_awaiting_a_verdict(api_as, reviewer, project, span, article):
    done = SpanFactory(project=project, article=article, text="keep talking")
    Assignment.objects.create(span=span, reviewer=reviewer)
    Assignment.objects.create(span=done, reviewer=reviewer)
    VerdictFactory(span=done, reviewer=reviewer, label="True")
    VerdictFactory(span=span, reviewer=reviewer, draft=True)

    response = api_as(reviewer).get(f"/api/v1/projects/{project.pk}/queue/")

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["spans"]] == [span.pk]
    assert body["spans"][0]["status"] == "in_review"
    assert body["progress"] == {"assigned": 2, "submitted": 1, "drafts": 1, "remaining": 1}


def test_queue_of_others_project_is_404(api_as, outsider, project, assert_error):
    assert_error(api_as(outsider).get(f"/api/v1/projects/{project.pk}/queue/"), 404, "not_found")


def test_queue_after_submitting_through_the_api_is_empty(api_as, reviewer, project, span):
    client = api_as(reviewer)
    client.post(f"/api/v1/projects/{project.pk}/next/")
    client.post(
        "/api/v1/verdicts/",
        {
            "span": span.pk,
            "status": "submitted",
            "version": 0,
            "label": "False",
            "sources": [SOURCE],
        },
    )

    body = client.get(f"/api/v1/projects/{project.pk}/queue/").json()

    assert body["spans"] == []
    assert body["progress"]["remaining"] == 0
    assert Verdict.objects.get(span=span, reviewer=reviewer).status == "submitted"


# --- queries --------------------------------------------------------------------------------------


def test_list_queries_do_not_grow_with_projects(api_as, reviewer, count_queries):
    client = api_as(reviewer)
    client.get("/api/v1/projects/")
    ProjectFactory.create_batch(3, reviewers=[reviewer])
    small, few = count_queries(client, "/api/v1/projects/")
    ProjectFactory.create_batch(27, reviewers=[reviewer])

    large, many = count_queries(client, "/api/v1/projects/")

    assert (small.json()["count"], large.json()["count"]) == (3, 30)
    assert many == few


def test_members_queries_do_not_grow_with_members(api_as, editor, count_queries):
    project = ProjectFactory(editors=[editor], reviewers=UserFactory.create_batch(2))
    client = api_as(editor)
    url = f"/api/v1/projects/{project.pk}/members/"
    client.get(url)
    small, few = count_queries(client, url)
    for user in UserFactory.create_batch(27):
        MembershipFactory(project=project, user=user, role="viewer")

    large, many = count_queries(client, url)

    assert (small.json()["count"], large.json()["count"]) == (3, 30)
    assert many == few
