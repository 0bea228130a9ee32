"""The reviewer and editor pages through Django's test client (the browser suite drives JS)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate.claims.matching.vectors import vectors_forget
from annotate.models import Adjudication, Comment, Span, Verdict
from tests.factories import (
    ArticleFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(body="Leaders met. Officials said talks went well. Others disagree."),
]


@pytest.fixture
def team(editor, reviewer, other_reviewer, viewer, article, project):
    """The shared fixtures by name, with a span the first reviewer highlighted."""
    span = SpanFactory(
        project=project, article=article, text="talks went well", created_by=reviewer
    )
    return {
        "editor": editor,
        "first": reviewer,
        "second": other_reviewer,
        "viewer": viewer,
        "article": article,
        "project": project,
        "span": span,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reader(team, **query) -> str:
    url = reverse("annotate:reader", args=[team["project"].pk, team["article"].pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _verdict_post(label="False", version=0, intent="submit", url="https://example.org/r"):
    return {
        "label": label,
        "rationale": "Checked.",
        "confidence": "",
        "version": str(version),
        "intent": intent,
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "50",
        "sources-0-url": url,
        "sources-0-title": "",
        "sources-0-excerpt": "",
        "sources-0-stance": "refutes",
        "sources-0-accessed_on": "",
    }


def test_pages_redirect_anonymous_users(client, team):
    for url in (reverse("annotate:dashboard"), _reader(team)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_dashboard_shows_progress(team):
    page = _client(team["first"]).get(reverse("annotate:dashboard")).text
    assert team["project"].name in page
    assert "Start reviewing" in page


def test_reader_of_another_project_is_404(team):
    outsider = UserFactory()
    ProjectFactory(reviewers=[outsider])
    assert _client(outsider).get(_reader(team)).status_code == 404


def test_reader_marks_spans_at_code_point_offsets(team):
    page = _client(team["first"]).get(_reader(team)).text
    span = team["span"]
    assert f'data-start="{span.start}" data-spans="{span.pk}"' in page
    assert ">talks went well</span>" in page


def test_reader_queries_do_not_grow_with_spans_and_verdicts(team):
    def count(n: int) -> int:
        article = ArticleFactory(body=" ".join(f"Claim number {i} was made." for i in range(n)))
        team["project"].articles.add(article)
        for i in range(n):
            span = SpanFactory(project=team["project"], article=article, text=f"Claim number {i}")
            Verdict.objects.create(
                span=span,
                reviewer=team["second"],
                label="True",
                status="submitted",
                submitted_at="2021-12-08T10:00:00Z",
            )
        url = reverse("annotate:reader", args=[team["project"].pk, article.pk])
        client = _client(team["first"])
        vectors_forget()  # both requests as a fresh process: the claim vectors not yet cached
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{url}?span={span.pk}").status_code == 200
        return len(captured)

    assert count(3) == count(40)


def test_span_create_through_the_form(team):
    body = team["article"].body
    start = body.index("Others disagree")
    response = _client(team["second"]).post(
        reverse("annotate:span-create", args=[team["project"].pk, team["article"].pk]),
        {"start": start, "end": start + 15, "quote": "Others disagree", "claimant": "AP"},
    )
    span = Span.objects.get(quote="Others disagree")
    assert response.status_code == 302 and f"span={span.pk}" in response["Location"]
    assert span.claimant == "AP"


def test_span_create_with_wrong_quote_shows_the_error(team):
    response = _client(team["second"]).post(
        reverse("annotate:span-create", args=[team["project"].pk, team["article"].pk]),
        {"start": 0, "end": 5, "quote": "Other"},
    )
    assert response.status_code == 400
    assert "does not match" in response.text
    assert not Span.objects.filter(start=0).exists()


def test_viewer_cannot_create_spans_or_verdicts(team):
    client = _client(team["viewer"])
    url = reverse("annotate:span-create", args=[team["project"].pk, team["article"].pk])
    assert client.post(url, {"start": 0, "end": 5, "quote": "Leade"}).status_code == 403
    response = client.post(reverse("annotate:verdict", args=[team["span"].pk]), _verdict_post())
    assert response.status_code == 403
    assert not Verdict.objects.exists()


def test_verdict_submit_and_blind_reveal(team):
    span = team["span"]
    first, second = _client(team["first"]), _client(team["second"])
    first.post(reverse("annotate:verdict", args=[span.pk]), _verdict_post("False"))
    before = second.get(_reader(team, span=span.pk)).text
    assert "Blind review" in before and "Checked." not in before
    response = second.post(reverse("annotate:verdict", args=[span.pk]), _verdict_post("True"))
    assert response.status_code == 302
    after = second.get(_reader(team, span=span.pk)).text
    assert "The reviewers disagree" in after
    assert 'rel="noopener noreferrer"' in after
    assert Verdict.objects.filter(span=span, status="submitted").count() == 2


def test_blind_reviewer_is_not_told_a_claim_is_contested(team):
    span, third = team["span"], UserFactory()
    MembershipFactory(project=team["project"], user=third)
    for author, label in ((team["first"], "False"), (third, "True")):
        _client(author).post(reverse("annotate:verdict", args=[span.pk]), _verdict_post(label))

    before = _client(team["second"]).get(_reader(team, span=span.pk)).text
    editors_view = _client(team["editor"]).get(_reader(team, span=span.pk)).text

    assert "status-contested" not in before and "status-in_review" in before
    assert "The reviewers disagree" not in before
    assert "status-contested" in editors_view


def test_verdict_errors_land_on_their_fields(team):
    client = _client(team["first"])
    url = reverse("annotate:verdict", args=[team["span"].pk])
    response = client.post(url, _verdict_post(url="javascript:alert(1)"))
    assert response.status_code == 400
    assert "Enter a valid URL" in response.text
    assert 'value="javascript:alert(1)"' in response.text  # typed text kept, escaped in an input
    response = client.post(url, _verdict_post(url=""))
    assert "Cite at least one source" in response.text
    assert not Verdict.objects.filter(status="submitted").exists()


def test_verdict_conflict_offers_reload_and_keeps_text(team):
    client = _client(team["first"])
    url = reverse("annotate:verdict", args=[team["span"].pk])
    client.post(url, _verdict_post("False", intent="draft"))
    stale = _verdict_post("True", version=0)
    stale["rationale"] = "My careful new reasoning"
    response = client.post(url, stale)
    assert response.status_code == 409
    assert "changed this verdict meanwhile" in response.text
    assert "My careful new reasoning" in response.text
    assert "reload the current verdict" in response.text


def test_csrf_is_enforced_on_review_forms(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["first"])
    response = client.post(reverse("annotate:verdict", args=[team["span"].pk]), _verdict_post())
    assert response.status_code == 403


def test_comment_and_adjudication_by_the_right_roles(team):
    span = team["span"]
    for user, label in ((team["first"], "False"), (team["second"], "True")):
        _client(user).post(reverse("annotate:verdict", args=[span.pk]), _verdict_post(label))
    _client(team["first"]).post(reverse("annotate:comment", args=[span.pk]), {"body": "Why True?"})
    assert Comment.objects.get().body == "Why True?"
    refused = _client(team["first"]).post(
        reverse("annotate:adjudicate", args=[span.pk]), {"adjudicate-label": "Half True"}
    )
    assert refused.status_code == 403
    contested = _client(team["editor"]).get(
        reverse("annotate:contested", args=[team["project"].pk])
    )
    assert "talks went well" in contested.text
    done = _client(team["editor"]).post(
        reverse("annotate:adjudicate", args=[span.pk]),
        {"adjudicate-label": "Half True", "adjudicate-rationale": "Both."},
    )
    assert done.status_code == 302
    assert Adjudication.objects.get(span=span).label == "Half True"
    assert (
        _client(team["first"])
        .get(reverse("annotate:contested", args=[team["project"].pk]))
        .status_code
        == 403
    )


def test_user_text_is_escaped_everywhere(team):
    payload = '<img src=x onerror="alert(1)">'
    article = ArticleFactory(body=f"Intro {payload} outro.", title=payload)
    team["project"].articles.add(article)
    span = SpanFactory(project=team["project"], article=article, text=payload, claimant=payload)
    Comment.objects.create(span=span, author=team["first"], body=payload)
    url = reverse("annotate:reader", args=[team["project"].pk, article.pk])
    page = _client(team["editor"]).get(f"{url}?span={span.pk}").text
    assert payload not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_security_headers_on_pages(team):
    response = _client(team["first"]).get(_reader(team))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_members_page_editor_manages_roles(team):
    newcomer = UserFactory(username="newcomer")
    client = _client(team["editor"])
    url = reverse("annotate:members", args=[team["project"].pk])
    assert client.post(url, {"invitee": "newcomer", "role": "viewer"}).status_code == 302
    assert team["project"].memberships.get(user=newcomer).role == "viewer"
    assert (
        _client(team["first"]).post(url, {"invitee": "newcomer", "role": "editor"}).status_code
        == 403
    )


def test_history_page_for_editors_only(team):
    span = team["span"]
    _client(team["first"]).post(reverse("annotate:verdict", args=[span.pk]), _verdict_post())
    page = _client(team["editor"]).get(reverse("annotate:history", args=[span.pk])).text
    assert team["first"].username in page
    assert re.search(r"\d\d:\d\d:\d\d UTC</time>", page)  # times say their zone
    assert (
        _client(team["first"]).get(reverse("annotate:history", args=[span.pk])).status_code == 403
    )


def test_next_claim_hands_out_work_then_says_done(team):
    client = _client(team["second"])
    response = client.post(reverse("annotate:next", args=[team["project"].pk]))
    assert f"span={team['span'].pk}" in response["Location"] and "queue=1" in response["Location"]
    client.post(reverse("annotate:verdict", args=[team["span"].pk]), _verdict_post())
    done = client.post(reverse("annotate:next", args=[team["project"].pk]), follow=True)
    assert "Nothing left to review" in done.text


# Adjusting and deleting a claim from the reader

BODY = "Leaders met. Officials said talks went well. Others disagree."


def _bounds(span, client, start, end):
    return client.post(
        reverse("annotate:span-bounds", args=[span.pk]), {"start": start, "end": end}
    )


def test_span_bounds_moves_own_claim_through_the_form(team):
    span = team["span"]
    start = BODY.index("said talks")

    response = _bounds(span, _client(team["first"]), start, span.end)

    assert response.status_code == 302
    span.refresh_from_db()
    assert (span.start, span.quote) == (start, "said talks went well")


@pytest.mark.parametrize("who", ["second", "editor"])
def test_span_bounds_of_someone_elses_claim_is_403(team, who):
    response = _bounds(team["span"], _client(team[who]), 0, 6)

    assert response.status_code == 403
    assert Span.objects.get(pk=team["span"].pk).quote == "talks went well"


def test_span_bounds_after_a_submitted_verdict_is_403(team):
    span = team["span"]
    _client(team["second"]).post(reverse("annotate:verdict", args=[span.pk]), _verdict_post())
    assert Verdict.objects.filter(span=span, status="submitted").exists()

    response = _bounds(span, _client(team["first"]), 0, 6)

    assert response.status_code == 403
    assert Span.objects.get(pk=span.pk).quote == "talks went well"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 2, "Must be greater than start."), (0, 999, "Must be at most"), ("x", 3, "whole number")],
)
def test_span_bounds_bad_offsets_are_400_with_the_reason(team, start, end, message):
    response = _bounds(team["span"], _client(team["first"]), start, end)

    assert response.status_code == 400
    assert message in response.text
    assert Span.objects.get(pk=team["span"].pk).quote == "talks went well"


def test_span_bounds_and_delete_need_csrf(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["first"])
    span = team["span"]

    assert _bounds(span, client, 0, 6).status_code == 403
    assert client.post(reverse("annotate:span-delete", args=[span.pk])).status_code == 403
    assert Span.objects.get(pk=span.pk).quote == "talks went well"


def test_reader_offers_adjust_and_delete_by_the_rule(team):
    span = team["span"]
    reader = _reader(team, span=span.pk)

    as_creator = _client(team["first"]).get(reader).text
    as_other = _client(team["second"]).get(reader).text
    as_editor = _client(team["editor"]).get(reader).text

    assert 'id="adjust-span"' in as_creator and 'id="delete-span-form"' in as_creator
    assert 'id="adjust-span"' not in as_other and 'id="delete-span-form"' not in as_other
    assert 'id="adjust-span"' not in as_editor and 'id="delete-span-form"' in as_editor
    assert "data-confirm=" in as_editor


def test_span_delete_by_another_reviewer_is_403(team):
    response = _client(team["second"]).post(reverse("annotate:span-delete", args=[team["span"].pk]))

    assert response.status_code == 403
    assert Span.objects.filter(pk=team["span"].pk).exists()
