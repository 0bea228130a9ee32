"""/api/v1/claims/{id}/split/, /links/ and /comments/: who may, field errors, flat queries."""

import pytest

from annotate.claims import services
from annotate.claims.models import Appearance, Claim, ClaimComment, ClaimLink
from tests.annotate.claims.test_split_links_comments import appearing
from tests.factories import ArticleFactory, ClaimFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(project, editor):
    return ClaimFactory(project=project, created_by=editor)


def test_split_answers_the_new_claim(api_as, editor, reviewer, claim, project, assert_error):
    spans = appearing(project, claim, 3, by=editor)
    url = f"/api/v1/claims/{claim.pk}/split/"
    assert api_as(reviewer).post(url, {"spans": [spans[0].pk]}).status_code == 403
    assert_error(api_as(editor).post(url, {"spans": []}), 400, "validation_error", "spans")
    assert_error(api_as(editor).post(url, {"spans": ["x"]}), 400, "validation_error", "spans.0")
    assert_error(
        api_as(editor).post(url, {"spans": [s.pk for s in spans]}), 400, "validation_error", "spans"
    )

    response = api_as(editor).post(
        url, {"spans": [spans[1].pk, spans[2].pk], "text": "Split text"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] != claim.pk and body["text"] == "Split text"
    assert {a["span"] for a in body["appearances"]} == {spans[1].pk, spans[2].pk}
    assert Appearance.objects.filter(claim=claim).count() == 1


def test_split_is_404_outside_the_project(api_as, outsider, claim, project, editor):
    spans = appearing(project, claim, 2, by=editor)
    response = api_as(outsider).post(f"/api/v1/claims/{claim.pk}/split/", {"spans": [spans[0].pk]})
    assert response.status_code == 404
    assert Claim.objects.count() == 1


@pytest.fixture
def twin(editor):
    other = ProjectFactory(editors=[editor], articles=[ArticleFactory()])
    return ClaimFactory(project=other, created_by=editor)


def test_link_a_claim_of_another_project(api_as, editor, reviewer, claim, twin, assert_error):
    url = f"/api/v1/claims/{claim.pk}/links/"
    assert api_as(reviewer).post(url, {"other": twin.pk}).status_code == 403
    assert_error(api_as(editor).post(url, {"other": 0}), 400, "validation_error", "other")
    # A claim of a project the editor is not in: as if it did not exist.
    stranger = ClaimFactory()
    assert_error(api_as(editor).post(url, {"other": stranger.pk}), 400, "validation_error", "other")

    response = api_as(editor).post(url, {"other": twin.pk})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["claim"]["id"] == twin.pk and body["project_name"] == twin.project.name
    assert body["created_by"]["id"] == editor.pk
    assert_error(api_as(editor).post(url, {"other": twin.pk}), 400, "validation_error", "other")
    # Both sides list it to the editor; the reviewer, not in the twin's project, sees nothing.
    assert [e["claim"]["id"] for e in api_as(editor).get(url).json()["results"]] == [twin.pk]
    twin_url = f"/api/v1/claims/{twin.pk}/links/"
    assert [e["claim"]["id"] for e in api_as(editor).get(twin_url).json()["results"]] == [claim.pk]
    assert api_as(reviewer).get(url).json()["results"] == []


def test_link_refused_to_an_editor_of_one_project_only(api_as, claim, twin, project):
    from tests.factories import UserFactory

    lone = UserFactory()
    project.memberships.create(user=lone, role="editor")
    twin.project.memberships.create(user=lone, role="reviewer")

    response = api_as(lone).post(f"/api/v1/claims/{claim.pk}/links/", {"other": twin.pk})

    assert response.status_code == 403
    assert not ClaimLink.objects.exists()


def test_unlink(api_as, editor, reviewer, claim, twin):
    link = services.claim_link_create(actor=editor, claim=claim, other=twin)
    url = f"/api/v1/claims/{claim.pk}/links/{link.pk}/"
    assert api_as(reviewer).delete(url).status_code == 403
    other_claim = ClaimFactory(project=claim.project)
    assert (
        api_as(editor).delete(f"/api/v1/claims/{other_claim.pk}/links/{link.pk}/").status_code
        == 404
    )
    assert api_as(editor).delete(url).status_code == 204
    assert not ClaimLink.objects.exists()


@pytest.mark.parametrize("n", [1, 30])
def test_links_list_queries_stay_flat(api_as, editor, claim, n, django_assert_max_num_queries):
    for _ in range(n):
        other = ProjectFactory(editors=[editor], articles=[])
        services.claim_link_create(
            actor=editor, claim=claim, other=ClaimFactory(project=other, created_by=editor)
        )
    client = api_as(editor)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/claims/{claim.pk}/links/")
    assert len(response.json()["results"]) == n


def test_comments_post_and_list(api_as, reviewer, viewer, outsider, claim, assert_error):
    url = f"/api/v1/claims/{claim.pk}/comments/"
    assert api_as(viewer).post(url, {"body": "x"}).status_code == 403
    assert api_as(outsider).post(url, {"body": "x"}).status_code == 404
    assert_error(api_as(reviewer).post(url, {"body": "  "}), 400, "validation_error", "body")

    response = api_as(reviewer).post(url, {"body": "<b>seen</b> before"})

    assert response.status_code == 201, response.content
    assert response.json()["body"] == "<b>seen</b> before"  # JSON: the client escapes
    listed = api_as(viewer).get(url).json()["results"]
    assert [(c["author"]["id"], c["body"]) for c in listed] == [(reviewer.pk, "<b>seen</b> before")]
    assert api_as(outsider).get(url).status_code == 404


@pytest.mark.parametrize("n", [1, 40])
def test_comment_list_queries_stay_flat(api_as, reviewer, claim, n, django_assert_max_num_queries):
    for i in range(n):
        ClaimComment.objects.create(claim=claim, author=reviewer, body=f"note {i}")
    client = api_as(reviewer)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/claims/{claim.pk}/comments/")
    assert len(response.json()["results"]) == n
