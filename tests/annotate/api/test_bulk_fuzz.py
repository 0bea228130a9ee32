"""POST /api/v1/articles/bulk/ with generated bodies of good and bad items: never a 500; a body
with any bad item is a 400 naming each bad item by index and stores nothing; a good body stores
every item once, and sending it again changes nothing."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from corpus.models import Article
from tests.import_lines import ARTICLE_LINES, Line, jsonl, lines

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _post(client, project, body: bytes, content_type: str):
    return client.post(
        f"/api/v1/articles/bulk/?project={project.pk}", body, content_type=content_type
    )


def _check_all_or_nothing(client, project, body: bytes, content_type: str, file_lines):
    bad = [index for index, line in enumerate(file_lines) if not line.good]
    response = _post(client, project, body, content_type)

    if bad:
        assert response.status_code == 400, response.content
        assert response.json()["type"] == "validation_error"
        assert not Article.objects.exists()
        return response.json()
    assert response.status_code == 200, response.content
    assert response.json()["created"] == len(file_lines)
    assert project.articles.count() == len(file_lines)
    stored = dict(Article.objects.values_list("pk", "updated_at"))

    again = _post(client, project, body, content_type)

    assert again.status_code == 200, again.content
    assert again.json()["unchanged"] == len(file_lines)
    assert dict(Article.objects.values_list("pk", "updated_at")) == stored
    return response.json()


@FUZZ
@given(file_lines=lines(ARTICLE_LINES))
def test_bulk_json_lines_all_or_nothing(api_as, editor, make_project, file_lines: list[Line]):
    with transaction.atomic():  # each example starts from an empty database
        project = make_project(articles=[])
        body = _check_all_or_nothing(
            api_as(editor), project, jsonl(file_lines), "application/x-ndjson", file_lines
        )
        if any(not line.good for line in file_lines):
            named = sorted({int(key.split(".")[0]) for key in body["errors"]})
            assert named == [i for i, line in enumerate(file_lines) if not line.good], body
        transaction.set_rollback(True)


@FUZZ
@given(file_lines=lines(ARTICLE_LINES))
def test_bulk_json_array_all_or_nothing(api_as, editor, make_project, file_lines: list[Line]):
    """The same items as one JSON array: a bad one anywhere is a 400 that stores nothing."""
    with transaction.atomic():
        project = make_project(articles=[])
        body = b"[" + b",\n".join(line.raw for line in file_lines) + b"]"
        _check_all_or_nothing(api_as(editor), project, body, "application/json", file_lines)
        transaction.set_rollback(True)
