"""Machine predictions: bulk create (all or none, re-sending is a no-op), list, accept."""

import pytest

from annotate.models import Prediction, Span
from tests.factories import EMOJI_BODY, ArticleFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(emoji_article):
    return [
        {
            "article": emoji_article.pk,
            "model_name": "claimbuster-v2",
            "start": 17,
            "end": 32,
            "label": "Mostly True",
            "score": 0.91,
        },
        {
            "article": emoji_article.pk,
            "model_name": "claimbuster-v2",
            "quote": "talks went well",
            "occurrence": 2,
        },
    ]


def _url(project) -> str:
    return f"/api/v1/projects/{project.pk}/predictions/"


def _prediction(project, article, **fields) -> Prediction:
    return Prediction.objects.create(
        project=project,
        article=article,
        start=fields.pop("start", 17),
        end=fields.pop("end", 32),
        quote=fields.pop("quote", "talks went well"),
        model_name=fields.pop("model_name", "claimbuster-v2"),
        created_by=fields.pop("created_by", project.memberships.first().user),
        **fields,
    )


# --- bulk create ----------------------------------------------------------------------------------


def test_bulk_create_stores_every_prediction(api_as, reviewer, project, emoji_article, batch):
    response = api_as(reviewer).post(_url(project), batch)

    assert response.status_code == 201, response.content
    rows = response.json()
    second = EMOJI_BODY.index("talks went well", 20)
    assert [(row["start"], row["end"], row["quote"]) for row in rows] == [
        (17, 32, "talks went well"),
        (second, second + 15, "talks went well"),
    ]
    assert rows[0]["label"] == "Mostly True" and rows[0]["score"] == 0.91
    assert all(row["accepted_span"] is None and row["project"] == project.pk for row in rows)
    stored = Prediction.objects.order_by("start")
    assert [(p.start, p.end, p.created_by) for p in stored] == [
        (17, 32, reviewer),
        (second, second + 15, reviewer),
    ]
    assert {p.pk for p in stored} == {row["id"] for row in rows}


def test_bulk_create_resent_is_a_no_op(api_as, reviewer, project, batch):
    client = api_as(reviewer)
    client.post(_url(project), batch)

    response = client.post(_url(project), batch)

    assert response.status_code == 201
    assert response.json() == []
    assert Prediction.objects.count() == 2


def test_bulk_create_duplicates_within_one_request_stored_once(api_as, reviewer, project, batch):
    response = api_as(reviewer).post(_url(project), [batch[0], batch[0]])

    assert response.status_code == 201
    assert len(response.json()) == 1
    assert Prediction.objects.count() == 1


def test_bulk_create_is_all_or_none_with_indexed_errors(
    api_as, reviewer, project, emoji_article, batch, assert_error
):
    items = [
        batch[0],
        {"article": emoji_article.pk, "model_name": "m", "start": 40, "end": 500},
        {"article": emoji_article.pk, "model_name": "m", "quote": "talks", "label": "Maybe"},
        {"article": ArticleFactory().pk, "model_name": "m", "start": 0, "end": 3},
    ]

    response = api_as(reviewer).post(_url(project), items)

    body = assert_error(response, 400, "validation_error", "1.end", "2.label", "3.article")
    assert not any(key.startswith("0.") for key in body["errors"])
    assert not Prediction.objects.exists()


def test_bulk_create_shape_errors_are_indexed(api_as, reviewer, project, batch, assert_error):
    items = [batch[0], {"article": batch[0]["article"], "score": 3}]

    response = api_as(reviewer).post(_url(project), items)

    assert_error(response, 400, "validation_error", "1.model_name", "1.score")
    assert not Prediction.objects.exists()


def test_bulk_create_not_a_list_is_a_validation_error(api_as, reviewer, project, batch):
    response = api_as(reviewer).post(_url(project), batch[0])

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["errors"]
    assert not Prediction.objects.exists()


def test_bulk_create_by_viewer_is_403(api_as, viewer, project, batch, assert_error):
    assert_error(api_as(viewer).post(_url(project), batch), 403, "permission_denied")
    assert not Prediction.objects.exists()


