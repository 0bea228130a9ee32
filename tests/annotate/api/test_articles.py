"""/api/v1/articles/: list, filters, visibility, retrieve, create, bulk (JSON, JSONL), revise."""

import datetime
import json

import pytest
from rest_framework.test import APIClient

from accounts.services import token_create, token_revoke
from annotate.models import Span
from corpus.models import Article
from corpus.text import content_hash
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = "Officials said 👋 talks went well.\n\nA second paragraph follows."


@pytest.fixture
def desk(project, editor):
    """Three more articles of `project` with distinct publishers, dates and titles."""
    articles = [
        ArticleFactory(
            title="Budget vote delayed",
            publisher="Daily Ledger",
            published_on=datetime.date(2024, 1, 10),
            body="The budget vote was delayed again.",
        ),
        ArticleFactory(
            title="Harbour reopens",
            publisher="Coast Courier",
            published_on=datetime.date(2024, 2, 10),
            body="The harbour reopened after the storm.",
        ),
        ArticleFactory(
            title="Airport expansion approved",
            publisher="Daily Ledger",
            published_on=datetime.date(2024, 3, 10),
            body="Council approved the airport expansion.",
        ),
    ]
    project.articles.add(*articles)
    return {article.title: article for article in articles}


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- list and visibility -------------------------------------------------------------------------


def test_list_non_staff_sees_only_their_projects_articles(api_as, reviewer, project, article):
    hidden = ArticleFactory()
    ProjectFactory(articles=[hidden])
    unassigned = ArticleFactory()

    response = api_as(reviewer).get("/api/v1/articles/")

    assert response.status_code == 200
    body = response.json()
    assert _ids(response) == [article.pk]
    assert body["count"] == 1
    assert hidden.pk not in _ids(response) and unassigned.pk not in _ids(response)
    assert "body" not in body["results"][0]
    assert body["results"][0]["title"] == article.title


def test_list_staff_sees_every_article(api_as, staff, article):
    ProjectFactory(articles=[ArticleFactory()])
    ArticleFactory()

    response = api_as(staff).get("/api/v1/articles/")

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted(Article.objects.values_list("pk", flat=True))
    assert response.json()["count"] == 3


def test_list_viewer_sees_project_articles(api_as, viewer, project, article):
    response = api_as(viewer).get("/api/v1/articles/")

    assert _ids(response) == [article.pk]


def test_list_article_in_two_of_my_projects_listed_once(api_as, reviewer, project, article):
    ProjectFactory(reviewers=[reviewer], articles=[article])

    response = api_as(reviewer).get("/api/v1/articles/")

    assert _ids(response) == [article.pk]


def test_list_filter_by_project(api_as, reviewer, project, article):
    elsewhere = ArticleFactory()
    ProjectFactory(reviewers=[reviewer], articles=[elsewhere])
    client = api_as(reviewer)

    assert sorted(_ids(client.get("/api/v1/articles/"))) == sorted([article.pk, elsewhere.pk])
    assert _ids(client.get(f"/api/v1/articles/?project={project.pk}")) == [article.pk]


def test_list_filter_by_project_of_others_shows_nothing(api_as, outsider, project, article):
    response = api_as(outsider).get(f"/api/v1/articles/?project={project.pk}")

    assert response.status_code == 200
    assert _ids(response) == []


def test_list_filter_by_publisher_ignores_case(api_as, reviewer, desk):
    response = api_as(reviewer).get("/api/v1/articles/?publisher=daily ledger")

    assert sorted(_ids(response)) == sorted(
        [desk["Budget vote delayed"].pk, desk["Airport expansion approved"].pk]
    )


