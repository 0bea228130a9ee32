"""The reader's queue mode through the test client: "N left in your queue", submit-and-next,
Skip with an optional reason, the queue-done page, and who may use them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotate.limits import text_limit
from annotate.models import Skip
from annotate.review import services
from tests.factories import ArticleFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(project, article, editor):
    return [
        SpanFactory(project=project, article=article, start=start, end=start + 3, created_by=editor)
        for start in (0, 10, 20)
    ]


def _client(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def _next(client, project):
    return client.post(reverse("annotate:next", args=[project.pk]))


def _verdict(**fields) -> dict:
    return {
        "label": "True",
        "rationale": "Checked.",
        "confidence": "",
        "version": "0",
        "intent": "submit",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "50",
        "sources-0-url": "https://example.org/r",
        "sources-0-title": "",
        "sources-0-excerpt": "",
        "sources-0-stance": "supports",
        "sources-0-accessed_on": "",
        **fields,
    }


def test_queue_mode_shows_what_is_left_and_skip(project, reviewer, claims):
    client = _client(reviewer)
    page = client.get(_next(client, project)["Location"]).text

    assert "<strong>3</strong> left in your queue" in page
    assert 'id="skip-form"' in page and "Submit and next" in page


def test_outside_queue_mode_submit_stays(project, article, reviewer, claims):
    client = _client(reviewer)
    url = reverse("annotate:reader", args=[project.pk, article.pk]) + f"?span={claims[0].pk}"
    page = client.get(url).text
    assert "left in your queue" not in page and 'id="skip-form"' not in page
    assert "Submit and next" not in page

    response = client.post(reverse("annotate:verdict", args=[claims[0].pk]), _verdict())
    assert f"span={claims[0].pk}" in response["Location"] and "queue=1" not in response["Location"]


def test_submit_in_queue_mode_goes_to_the_next_claim_then_to_queue_done(project, reviewer, claims):
    client = _client(reviewer)
    _next(client, project)
    for done, following in zip(claims, [*claims[1:], None], strict=True):
        response = client.post(reverse("annotate:verdict", args=[done.pk]), _verdict(queue="1"))
        if following is None:
            assert response["Location"] == reverse("annotate:queue-done", args=[project.pk])
        else:
            assert f"span={following.pk}" in response["Location"]
            assert "queue=1" in response["Location"]
            left = len(claims) - claims.index(following)
            assert f"<strong>{left}</strong> left" in client.get(response["Location"]).text

    done_page = client.get(response["Location"]).text
    assert "Queue done" in done_page and "0 left in your queue" in done_page


def test_draft_in_queue_mode_stays_on_the_claim(project, reviewer, claims):
    client = _client(reviewer)
    _next(client, project)
    response = client.post(
        reverse("annotate:verdict", args=[claims[0].pk]), _verdict(queue="1", intent="draft")
    )
    assert f"span={claims[0].pk}" in response["Location"] and "queue=1" in response["Location"]


def test_skip_records_the_reason_and_moves_on(project, reviewer, claims):
    client = _client(reviewer)
    _next(client, project)

    response = client.post(
        reverse("annotate:skip", args=[claims[0].pk]), {"reason": "Not my beat", "queue": "1"}
    )

    assert f"span={claims[1].pk}" in response["Location"] and "queue=1" in response["Location"]
    assert list(Skip.objects.values_list("span", "reviewer", "reason")) == [
        (claims[0].pk, reviewer.pk, "Not my beat")
    ]
    assert "<strong>2</strong> left" in client.get(response["Location"]).text


def test_skip_reason_too_long_is_refused_beside_the_field(project, reviewer, claims):
    client = _client(reviewer)
    _next(client, project)
    limit = text_limit("skip", "reason")

    response = client.post(
        reverse("annotate:skip", args=[claims[0].pk]), {"reason": "x" * (limit + 1), "queue": "1"}
    )

    assert response.status_code == 400
    assert 'id="skip-errors"' in response.text and f"under {limit:,} characters" in response.text
    assert f'maxlength="{limit}"' in response.text
    assert not Skip.objects.exists()


def test_skip_is_refused_to_the_wrong_users(project, viewer, outsider, claims):
    url = reverse("annotate:skip", args=[claims[0].pk])
    assert _client(outsider).post(url, {"reason": ""}).status_code == 404
    assert _client(viewer).post(url, {"reason": ""}).status_code == 403
    assert Client().post(url, {"reason": ""}).status_code == 302  # to the login page
    assert not Skip.objects.exists()


def test_queue_done_is_refused_to_the_wrong_users(project, viewer, outsider):
    url = reverse("annotate:queue-done", args=[project.pk])
    assert _client(outsider).get(url).status_code == 404
    assert _client(viewer).get(url).status_code == 403


def test_skip_form_needs_csrf(project, reviewer, claims):
    client = _client(reviewer, enforce_csrf_checks=True)
    url = reverse("annotate:skip", args=[claims[0].pk])

    assert client.post(url, {"reason": "no token"}).status_code == 403
    assert not Skip.objects.exists()

    page = client.get(
        reverse("annotate:reader", args=[project.pk, claims[0].article_id])
        + f"?span={claims[0].pk}&queue=1"
    ).text
    form = page.split('id="skip-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in form


def test_editors_see_skip_counts_on_the_claims_table(project, editor, reviewers, claims):
    for skipper in reviewers[:2]:
        services.span_skip(span=claims[1], reviewer=skipper, reason="")
    url = reverse("annotate:claims", args=[project.pk])
    client = _client(editor)

    cells = client.get(url).text.split('class="skip-count">')[1:]

    assert [cell.split("<", 1)[0] for cell in cells] == ["0", "2", "0"]
    assert 'class="skip-count"' not in _client(reviewers[0]).get(url).text


def test_skip_counts_keep_the_claims_table_flat(project, editor, reviewer, claims):
    client = _client(editor)
    url = reverse("annotate:claims", args=[project.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    article = ArticleFactory(body="word " * 400)
    project.articles.add(article)
    for start in range(0, 200, 5):
        span = SpanFactory(project=project, article=article, start=start, end=start + 4)
        services.span_skip(span=span, reviewer=reviewer)
    assert queries() == few


@pytest.mark.parametrize("query", ["", "?span={span}"])
def test_next_claim_is_offered_everywhere_in_the_reader_to_those_who_review(
    project, article, reviewer, viewer, claims, query
):
    """`n` (the next-claim form) works outside queue mode too, with or without a claim open;
    viewers, who do not review, get no such form."""
    url = reverse("annotate:reader", args=[project.pk, article.pk]) + query.format(
        span=claims[0].pk
    )
    assert 'id="next-form"' in _client(reviewer).get(url).text
    assert 'id="next-form"' not in _client(viewer).get(url).text


def test_the_verdict_choices_show_each_labels_description_escaped(project, article, reviewer):
    project.scale = [
        {"label": "True", "description": "Accurate, nothing missing.", "needs_sources": True},
        {"label": "False", "description": "<b>Not</b> accurate.", "needs_sources": True},
    ]
    project.save()
    span = SpanFactory(project=project, article=article, start=0, end=3)
    url = reverse("annotate:reader", args=[project.pk, article.pk]) + f"?span={span.pk}"

    page = _client(reviewer).get(url).text

    assert 'aria-describedby="id_label_0-description"' in page
    description = '<p class="label-description" id="id_label_0-description" dir="auto">'
    assert description + "Accurate, nothing missing.</p>" in page
    assert "&lt;b&gt;Not&lt;/b&gt; accurate." in page and "<b>Not</b>" not in page
