"""The API refuses an overlong text as the other doors do: 400 on the field (annotate.limits),
not a 413, as long as the body stays under the request-size limit."""

import pytest

from annotate.limits import SOURCES_PER_VERDICT, text_limit
from annotate.models import Comment, Verdict

pytestmark = pytest.mark.django_db

SOURCE = {"url": "https://example.org/readout", "stance": "refutes"}


def _verdict(span, **fields):
    return {"span": span.pk, "status": "submitted", "version": 0, "label": "False", **fields}


def test_a_2_mb_rationale_is_a_400_on_the_rationale(api_as, reviewer, span, assert_error):
    response = api_as(reviewer).post(
        "/api/v1/verdicts/", _verdict(span, rationale="x" * 2_000_000, sources=[SOURCE])
    )
    body = assert_error(response, 400, "validation_error", "rationale")
    assert "20,000 characters" in body["errors"]["rationale"][0]
    assert not Verdict.objects.exists()


def test_the_largest_valid_verdict_is_accepted(api_as, reviewer, span):
    source = {
        "url": "https://example.org/" + "p" * (text_limit("source", "url") - 20),
        "title": "t" * text_limit("source", "title"),
        "excerpt": "é" * text_limit("source", "excerpt"),
        "stance": "refutes",
    }
    response = api_as(reviewer).post(
        "/api/v1/verdicts/",
        _verdict(
            span,
            rationale="é" * text_limit("verdict", "rationale"),
            sources=[source] * SOURCES_PER_VERDICT,
        ),
    )
    assert response.status_code == 200, response.content[:300]  # a body over the old 1 MB
    assert Verdict.objects.get().sources.count() == SOURCES_PER_VERDICT


def test_an_overlong_source_excerpt_is_a_400_at_its_index(api_as, reviewer, span, assert_error):
    long = {**SOURCE, "excerpt": "x" * (text_limit("source", "excerpt") + 1)}
    response = api_as(reviewer).post("/api/v1/verdicts/", _verdict(span, sources=[SOURCE, long]))
    assert_error(response, 400, "validation_error", "sources.1.excerpt")


def test_an_overlong_comment_is_a_400_on_the_body(api_as, reviewer, span, assert_error):
    response = api_as(reviewer).post(
        f"/api/v1/spans/{span.pk}/comments/",
        {"body": "x" * (text_limit("comment", "body") + 1)},
    )
    body = assert_error(response, 400, "validation_error", "body")
    assert "10,000 characters" in body["errors"]["body"][0]
    assert not Comment.objects.exists()


def test_an_overlong_span_note_is_a_400_on_the_note(api_as, editor, span, assert_error):
    response = api_as(editor).post(
        "/api/v1/spans/",
        {
            "project": span.project_id,
            "article": span.article_id,
            "quote": span.article.body[-5:],
            "note": "x" * (text_limit("span", "note") + 1),
        },
    )
    assert_error(response, 400, "validation_error", "note")