def test_list_filter_by_published_after_and_before(api_as, reviewer, desk):
    client = api_as(reviewer)

    after = client.get("/api/v1/articles/?published_after=2024-02-10")
    between = client.get("/api/v1/articles/?published_after=2024-01-11&published_before=2024-03-09")
    before = client.get("/api/v1/articles/?published_before=2024-01-10")

    assert _ids(after) == [desk["Airport expansion approved"].pk, desk["Harbour reopens"].pk]
    assert _ids(between) == [desk["Harbour reopens"].pk]
    # The fixture's own article is from 2021: before every desk article.
    assert desk["Budget vote delayed"].pk in _ids(before)
    assert desk["Harbour reopens"].pk not in _ids(before)


def test_list_filter_by_text_in_title_or_body(api_as, reviewer, desk):
    client = api_as(reviewer)

    by_title = client.get("/api/v1/articles/?q=harbour")
    by_body = client.get("/api/v1/articles/?q=expansion")

    assert _ids(by_title) == [desk["Harbour reopens"].pk]
    assert _ids(by_body) == [desk["Airport expansion approved"].pk]


def test_list_ordering_by_title_and_date(api_as, reviewer, desk, article):
    client = api_as(reviewer)

    by_title = client.get("/api/v1/articles/?ordering=title")
    titles = [row["title"] for row in by_title.json()["results"]]
    oldest_first = client.get("/api/v1/articles/?ordering=published_on")
    newest_first = client.get("/api/v1/articles/?ordering=-published_on")

    assert by_title.status_code == 200
    assert titles == sorted(titles)
    assert _ids(oldest_first)[0] == article.pk
    assert _ids(newest_first)[0] == desk["Airport expansion approved"].pk


def test_list_bad_filter_value_is_a_field_error(api_as, reviewer, project, assert_error):
    response = api_as(reviewer).get("/api/v1/articles/?published_after=yesterday")

    assert_error(response, 400, "validation_error", "published_after")


def test_list_unauthenticated_is_401(anonymous, article, assert_error):
    response = anonymous.get("/api/v1/articles/")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_list_revoked_token_is_401(reviewer, project, assert_error):
    token, key = token_create(user=reviewer, name="pipeline")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/articles/").status_code == 200

    token_revoke(token=token, actor=reviewer)
    response = client.get("/api/v1/articles/")

    assert_error(response, 401, "not_authenticated")


def test_list_malformed_token_is_401(anonymous, assert_error):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer fcw_not-a-real-key")

    assert_error(anonymous.get("/api/v1/articles/"), 401, "not_authenticated")


# --- retrieve -------------------------------------------------------------------------------------


