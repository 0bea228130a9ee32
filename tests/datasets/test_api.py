"""GET /api/v1/projects/{id}/export/: streamed, typed, named, editors only; queries per chunk."""

import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import token_create
from tests.factories import (
    ArticleFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    _, key = token_create(user=user, name="export tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def url(project, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/projects/{project.pk}/export/?{query}"


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.mark.parametrize(
    ("fmt", "content_type", "file_name"),
    [
        ("native", "application/x-ndjson; charset=utf-8", "known-native.jsonl"),
        ("csv", "text/csv; charset=utf-8", "known-csv.csv"),
        ("fever", "application/x-ndjson; charset=utf-8", "known-fever.jsonl"),
        ("claimreview", "application/x-ndjson; charset=utf-8", "known-claimreview.jsonl"),
        ("w3c", "application/x-ndjson; charset=utf-8", "known-w3c.jsonl"),
        ("label-studio", "application/json; charset=utf-8", "known-label-studio.json"),
        ("doccano", "application/x-ndjson; charset=utf-8", "known-doccano.jsonl"),
    ],
)
def test_export_streams_each_format_with_type_and_file_name(known, fmt, content_type, file_name):
    response = client_for(known.editor).get(url(known.project, format=fmt))

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{file_name}"'
    assert response["Cache-Control"] == "private, no-store"
    assert body(response)


def test_export_body_is_the_service_output(known):
    from tests.datasets.exports import export

    response = client_for(known.editor).get(url(known.project, format="native", salt="x"))

    assert body(response) == export(known.project, "native", salt="x")


def test_export_options_travel_in_the_query(known):
    response = client_for(known.editor).get(
        url(known.project, format="csv", status="agreed", real_names=1, labels="all")
    )

    text = body(response)
    assert text.count("\r\n") == 3  # header and Envoy's two verdicts
    assert known.rita.username in text


def test_export_several_statuses(known):
    response = client_for(known.editor).get(
        f"{url(known.project, format='native')}&status=agreed&status=in_review"
    )

    lines = body(response).splitlines()[1:]
    assert [s["quote"] for line in lines for s in json.loads(line)["spans"]] == [
        "Envoy",
        "=SUM(A1)",
    ]


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_export_forbidden_to_other_roles(known, role):
    user = UserFactory()
    from annotate.models import Membership

    Membership.objects.create(project=known.project, user=user, role=role)

    response = client_for(user).get(url(known.project, format="native"))

    assert response.status_code == 403
    assert response.json()["type"] == "permission_denied"


def test_export_absent_for_non_members(known):
    response = client_for(UserFactory()).get(url(known.project, format="native"))

    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_export_needs_authentication(known):
    response = APIClient().get(url(known.project, format="native"))

    assert response.status_code == 401


def test_export_bad_options_are_400_by_field(known):
    response = client_for(known.editor).get(
        url(known.project, format="excel", labels="some", offset_unit="bytes")
    )

    assert response.status_code == 400
    error = response.json()
    assert error["type"] == "validation_error"
    assert set(error["errors"]) == {"format", "labels", "offset_unit"}


def test_export_claimreview_other_label_mode_is_400(known):
    response = client_for(known.editor).get(url(known.project, format="claimreview", labels="all"))

    assert response.status_code == 400
    assert "labels" in response.json()["errors"]


def test_export_datasheet_artifact(known):
    response = client_for(known.editor).get(
        url(known.project, format="csv", artifact="datasheet", status="agreed")
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="known-csv.csv.datasheet.md"'
    text = response.content.decode()
    assert text.startswith("# Datasheet: Known known (csv)")
    assert "- Span status: agreed" in text
    assert "| 2 | 1 | 2 | 1 | 0 | 0 | 0 | 2 |" in text  # articles ... rows
    assert "| True | 2 | 100.0% |" in text


def test_export_config_artifact_for_label_studio_only(known):
    client = client_for(known.editor)

    response = client.get(url(known.project, format="label-studio", artifact="config"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.decode().startswith("<View>")
    assert response["Content-Disposition"] == 'attachment; filename="known-label-studio.config.xml"'

    refused = client.get(url(known.project, format="csv", artifact="config"))
    assert refused.status_code == 400
    assert "artifact" in refused.json()["errors"]


def test_export_ignores_accept_headers(known):
    response = client_for(known.editor).get(
        url(known.project, format="csv"), HTTP_ACCEPT="text/csv"
    )

    assert response.status_code == 200


# --- queries stay flat ----------------------------------------------------------------------------


def _project_with_spans(n: int):
    editor = UserFactory()
    reviewers = UserFactory.create_batch(2)
    articles = ArticleFactory.create_batch(3)
    project = ProjectFactory(editors=[editor], reviewers=reviewers, articles=articles)
    for i in range(n):
        article = articles[i % 3]
        span = SpanFactory(project=project, article=article, text=article.body[i % 10 :][:5])
        for reviewer in reviewers:
            verdict = VerdictFactory(span=span, reviewer=reviewer)
            SourceFactory(verdict=verdict)
    return project, editor


@pytest.mark.parametrize("fmt", ["native", "csv", "w3c", "label-studio"])
def test_export_queries_do_not_grow_with_spans(fmt):
    counts = []
    for n in (3, 30):
        project, editor = _project_with_spans(n)
        client = client_for(editor)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(project, format=fmt))
            text = body(response)
        assert text
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_export_queries_do_not_depend_on_fetch_size():
    """One query per relation, read through cursors: fetching 1 row at a time or 1,000 runs the
    same queries (people, members, articles, spans, verdicts, sources, comments,
    adjudications, considered verdicts, appearances as claims, their match decisions; and for the
    claim lines: claims, their comments, links and span-less decisions)."""
    from tests.datasets.exports import export

    project, _ = _project_with_spans(12)
    counts = []
    for chunk_size in (1, 1000):
        with CaptureQueriesContext(connection) as captured:
            export(project, "native", chunk_size=chunk_size)
        counts.append(len(captured))
    assert counts == [15, 15]