def test_bulk_create_by_editor_is_allowed(api_as, editor, project, batch):
    assert api_as(editor).post(_url(project), batch).status_code == 201
    assert Prediction.objects.count() == 2


def test_bulk_create_in_others_project_is_404(api_as, outsider, project, batch, assert_error):
    assert_error(api_as(outsider).post(_url(project), batch), 404, "not_found")
    assert not Prediction.objects.exists()


def test_bulk_create_unauthenticated_is_401(anonymous, project, batch, assert_error):
    assert_error(anonymous.post(_url(project), batch), 401, "not_authenticated")


# --- list -----------------------------------------------------------------------------------------


def test_list_for_any_member(api_as, viewer, project, emoji_article, article):
    first = _prediction(project, emoji_article)
    second = _prediction(project, article, start=0, end=7, quote=article.body[:7])

    everything = api_as(viewer).get(_url(project))
    one_article = api_as(viewer).get(f"{_url(project)}?article={article.pk}")

    assert everything.status_code == 200
    assert sorted(row["id"] for row in everything.json()["results"]) == sorted(
        [first.pk, second.pk]
    )
    assert [row["id"] for row in one_article.json()["results"]] == [second.pk]


def test_list_of_others_project_is_404(api_as, outsider, project, assert_error):
    assert_error(api_as(outsider).get(_url(project)), 404, "not_found")


def test_list_queries_do_not_grow_with_predictions(
    api_as, reviewer, project, emoji_article, count_queries
):
    def add(n, offset):
        for i in range(offset, offset + n):
            _prediction(project, emoji_article, model_name=f"model-{i}")

    client = api_as(reviewer)
    client.get(_url(project))
    add(3, 0)
    small, few = count_queries(client, _url(project))
    add(27, 3)

    large, many = count_queries(client, _url(project))

    assert (small.json()["count"], large.json()["count"]) == (3, 30)
    assert many == few


# --- accept ---------------------------------------------------------------------------------------


def test_accept_by_reviewer_creates_a_span(api_as, reviewer, project, emoji_article):
    prediction = _prediction(project, emoji_article)

    response = api_as(reviewer).post(f"/api/v1/predictions/{prediction.pk}/accept/")

    assert response.status_code == 201, response.content
    body = response.json()
    span = Span.objects.get()
    assert body["id"] == span.pk
    assert (span.start, span.end, span.quote) == (17, 32, "talks went well")
    assert span.created_by == reviewer
    assert "claimbuster-v2" in span.note
    prediction.refresh_from_db()
    assert prediction.accepted_span == span


def test_accept_where_a_span_exists_links_to_it(api_as, reviewer, project, emoji_article):
    existing = SpanFactory(project=project, article=emoji_article, text="talks went well")
    prediction = _prediction(project, emoji_article)

    response = api_as(reviewer).post(f"/api/v1/predictions/{prediction.pk}/accept/")

    assert response.json()["id"] == existing.pk
    assert Span.objects.count() == 1
    prediction.refresh_from_db()
    assert prediction.accepted_span == existing


def test_accept_by_viewer_is_403(api_as, viewer, project, emoji_article, assert_error):
    prediction = _prediction(project, emoji_article)

    response = api_as(viewer).post(f"/api/v1/predictions/{prediction.pk}/accept/")

    assert_error(response, 403, "permission_denied")
    assert not Span.objects.exists()
    prediction.refresh_from_db()
    assert prediction.accepted_span is None


def test_accept_by_viewer_where_a_span_exists_is_403(
    api_as, viewer, project, emoji_article, assert_error
):
    SpanFactory(project=project, article=emoji_article, text="talks went well")
    prediction = _prediction(project, emoji_article)

    response = api_as(viewer).post(f"/api/v1/predictions/{prediction.pk}/accept/")

    assert_error(response, 403, "permission_denied")
    prediction.refresh_from_db()
    assert prediction.accepted_span is None


def test_accept_in_others_project_is_404(api_as, outsider, project, emoji_article, assert_error):
    prediction = _prediction(project, emoji_article)

    assert_error(
        api_as(outsider).post(f"/api/v1/predictions/{prediction.pk}/accept/"), 404, "not_found"
    )
    assert not Span.objects.exists()


