"""The API maps the access vocabulary like the pages: NotFound -> 404 (ids in the path) or a
field error (ids in the body), Forbidden -> 403; project outputs carry the capabilities."""

import pytest

from annotate.access import Capabilities
from annotate.api.serializers import CapabilitiesOutput
from tests.factories import VerdictFactory

pytestmark = pytest.mark.django_db


def test_another_projects_objects_are_404(api_as, outsider, project, span, assert_error):
    client = api_as(outsider)
    verdict = VerdictFactory(span=span)
    for response in (
        client.get(f"/api/v1/projects/{project.pk}/"),
        client.get(f"/api/v1/projects/{project.pk}/agreement/"),
        client.get(f"/api/v1/projects/{project.pk}/export/?format=native"),
        client.get(f"/api/v1/spans/{span.pk}/"),
        client.put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "False"}, format="json"),
        client.post(f"/api/v1/verdicts/{verdict.pk}/withdraw/", {"version": 1}, format="json"),
    ):
        assert_error(response, 404, "not_found")


def test_ids_in_the_body_of_another_project_are_field_errors(
    api_as, outsider, project, article, span, assert_error
):
    client = api_as(outsider)
    created = client.post(
        "/api/v1/spans/",
        {"project": project.pk, "article": article.pk, "start": 0, "end": 5},
        format="json",
    )
    assert_error(created, 400, "validation_error", "project")
    verdict = client.post(
        "/api/v1/verdicts/",
        {"span": span.pk, "label": "False", "status": "draft", "version": 0},
        format="json",
    )
    assert_error(verdict, 400, "validation_error", "span")
    articles = client.post(
        f"/api/v1/articles/?project={project.pk}",
        {"title": "T", "body": "A body.", "url": "https://example.org/a"},
        format="json",
    )
    assert_error(articles, 400, "validation_error", "project")


def test_a_viewer_writing_is_403(api_as, viewer, project, article, span, assert_error):
    client = api_as(viewer)
    for response in (
        client.post(
            "/api/v1/spans/",
            {"project": project.pk, "article": article.pk, "start": 0, "end": 5},
            format="json",
        ),
        client.post(f"/api/v1/spans/{span.pk}/comments/", {"body": "Hm."}, format="json"),
        client.delete(f"/api/v1/spans/{span.pk}/"),
        client.post(f"/api/v1/projects/{project.pk}/next/"),
    ):
        assert_error(response, 403, "permission_denied")


def test_a_reviewer_adjudicating_or_managing_is_403(
    api_as, reviewer, other_reviewer, project, span, assert_error
):
    client = api_as(reviewer)
    others = VerdictFactory(span=span, reviewer=other_reviewer)
    VerdictFactory(span=span, reviewer=reviewer)  # so that blind review shows the other one
    for response in (
        client.put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "False"}, format="json"),
        client.get(f"/api/v1/projects/{project.pk}/agreement/"),
        client.get(f"/api/v1/projects/{project.pk}/export/?format=native"),
        client.post(
            f"/api/v1/projects/{project.pk}/members/",
            {"username": "nobody", "role": "viewer"},
            format="json",
        ),
        client.post(f"/api/v1/verdicts/{others.pk}/withdraw/", {"version": 1}, format="json"),
        client.post(
            f"/api/v1/articles/?project={project.pk}",
            {"title": "T", "body": "A body.", "url": "https://example.org/a"},
            format="json",
        ),
    ):
        assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize(
    ("who", "write", "adjudicate", "blind"),
    [
        ("editor", True, True, False),
        ("reviewer", True, False, True),
        ("viewer", False, False, False),
    ],
)
def test_project_output_carries_the_callers_capabilities(
    api_as, request, project, who, write, adjudicate, blind
):
    body = api_as(request.getfixturevalue(who)).get(f"/api/v1/projects/{project.pk}/").json()
    capabilities = body["capabilities"]
    assert capabilities["may_write"] is write
    assert capabilities["may_adjudicate"] is adjudicate
    assert capabilities["is_blind_for_me"] is blind
    assert capabilities == Capabilities.of(body["role"], blind_review=True).as_dict()


def test_capabilities_output_lists_every_flag():
    flags = set(Capabilities.of(None, blind_review=False).as_dict())
    assert set(CapabilitiesOutput().fields) == flags
