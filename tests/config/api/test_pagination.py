"""config/api/pagination.py: a cursor whose position is not a key is an invalid cursor (404), like
a malformed one; DRF passed it to the query, where it was a 500."""

import base64

import pytest

from tests.factories import SpanFactory

pytestmark = pytest.mark.django_db


def _cursor(querystring: str) -> str:
    return base64.b64encode(querystring.encode("ascii")).decode("ascii")


@pytest.mark.parametrize("url", ["/api/v1/spans/", "/api/v1/verdicts/"])
@pytest.mark.parametrize(
    "cursor",
    [
        "cD1hYmM=",  # p=abc
        "cD0A",  # p=\0
        "cD0xZTQwMA==",  # p=1e400
        _cursor("p=-1"),
        _cursor("p=1.5"),
        _cursor("p=" + "9" * 30),  # beyond a 64-bit key
        _cursor("p=99999999999999999999"),
        "not a cursor",
    ],
)
def test_tampered_cursor_is_404_invalid_cursor(api_as, editor, project, url, cursor, assert_error):
    SpanFactory(project=project)

    response = api_as(editor).get(url, {"project": project.pk, "cursor": cursor})

    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "Invalid cursor"


def test_cursor_from_a_next_link_still_works(api_as, editor, project):
    SpanFactory.create_batch(3, project=project)
    client = api_as(editor)

    first = client.get("/api/v1/spans/", {"project": project.pk, "page_size": 2}).json()
    second = client.get(first["next"])

    assert second.status_code == 200, second.content
    assert len(second.json()["results"]) == 1