def test_accept_unauthenticated_is_401(anonymous, project, emoji_article, assert_error):
    prediction = _prediction(project, emoji_article)

    assert_error(
        anonymous.post(f"/api/v1/predictions/{prediction.pk}/accept/"), 401, "not_authenticated"
    )


def test_accept_for_a_member_of_two_projects(api_as, reviewer, project, emoji_article):
    # The viewset joins memberships: a member of several projects must still find it once.
    ProjectFactory(reviewers=[reviewer])
    prediction = _prediction(project, emoji_article)

    response = api_as(reviewer).post(f"/api/v1/predictions/{prediction.pk}/accept/")

    assert response.status_code == 201


def test_accept_of_a_rejected_prediction_is_a_validation_error(
    api_as, reviewer, other_reviewer, project, emoji_article, assert_error
):
    prediction = _prediction(project, emoji_article)
    api_as(other_reviewer).post(f"/api/v1/predictions/{prediction.pk}/reject/")

    response = api_as(reviewer).post(f"/api/v1/predictions/{prediction.pk}/accept/")

    assert_error(response, 400, "validation_error")
    assert not Span.objects.exists()


# --- reject ---------------------------------------------------------------------------------------


def test_reject_by_reviewer_records_the_decision(api_as, reviewer, project, emoji_article):
    prediction = _prediction(project, emoji_article)

    response = api_as(reviewer).post(f"/api/v1/predictions/{prediction.pk}/reject/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == prediction.pk
    assert body["decision"] == "rejected"
    assert body["rejected_by"] == reviewer.pk and body["rejected_at"]
    assert body["accepted_span"] is None
    prediction.refresh_from_db()
    assert prediction.rejected_by == reviewer
    assert not Span.objects.exists()


def test_list_shows_each_decision(api_as, reviewer, project, emoji_article):
    open_one = _prediction(project, emoji_article, model_name="open")
    accepted = _prediction(project, emoji_article, model_name="accepted")
    rejected = _prediction(project, emoji_article, model_name="rejected")
    client = api_as(reviewer)
    client.post(f"/api/v1/predictions/{accepted.pk}/accept/")
    client.post(f"/api/v1/predictions/{rejected.pk}/reject/")

    rows = {row["id"]: row for row in client.get(_url(project)).json()["results"]}

    assert rows[open_one.pk]["decision"] == "open"
    assert rows[accepted.pk]["decision"] == "accepted" and rows[accepted.pk]["accepted_span"]
    assert rows[rejected.pk]["decision"] == "rejected"
    assert rows[rejected.pk]["rejected_by"] == reviewer.pk


def test_reject_twice_is_a_validation_error(api_as, reviewer, project, emoji_article, assert_error):
    prediction = _prediction(project, emoji_article)
    client = api_as(reviewer)
    client.post(f"/api/v1/predictions/{prediction.pk}/reject/")

    assert_error(
        client.post(f"/api/v1/predictions/{prediction.pk}/reject/"), 400, "validation_error"
    )


def test_reject_by_viewer_is_403(api_as, viewer, project, emoji_article, assert_error):
    prediction = _prediction(project, emoji_article)

    response = api_as(viewer).post(f"/api/v1/predictions/{prediction.pk}/reject/")

    assert_error(response, 403, "permission_denied")
    prediction.refresh_from_db()
    assert prediction.rejected_at is None


def test_reject_in_others_project_is_404(api_as, outsider, project, emoji_article, assert_error):
    prediction = _prediction(project, emoji_article)

    response = api_as(outsider).post(f"/api/v1/predictions/{prediction.pk}/reject/")

    assert_error(response, 404, "not_found")
    prediction.refresh_from_db()
    assert prediction.rejected_at is None


def test_reject_unauthenticated_is_401(anonymous, project, emoji_article, assert_error):
    prediction = _prediction(project, emoji_article)

    assert_error(
        anonymous.post(f"/api/v1/predictions/{prediction.pk}/reject/"), 401, "not_authenticated"
    )
