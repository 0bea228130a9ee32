"""config/api/parsers.py: every JSON door refuses a body nested too deeply with a 400 in the
error shape (it was a RecursionError, a 500, at 50,000 levels)."""

import pytest

from annotate.models import Verdict

pytestmark = pytest.mark.django_db


def _nested(levels: int) -> str:
    return '{"span": ' + "[" * levels + "]" * levels + "}"


@pytest.mark.parametrize("levels", [50_000, 900, 65])
@pytest.mark.parametrize(
    "url", ["/api/v1/verdicts/", "/api/v1/spans/", "/api/v1/articles/", "/api/v1/projects/"]
)
def test_deeply_nested_body_is_a_400(api_as, reviewer, url, levels, assert_error):
    response = api_as(reviewer).post(url, _nested(levels), content_type="application/json")

    body = assert_error(response, 400, "validation_error")
    assert "nested deeper than 64 levels" in body["detail"]
    assert not Verdict.objects.exists()


def test_bulk_body_nested_50000_deep_is_a_400(api_as, staff, assert_error):
    body = "[" * 50_000 + "]" * 50_000

    response = api_as(staff).post("/api/v1/articles/bulk/", body, content_type="application/json")

    assert_error(response, 400, "validation_error")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_constants_are_a_400(api_as, reviewer, constant, assert_error):
    response = api_as(reviewer).post(
        "/api/v1/verdicts/",
        f'{{"span": 1, "confidence": {constant}}}',
        content_type="application/json",
    )

    assert_error(response, 400, "validation_error")


def test_ordinary_body_still_parses(api_as, reviewer, assert_error):
    response = api_as(reviewer).post(
        "/api/v1/verdicts/", '{"span": 999999}', content_type="application/json"
    )

    assert response.status_code in (400, 404), response.content
    assert "JSON parse error" not in response.json()["detail"]