def test_retrieve_includes_body(api_as, reviewer, project, article):
    response = api_as(reviewer).get(f"/api/v1/articles/{article.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == article.pk
    assert body["body"] == article.body
    assert body["content_hash"] == article.content_hash


def test_retrieve_article_of_another_project_is_404(
    api_as, outsider, article, project, assert_error
):
    response = api_as(outsider).get(f"/api/v1/articles/{article.pk}/")

    assert_error(response, 404, "not_found")


# --- create ---------------------------------------------------------------------------------------


def test_create_by_staff_stores_the_article(api_as, staff):
    response = api_as(staff).post(
        "/api/v1/articles/",
        {
            "title": "  Talks   resume ",
            "body": BODY,
            "authors": ["Ada Reporter"],
            "publisher": "Wire",
            "published_on": "2024-05-01",
            "source_url": "https://example.org/talks",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    article = Article.objects.get()
    assert body["id"] == article.pk
    assert body["title"] == article.title == "Talks resume"
    assert body["body"] == article.body == BODY
    assert article.published_on == datetime.date(2024, 5, 1)
    assert article.authors == ["Ada Reporter"]
    assert article.content_hash == content_hash(BODY)
    assert article.origin == "api"


def test_create_same_body_again_is_200_with_the_stored_article(api_as, staff):
    client = api_as(staff)
    first = client.post("/api/v1/articles/", {"title": "Talks", "body": BODY})

    again = client.post("/api/v1/articles/", {"title": "Another title", "body": BODY})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["title"] == "Talks"
    assert Article.objects.count() == 1


def test_create_with_project_by_editor_adds_it_to_the_project(api_as, editor, project):
    response = api_as(editor).post(
        "/api/v1/articles/", {"title": "Talks", "body": BODY, "project": project.pk}
    )

    assert response.status_code == 201, response.content
    assert project.articles.filter(pk=response.json()["id"]).exists()


@pytest.fixture
def secret(db):
    """An article only in a project of someone else: the callers below cannot read it."""
    article = ArticleFactory(title="Embargoed", body="Embargoed: the minister resigns tomorrow.")
    ProjectFactory(name="Newsroom secrets", editors=[UserFactory()], articles=[article])
    return article


@pytest.mark.parametrize("where", ["body", "query"])
def test_create_text_stored_in_a_project_caller_cannot_read_joins_their_project(
    api_as, editor, project, secret, where
):
    # The probe's existence oracle: this answered 400 "Not available to you: [26]".
    client = api_as(editor)
    assert client.get(f"/api/v1/articles/{secret.pk}/").status_code == 404
    given = {"title": "My copy", "body": secret.body}
    url = "/api/v1/articles/"
    if where == "body":
        given["project"] = project.pk
    else:
        url += f"?project={project.pk}"

    response = client.post(url, given)

    assert response.status_code == 200, response.content
    assert response.json()["id"] == secret.pk  # theirs now: in their project
    assert project.articles.filter(pk=secret.pk).exists()
    assert client.get(f"/api/v1/articles/{secret.pk}/").status_code == 200
    assert "Newsroom secrets" not in response.content.decode()
    assert Article.objects.count() == len(
        {secret.pk, *project.articles.values_list("pk", flat=True)}
    )


@pytest.mark.parametrize("as_lines", [False, True])
def test_bulk_text_stored_in_a_project_caller_cannot_read_joins_their_project(
    api_as, editor, project, secret, as_lines
):
    items = [{"title": "Fresh", "body": "A fresh text."}, {"title": "Copy", "body": secret.body}]
    url = f"/api/v1/articles/bulk/?project={project.pk}"
    client = api_as(editor)
    if as_lines:
        lines = "\n".join(json.dumps(item) for item in items)
        response = client.post(url, lines, content_type="application/x-ndjson")
    else:
        response = client.post(url, items)

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "unchanged"]
    assert results[1]["article_id"] == secret.pk
    fresh = Article.objects.get(title="Fresh")
    assert set(project.articles.filter(pk__in=[fresh.pk, secret.pk])) == {fresh, secret}


def test_create_missing_title_is_a_field_error(api_as, staff, assert_error):
    response = api_as(staff).post("/api/v1/articles/", {"body": BODY})

    assert_error(response, 400, "validation_error", "title")
    assert not Article.objects.exists()


def test_create_javascript_source_url_is_a_field_error(api_as, staff, assert_error):
    response = api_as(staff).post(
        "/api/v1/articles/",
        {"title": "Talks", "body": BODY, "source_url": "javascript:alert(1)"},
    )

    assert_error(response, 400, "validation_error", "source_url")
    assert not Article.objects.exists()


def test_create_nul_character_is_a_field_error(api_as, staff, assert_error):
    response = api_as(staff).post("/api/v1/articles/", {"title": "Talks", "body": "A\x00B"})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert not Article.objects.exists()


def test_create_without_project_by_non_staff_is_403(api_as, editor, project, assert_error):
    before = Article.objects.count()

    response = api_as(editor).post("/api/v1/articles/", {"title": "Talks", "body": BODY})

    assert_error(response, 403, "permission_denied")
    assert Article.objects.count() == before


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_create_with_project_by_non_editor_stores_nothing(
    api_as, request, project, role, assert_error
):
    user = request.getfixturevalue(role)
    before = Article.objects.count()

    response = api_as(user).post(
        "/api/v1/articles/", {"title": "Talks", "body": BODY, "project": project.pk}
    )

    assert_error(response, 403, "permission_denied")
    assert Article.objects.count() == before
    assert not Article.objects.filter(content_hash=content_hash(BODY)).exists()


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_create_with_project_query_by_non_editor_stores_nothing(
    api_as, request, project, role, assert_error
):
    user = request.getfixturevalue(role)
    before = Article.objects.count()

    response = api_as(user).post(
        f"/api/v1/articles/?project={project.pk}", {"title": "Talks", "body": BODY}
    )

    assert_error(response, 403, "permission_denied")
    assert Article.objects.count() == before


def test_create_with_project_query_by_editor_adds_it_to_the_project(api_as, editor, project):
    response = api_as(editor).post(
        f"/api/v1/articles/?project={project.pk}", {"title": "Talks", "body": BODY}
    )

    assert response.status_code == 201, response.content
    assert project.articles.filter(pk=response.json()["id"]).exists()


def test_create_with_project_of_others_is_a_field_error(api_as, outsider, project, assert_error):
    response = api_as(outsider).post(
        "/api/v1/articles/", {"title": "Talks", "body": BODY, "project": project.pk}
    )

    assert_error(response, 400, "validation_error", "project")
    assert not Article.objects.filter(content_hash=content_hash(BODY)).exists()


# --- bulk -----------------------------------------------------------------------------------------


def test_bulk_json_array_stores_every_item_and_reports_each(api_as, editor, project):
    items = [
        {"title": "First", "body": "First body 👋."},
        {"title": "Second", "body": "Second body."},
        {"title": "Third", "body": "Third body.", "published_on": "2024-01-02"},
    ]

    response = api_as(editor).post(f"/api/v1/articles/bulk/?project={project.pk}", items)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["unchanged"], body["failed"]) == (3, 0, 0)
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert [r["status"] for r in results] == ["created"] * 3
    assert [r["location"] for r in results] == ["request[0]", "request[1]", "request[2]"]
    stored = Article.objects.filter(pk__in=[r["article_id"] for r in results])
    assert sorted(stored.values_list("title", flat=True)) == ["First", "Second", "Third"]
    assert project.articles.filter(pk__in=stored).count() == 3


def test_bulk_json_array_with_a_bad_item_stores_nothing_and_names_it(
    api_as, editor, project, assert_error
):
    items = [
        {"title": "First", "body": "First body 👋."},
        {"title": "No body"},
        {"title": "Third", "body": "Third body.", "published_on": "2024-01-02"},
    ]

    response = api_as(editor).post(f"/api/v1/articles/bulk/?project={project.pk}", items)

    body = assert_error(response, 400, "validation_error", "1")
    assert list(body["errors"]) == ["1"]
    assert "body" in body["errors"]["1"][0]
    assert "Nothing was stored" in body["detail"] and "request[1]" in body["detail"]
    assert not Article.objects.filter(title__in=["First", "Third"]).exists()


def test_bulk_json_lines_stores_every_line_and_reports_its_location(api_as, editor, project):
    lines = "\n".join(
        [
            json.dumps({"title": "One", "body": "Line one body."}),
            "",
            json.dumps({"title": "Three", "body": "Line three body."}),
        ]
    )

    response = api_as(editor).post(
        f"/api/v1/articles/bulk/?project={project.pk}",
        lines,
        content_type="application/x-ndjson",
    )

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["location"] for r in results] == ["request:1", "request:3"]
    assert project.articles.filter(title__in=["One", "Three"]).count() == 2


def test_bulk_json_lines_with_a_bad_line_stores_nothing_and_names_it(
    api_as, editor, project, assert_error
):
    lines = "\n".join(
        [
            json.dumps({"title": "One", "body": "Line one body."}),
            "{not json",
            "",
            json.dumps({"title": "Four", "body": "Line four body."}),
        ]
    )

    response = api_as(editor).post(
        f"/api/v1/articles/bulk/?project={project.pk}",
        lines,
        content_type="application/x-ndjson",
    )

    body = assert_error(response, 400, "validation_error", "1")
    assert "invalid JSON" in body["errors"]["1"][0]
    assert "request:2" in body["detail"]
    assert not Article.objects.filter(title__in=["One", "Four"]).exists()


def _bulk_lines(count: int, *, prefix: str) -> list[str]:
    return [
        json.dumps({"title": f"{prefix} {n}", "body": f"{prefix} body number {n}."})
        for n in range(count)
    ]


def test_bulk_600_good_lines_are_all_stored(api_as, editor, project):
    lines = _bulk_lines(600, prefix="Good")

    response = api_as(editor).post(
        f"/api/v1/articles/bulk/?project={project.pk}",
        "\n".join(lines),
        content_type="application/x-ndjson",
    )

    assert response.status_code == 200, response.content
    assert response.json()["created"] == 600
    assert project.articles.filter(title__startswith="Good ").count() == 600


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"title": "Bad", "body": "a \\ud800 b"}',
        '{"title": "\\ud800", "body": "Bad body."}',
        '{"title": "Bad", "body": "Bad body.", "language": "\\udfff"}',
        '{"title": "Bad", "body": "Bad body.", "authors": ["A \\ud800"]}',
        '{"title": "Bad", "body": "Bad \\u0000 body."}',
        "[" * 5000 + "]" * 5000,
        '{"title": "Bad", "body": "Bad body.", "published_on": ' + "9" * 5000 + "}",
        "{not json",
    ],
    ids=[
        "surrogate-body",
        "surrogate-title",
        "surrogate-language",
        "surrogate-authors",
        "nul",
        "nested-5000",
        "huge-number",
        "malformed",
    ],
)
def test_bulk_600_good_lines_then_a_bad_one_stores_nothing(
    api_as, editor, project, bad_line, assert_error
):
    """600 good lines then a bad one: a 400 naming the bad line, not 500 articles behind a 500."""
    before = Article.objects.count()
    lines = [*_bulk_lines(600, prefix="Good"), bad_line]

    response = api_as(editor).post(
        f"/api/v1/articles/bulk/?project={project.pk}",
        "\n".join(lines),
        content_type="application/x-ndjson",
    )

    body = assert_error(response, 400, "validation_error")
    assert {key.split(".")[0] for key in body["errors"]} == {"600"}, body
    assert "request:601" in body["detail"]
    assert Article.objects.count() == before


@pytest.mark.parametrize("field", ["body", "title", "language"])
def test_bulk_json_array_surrogate_is_a_field_error_of_its_item(api_as, staff, field, assert_error):
    items = [
        {"title": "Fine", "body": "A fine body."},
        {"title": "Bad", "body": "A bad body.", field: "x \ud800"},
    ]
    sent = json.dumps(items)  # ASCII, with the surrogate escaped as a client would send it

    response = api_as(staff).post("/api/v1/articles/bulk/", sent, content_type="application/json")

    body = assert_error(response, 400, "validation_error", f"1.{field}")
    assert "surrogate" in body["errors"][f"1.{field}"][0]
    assert not Article.objects.exists()


def test_bulk_json_array_item_nested_5000_deep_is_a_400(api_as, staff, assert_error):
    deep = "[" * 5000 + "]" * 5000
    body = '[{"title": "Fine", "body": "A fine body."}, ' + deep + "]"

    response = api_as(staff).post("/api/v1/articles/bulk/", body, content_type="application/json")

    assert_error(response, 400, "validation_error")
    assert not Article.objects.exists()


def test_bulk_with_a_text_of_another_project_stores_both_in_one_request(api_as, editor, project):
    """A text stored only in a project the caller cannot read joins the caller's project (they
    hold its text already) together with the new article of the same request."""
    elsewhere = ArticleFactory(body="Only in a project the editor cannot read.")
    ProjectFactory().articles.add(elsewhere)
    items = [
        {"title": "New", "body": "A brand new body."},
        {"title": "Theirs", "body": elsewhere.body},
    ]

    response = api_as(editor).post(f"/api/v1/articles/bulk/?project={project.pk}", items)

    assert response.status_code == 200, response.json()
    assert project.articles.filter(title="New").exists()
    assert project.articles.filter(pk=elsewhere.pk).exists()


def test_bulk_resending_is_unchanged(api_as, staff):
    client = api_as(staff)
    items = [{"title": "One", "body": "Same body."}]
    client.post("/api/v1/articles/bulk/", items)

    response = client.post("/api/v1/articles/bulk/", items)

    body = response.json()
    assert (body["created"], body["unchanged"], body["failed"]) == (0, 1, 0)
    assert body["results"][0]["status"] == "unchanged"
    assert Article.objects.filter(title="One").count() == 1


def test_bulk_same_body_twice_reports_the_stored_article_for_both(api_as, staff):
    items = [{"title": "One", "body": "Same body."}, {"title": "Two", "body": "Same body."}]

    response = api_as(staff).post("/api/v1/articles/bulk/", items)

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "unchanged"]
    assert Article.objects.count() == 1
    assert results[1]["article_id"] == results[0]["article_id"] == Article.objects.get().pk


def test_bulk_not_an_array_is_a_validation_error(api_as, staff, assert_error):
    response = api_as(staff).post("/api/v1/articles/bulk/", {"title": "One", "body": "x"})

    assert_error(response, 400, "validation_error", "non_field_errors")


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_bulk_with_project_by_non_editor_stores_nothing(
    api_as, request, project, role, assert_error
):
    user = request.getfixturevalue(role)
    before = Article.objects.count()

    response = api_as(user).post(
        f"/api/v1/articles/bulk/?project={project.pk}", [{"title": "One", "body": "Refused body."}]
    )

    assert_error(response, 403, "permission_denied")
    assert Article.objects.count() == before


def test_bulk_without_project_by_non_staff_is_403(api_as, editor, project, assert_error):
    response = api_as(editor).post("/api/v1/articles/bulk/", [{"title": "One", "body": "x y"}])

    assert_error(response, 403, "permission_denied")
    assert not Article.objects.filter(title="One").exists()


def test_bulk_unauthenticated_is_401(anonymous, assert_error):
    response = anonymous.post("/api/v1/articles/bulk/", [{"title": "One", "body": "x y"}])

    assert_error(response, 401, "not_authenticated")
    assert not Article.objects.exists()


# --- revise ---------------------------------------------------------------------------------------


def test_revise_by_editor_reanchors_spans(api_as, editor, project, article):
    span = SpanFactory(project=project, article=article, text="keep talking", created_by=editor)
    old_start = span.start
    new_body = "Correction added. " + article.body

    response = api_as(editor).post(f"/api/v1/articles/{article.pk}/revise/", {"body": new_body})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kept"], body["moved"], body["fuzzy"], body["orphaned"]) == (0, 1, 0, 0)
    assert body["article"]["body"] == new_body
    article.refresh_from_db()
    span.refresh_from_db()
    assert article.body == new_body
    assert article.content_hash == content_hash(new_body)
    assert span.start == old_start + len("Correction added. ")
    assert article.body[span.start : span.end] == "keep talking"
    assert not span.orphaned


def test_revise_removing_the_quote_orphans_the_span(api_as, editor, project, article):
    span = SpanFactory(project=project, article=article, text="keep talking", created_by=editor)

    response = api_as(editor).post(
        f"/api/v1/articles/{article.pk}/revise/", {"body": "Entirely different text now."}
    )

    assert response.status_code == 200
    assert response.json()["orphaned"] == 1
    assert Span.objects.get(pk=span.pk).orphaned


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_revise_by_non_editor_is_403(api_as, request, project, article, role, assert_error):
    user = request.getfixturevalue(role)
    old_body = article.body

    response = api_as(user).post(f"/api/v1/articles/{article.pk}/revise/", {"body": "New text."})

    assert_error(response, 403, "permission_denied")
    article.refresh_from_db()
    assert article.body == old_body


def test_revise_by_outsider_is_404(api_as, outsider, project, article, assert_error):
    response = api_as(outsider).post(f"/api/v1/articles/{article.pk}/revise/", {"body": "New."})

    assert_error(response, 404, "not_found")


def test_revise_blank_body_is_a_field_error(api_as, editor, project, article, assert_error):
    response = api_as(editor).post(f"/api/v1/articles/{article.pk}/revise/", {"body": ""})

    assert_error(response, 400, "validation_error", "body")


def test_revise_to_another_articles_text_is_a_field_error(
    api_as, editor, project, article, assert_error
):
    other = ArticleFactory()
    project.articles.add(other)

    response = api_as(editor).post(f"/api/v1/articles/{article.pk}/revise/", {"body": other.body})

    assert_error(response, 400, "validation_error", "body")


def test_revise_to_the_text_of_an_article_caller_cannot_read_names_nothing(
    api_as, editor, project, article, secret, assert_error
):
    response = api_as(editor).post(f"/api/v1/articles/{article.pk}/revise/", {"body": secret.body})

    body = assert_error(response, 400, "validation_error", "body")
    text = response.content.decode()
    assert str(secret.pk) not in text.replace(str(article.pk), "")
    assert "Embargoed" not in body["errors"]["body"][0] and "Newsroom" not in text
    assert Article.objects.get(pk=article.pk).body != secret.body


def _shared_article_with_a_span_of(other: object, article, reviewer) -> Span:
    other.articles.add(article)
    return SpanFactory(project=other, article=article, text="keep talking", created_by=reviewer)


@pytest.mark.parametrize("member", [True, False])
def test_revise_moving_spans_of_a_project_caller_does_not_edit_is_409(
    api_as, editor, project, article, assert_error, member
):
    # The probe: an editor of B orphaned project A's spans by revising a shared article.
    owner = UserFactory()
    other = ProjectFactory(
        name="Desk A", editors=[owner], reviewers=[editor] if member else [], articles=[]
    )
    span = _shared_article_with_a_span_of(other, article, owner)
    old_body = article.body

    response = api_as(editor).post(
        f"/api/v1/articles/{article.pk}/revise/", {"body": "Entirely different text now."}
    )

    body = assert_error(response, 409, "conflict", "body")
    if member:
        assert "Desk A" in body["detail"]
        assert body["projects"] == [{"id": other.pk, "name": "Desk A"}]
    else:
        assert "another project" in body["detail"] and "Desk A" not in response.content.decode()
        assert body["projects"] == []
    article.refresh_from_db()
    assert article.body == old_body
    assert not Span.objects.get(pk=span.pk).orphaned


def test_revise_moving_spans_of_every_project_caller_edits(api_as, editor, project, article):
    other = ProjectFactory(editors=[editor], articles=[])
    span = _shared_article_with_a_span_of(other, article, editor)

    response = api_as(editor).post(
        f"/api/v1/articles/{article.pk}/revise/", {"body": "Entirely different text now."}
    )

    assert response.status_code == 200, response.content
    assert response.json()["orphaned"] == 1
    assert Span.objects.get(pk=span.pk).orphaned


# --- queries --------------------------------------------------------------------------------------


def test_list_queries_do_not_grow_with_articles(api_as, reviewer, project, count_queries):
    client = api_as(reviewer)
    client.get("/api/v1/articles/")  # token's last_used_at is written on the first request
    project.articles.add(*ArticleFactory.create_batch(2))
    small, few = count_queries(client, "/api/v1/articles/")
    project.articles.add(*ArticleFactory.create_batch(27))

    large, many = count_queries(client, "/api/v1/articles/")

    assert (small.json()["count"], large.json()["count"]) == (3, 30)
    assert many == few


def test_retrieve_with_token_records_last_use(reviewer, project, article):
    token, key = token_create(user=reviewer, name="pipeline")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    client.get(f"/api/v1/articles/{article.pk}/")

    token.refresh_from_db()
    assert token.last_used_at is not None
