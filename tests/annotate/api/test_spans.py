"""/api/v1/spans/: create (offsets in code points, or quote), delete, filters, cursor pages,
blind review on the detail, comments and adjudication."""

from urllib.parse import urlsplit

import pytest

from annotate.models import Adjudication, Comment, Span, Verdict
from annotate.review import services
from tests.factories import (
    EMOJI_BODY,
    ArticleFactory,
    MembershipFactory,
    ProjectFactory,
    SourceFactory,
    SpanFactory,
    UserFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db

SOURCE = {"url": "https://example.org/readout", "stance": "refutes"}


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def _walk(client, url: str) -> list[int]:
    """Every id of a cursor-paginated list, following `next` links to the end."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        ids += [row["id"] for row in body["results"]]
        pages += 1
        url = body["next"]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
        assert pages < 50
    return ids


# --- create ---------------------------------------------------------------------------------------


def test_create_by_offsets_counts_code_points(api_as, reviewer, project, emoji_article):
    # In code points "talks" starts at 17; a browser's UTF-16 index would be 18 (👋 is 2 units).
    start = EMOJI_BODY.index("talks")
    assert start == 17

    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {
            "project": project.pk,
            "article": emoji_article.pk,
            "start": 17,
            "end": 32,
            "claimant": " Officials ",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start"], body["end"], body["quote"]) == (17, 32, "talks went well")
    assert body["prefix"].endswith("👋 ")
    assert body["status"] == "open"
    assert body["verdicts"] == [] and body["comments"] == [] and body["adjudication"] is None
    span = Span.objects.get(pk=body["id"])
    assert (span.start, span.end, span.quote) == (17, 32, "talks went well")
    assert span.claimant == "Officials"
    assert span.created_by == reviewer
    assert span.project == project and span.article == emoji_article


def test_create_by_quote_and_occurrence(api_as, reviewer, project, emoji_article):
    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {
            "project": project.pk,
            "article": emoji_article.pk,
            "quote": "talks went well",
            "occurrence": 2,
        },
    )

    assert response.status_code == 201, response.content
    second = EMOJI_BODY.index("talks went well", 20)
    assert (response.json()["start"], response.json()["end"]) == (second, second + 15)
    assert Span.objects.get(pk=response.json()["id"]).start == second


def test_create_by_quote_defaults_to_first_occurrence(api_as, reviewer, project, emoji_article):
    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {"project": project.pk, "article": emoji_article.pk, "quote": "talks went well"},
    )

    assert (response.json()["start"], response.json()["end"]) == (17, 32)


def test_create_out_of_range_offsets_are_field_errors(
    api_as, reviewer, project, emoji_article, assert_error
):
    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {"project": project.pk, "article": emoji_article.pk, "start": 500, "end": 600},
    )

    body = assert_error(response, 400, "validation_error", "start", "end")
    assert str(len(EMOJI_BODY)) in body["errors"]["end"][0]
    assert not Span.objects.exists()


def test_create_end_before_start_is_a_field_error(
    api_as, reviewer, project, emoji_article, assert_error
):
    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {"project": project.pk, "article": emoji_article.pk, "start": 10, "end": 5},
    )

    assert_error(response, 400, "validation_error", "end")


def test_create_negative_offset_is_a_field_error(
    api_as, reviewer, project, emoji_article, assert_error
):
    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {"project": project.pk, "article": emoji_article.pk, "start": -1, "end": 5},
    )

    assert_error(response, 400, "validation_error", "start")


def test_create_quote_not_matching_offsets_is_a_field_error(
    api_as, reviewer, project, emoji_article, assert_error
):
    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {
            "project": project.pk,
            "article": emoji_article.pk,
            "start": 18,  # the UTF-16 index a browser would send
            "end": 33,
            "quote": "talks went well",
        },
    )

    assert_error(response, 400, "validation_error", "quote")
    assert not Span.objects.exists()


def test_create_missing_occurrence_is_a_field_error(
    api_as, reviewer, project, emoji_article, assert_error
):
    response = api_as(reviewer).post(
        "/api/v1/spans/",
        {
            "project": project.pk,
            "article": emoji_article.pk,
            "quote": "talks went well",
            "occurrence": 3,
        },
    )

    assert_error(response, 400, "validation_error", "quote")


def test_create_without_offsets_or_quote_is_a_field_error(
    api_as, reviewer, project, emoji_article, assert_error
):
    response = api_as(reviewer).post(
        "/api/v1/spans/", {"project": project.pk, "article": emoji_article.pk}
    )

    assert_error(response, 400, "validation_error", "quote")


def test_create_missing_fields_are_field_errors(api_as, reviewer, project, assert_error):
    response = api_as(reviewer).post("/api/v1/spans/", {"start": "x"})

    assert_error(response, 400, "validation_error", "project", "article", "start")


def test_create_article_outside_project_is_a_field_error(api_as, reviewer, project, assert_error):
    stranger = ArticleFactory()
    client = api_as(reviewer)

    response = client.post(
        "/api/v1/spans/", {"project": project.pk, "article": stranger.pk, "start": 0, "end": 5}
    )
    missing = client.post(
        "/api/v1/spans/", {"project": project.pk, "article": 999_999, "start": 0, "end": 5}
    )

    body = assert_error(response, 400, "validation_error", "article")
    # An id that does not exist gets the same answer: existence is not revealed.
    assert assert_error(missing, 400, "validation_error", "article") == body


def test_create_twice_on_the_same_passage_is_a_field_error(
    api_as, reviewer, other_reviewer, project, emoji_article, assert_error
):
    given = {"project": project.pk, "article": emoji_article.pk, "start": 17, "end": 32}
    api_as(reviewer).post("/api/v1/spans/", given)

    response = api_as(other_reviewer).post("/api/v1/spans/", given)

    assert_error(response, 400, "validation_error", "start")
    assert Span.objects.count() == 1


def test_create_by_viewer_is_403(api_as, viewer, project, emoji_article, assert_error):
    response = api_as(viewer).post(
        "/api/v1/spans/",
        {"project": project.pk, "article": emoji_article.pk, "start": 17, "end": 32},
    )

    assert_error(response, 403, "permission_denied")
    assert not Span.objects.exists()


def test_create_in_others_project_is_a_field_error(
    api_as, outsider, project, emoji_article, assert_error
):
    response = api_as(outsider).post(
        "/api/v1/spans/",
        {"project": project.pk, "article": emoji_article.pk, "start": 17, "end": 32},
    )

    assert_error(response, 400, "validation_error", "project")
    assert not Span.objects.exists()


def test_create_unauthenticated_is_401(anonymous, project, emoji_article, assert_error):
    response = anonymous.post(
        "/api/v1/spans/",
        {"project": project.pk, "article": emoji_article.pk, "start": 17, "end": 32},
    )

    assert_error(response, 401, "not_authenticated")
    assert not Span.objects.exists()


# --- retrieve and blind review --------------------------------------------------------------------


def test_retrieve_of_others_project_is_404(api_as, outsider, span, assert_error):
    assert_error(api_as(outsider).get(f"/api/v1/spans/{span.pk}/"), 404, "not_found")


def test_retrieve_unknown_is_404(api_as, reviewer, project, assert_error):
    assert_error(api_as(reviewer).get("/api/v1/spans/999999/"), 404, "not_found")


def test_retrieve_blind_reviewer_sees_others_verdicts_only_after_submitting(
    api_as, reviewer, other_reviewer, span
):
    others = VerdictFactory(span=span, reviewer=other_reviewer, label="False")
    SourceFactory(verdict=others)
    client = api_as(reviewer)

    before = client.get(f"/api/v1/spans/{span.pk}/")
    draft = client.post(
        "/api/v1/verdicts/", {"span": span.pk, "status": "draft", "version": 0, "label": "True"}
    )
    with_draft = client.get(f"/api/v1/spans/{span.pk}/")
    client.put(
        f"/api/v1/verdicts/{draft.json()['id']}/",
        {"status": "submitted", "version": 1, "label": "True", "sources": [SOURCE]},
    )
    after = client.get(f"/api/v1/spans/{span.pk}/")

    assert before.status_code == 200
    assert before.json()["verdicts"] == []
    assert [v["reviewer"]["id"] for v in with_draft.json()["verdicts"]] == [reviewer.pk]
    assert {v["reviewer"]["id"]: v["label"] for v in after.json()["verdicts"]} == {
        other_reviewer.pk: "False",
        reviewer.pk: "True",
    }
    assert after.json()["status"] == "contested"


@pytest.fixture
def contested_span(span, editor):
    """Two other reviewers (the project wants 2) disagree on `span`."""
    for label in ("True", "False"):
        voter = UserFactory()
        MembershipFactory(project=span.project, user=voter)
        SourceFactory(verdict=VerdictFactory(span=span, reviewer=voter, label=label))
    return span


def _statuses(client, path: str) -> dict[int, str]:
    body = client.get(path).json()
    rows = body.get("results", [body])
    return {row["id"]: row["status"] for row in rows}


def test_blind_reviewer_sees_no_outcome_before_submitting(
    api_as, editor, reviewer, viewer, contested_span
):
    span_id, project_id = contested_span.pk, contested_span.project_id
    detail, listing = f"/api/v1/spans/{span_id}/", f"/api/v1/spans/?project={project_id}"
    filtered = f"{listing}&status=contested"
    client = api_as(reviewer)

    assert _statuses(client, detail) == {span_id: "in_review"}
    assert _statuses(client, listing) == {span_id: "in_review"}
    assert _statuses(client, filtered) == {}
    for insider in (editor, viewer):
        assert _statuses(api_as(insider), filtered) == {span_id: "contested"}

    submitted = client.post(
        "/api/v1/verdicts/",
        {
            "span": span_id,
            "status": "submitted",
            "version": 0,
            "label": "True",
            "sources": [SOURCE],
        },
    )
    assert submitted.status_code == 200, submitted.content
    assert _statuses(client, detail) == {span_id: "contested"}
    assert _statuses(client, filtered) == {span_id: "contested"}


def test_outcome_shown_to_reviewers_when_review_is_not_blind(api_as, reviewer, contested_span):
    contested_span.project.blind_review = False
    contested_span.project.save()

    assert _statuses(api_as(reviewer), f"/api/v1/spans/{contested_span.pk}/") == {
        contested_span.pk: "contested"
    }


def test_retrieve_others_drafts_stay_private(api_as, editor, reviewer, other_reviewer, span):
    VerdictFactory(span=span, reviewer=other_reviewer, draft=True)
    VerdictFactory(span=span, reviewer=reviewer, label="True")

    for user in (editor, reviewer):
        verdicts = api_as(user).get(f"/api/v1/spans/{span.pk}/").json()["verdicts"]
        assert [v["reviewer"]["id"] for v in verdicts] == [reviewer.pk]


def test_retrieve_editor_and_viewer_see_submitted_verdicts(
    api_as, editor, viewer, reviewer, other_reviewer, span
):
    VerdictFactory(span=span, reviewer=reviewer, label="True")
    VerdictFactory(span=span, reviewer=other_reviewer, label="True")

    for user in (editor, viewer):
        body = api_as(user).get(f"/api/v1/spans/{span.pk}/").json()
        assert {v["reviewer"]["id"] for v in body["verdicts"]} == {reviewer.pk, other_reviewer.pk}
        assert body["status"] == "agreed"


def test_retrieve_orphaned_span_only_for_editors(api_as, editor, reviewer, span, assert_error):
    Span.objects.filter(pk=span.pk).update(orphaned=True)

    assert api_as(editor).get(f"/api/v1/spans/{span.pk}/").status_code == 200
    assert_error(api_as(reviewer).get(f"/api/v1/spans/{span.pk}/"), 404, "not_found")


# --- delete ---------------------------------------------------------------------------------------


def test_delete_by_its_creator_without_submitted_verdicts(api_as, reviewer, project, article):
    span = SpanFactory(project=project, article=article, created_by=reviewer)
    VerdictFactory(span=span, reviewer=reviewer, draft=True)

    response = api_as(reviewer).delete(f"/api/v1/spans/{span.pk}/")

    assert response.status_code == 204
    assert not Span.objects.filter(pk=span.pk).exists()
    assert not Verdict.objects.exists()


def test_delete_by_creator_after_a_submitted_verdict_is_403(
    api_as, reviewer, other_reviewer, project, article, assert_error
):
    span = SpanFactory(project=project, article=article, created_by=reviewer)
    VerdictFactory(span=span, reviewer=other_reviewer)

    response = api_as(reviewer).delete(f"/api/v1/spans/{span.pk}/")

    assert_error(response, 403, "permission_denied")
    assert Span.objects.filter(pk=span.pk).exists()


def test_delete_another_reviewers_span_is_403(
    api_as, reviewer, other_reviewer, project, article, assert_error
):
    span = SpanFactory(project=project, article=article, created_by=other_reviewer)

    response = api_as(reviewer).delete(f"/api/v1/spans/{span.pk}/")

    assert_error(response, 403, "permission_denied")
    assert Span.objects.filter(pk=span.pk).exists()


def test_delete_by_editor_even_with_verdicts(api_as, editor, reviewer, project, article):
    span = SpanFactory(project=project, article=article, created_by=reviewer)
    SourceFactory(verdict=VerdictFactory(span=span, reviewer=reviewer))

    response = api_as(editor).delete(f"/api/v1/spans/{span.pk}/")

    assert response.status_code == 204
    assert not Span.objects.filter(pk=span.pk).exists()
    assert not Verdict.objects.filter(span_id=span.pk).exists()


def test_delete_by_viewer_is_403(api_as, viewer, span, assert_error):
    assert_error(api_as(viewer).delete(f"/api/v1/spans/{span.pk}/"), 403, "permission_denied")
    assert Span.objects.filter(pk=span.pk).exists()


def test_delete_by_outsider_is_404(api_as, outsider, span, assert_error):
    assert_error(api_as(outsider).delete(f"/api/v1/spans/{span.pk}/"), 404, "not_found")
    assert Span.objects.filter(pk=span.pk).exists()


# --- list and filters -----------------------------------------------------------------------------


@pytest.fixture
def spans_by_status(project, article, editor, reviewer, other_reviewer):
    """One span of `project` in each derived status."""
    body = article.body
    spans = {}
    for status, text in [
        ("open", "Leaders"),
        ("in_review", "met"),
        ("contested", "They agreed"),
        ("agreed", "keep talking"),
        ("adjudicated", "café"),
    ]:
        assert text in body
        spans[status] = SpanFactory(project=project, article=article, text=text)
    VerdictFactory(span=spans["in_review"], reviewer=reviewer, label="True")
    VerdictFactory(span=spans["contested"], reviewer=reviewer, label="True")
    VerdictFactory(span=spans["contested"], reviewer=other_reviewer, label="False")
    VerdictFactory(span=spans["agreed"], reviewer=reviewer, label="Half True")
    VerdictFactory(span=spans["agreed"], reviewer=other_reviewer, label="Half True")
    VerdictFactory(span=spans["adjudicated"], reviewer=reviewer, label="True")
    Adjudication.objects.create(span=spans["adjudicated"], editor=editor, label="Mostly True")
    return spans


@pytest.mark.parametrize("status", ["open", "in_review", "contested", "agreed", "adjudicated"])
def test_list_filter_by_status(api_as, editor, spans_by_status, status):
    response = api_as(editor).get(f"/api/v1/spans/?status={status}")

    assert response.status_code == 200
    assert _ids(response) == [spans_by_status[status].pk]
    assert response.json()["results"][0]["status"] == status


def test_list_unknown_status_is_a_field_error(api_as, editor, project, assert_error):
    assert_error(
        api_as(editor).get("/api/v1/spans/?status=done"), 400, "validation_error", "status"
    )


def test_list_filter_by_label_matches_submitted_and_adjudicated(api_as, editor, spans_by_status):
    response = api_as(editor).get("/api/v1/spans/?label=True")
    adjudicated = api_as(editor).get("/api/v1/spans/?label=Mostly True")

    assert sorted(_ids(response)) == sorted(
        spans_by_status[s].pk for s in ("in_review", "contested", "adjudicated")
    )
    assert _ids(adjudicated) == [spans_by_status["adjudicated"].pk]


def test_list_filter_by_reviewer(api_as, editor, other_reviewer, spans_by_status):
    response = api_as(editor).get(f"/api/v1/spans/?reviewer={other_reviewer.pk}")

    assert sorted(_ids(response)) == sorted(
        [spans_by_status["contested"].pk, spans_by_status["agreed"].pk]
    )


def test_list_filter_by_article_and_project(api_as, editor, project, span):
    other_article = ArticleFactory()
    project.articles.add(other_article)
    elsewhere = SpanFactory(project=project, article=other_article)
    second_project = ProjectFactory(editors=[editor])
    SpanFactory(project=second_project)
    client = api_as(editor)

    by_article = client.get(f"/api/v1/spans/?article={other_article.pk}")
    by_project = client.get(f"/api/v1/spans/?project={project.pk}")

    assert _ids(by_article) == [elsewhere.pk]
    assert sorted(_ids(by_project)) == sorted([span.pk, elsewhere.pk])


def test_list_orphaned_spans_only_for_editors(api_as, editor, reviewer, project, article, span):
    lost = SpanFactory(project=project, article=article, text="keep talking", orphaned=True)

    as_editor = api_as(editor).get("/api/v1/spans/?orphaned=true")
    as_reviewer = api_as(reviewer).get("/api/v1/spans/?orphaned=true")
    reviewer_all = api_as(reviewer).get("/api/v1/spans/")
    editor_live = api_as(editor).get("/api/v1/spans/?orphaned=false")

    assert _ids(as_editor) == [lost.pk]
    assert _ids(as_reviewer) == []
    assert _ids(reviewer_all) == [span.pk]
    assert _ids(editor_live) == [span.pk]


def test_list_hides_other_projects_spans(api_as, outsider, span):
    own = SpanFactory(project=outsider.memberships.get().project)

    response = api_as(outsider).get("/api/v1/spans/")

    assert _ids(response) == [own.pk]


def test_list_unauthenticated_is_401(anonymous, span, assert_error):
    assert_error(anonymous.get("/api/v1/spans/"), 401, "not_authenticated")


def test_list_label_filter_does_not_reveal_hidden_verdicts(api_as, reviewer, other_reviewer, span):
    VerdictFactory(span=span, reviewer=other_reviewer, label="Pants on Fire")
    client = api_as(reviewer)
    assert client.get(f"/api/v1/spans/{span.pk}/").json()["verdicts"] == []

    response = client.get("/api/v1/spans/?label=Pants on Fire")

    assert response.status_code == 200
    assert _ids(response) == []


def _submit(client, span_id: int) -> None:
    response = client.post(
        "/api/v1/verdicts/",
        {
            "span": span_id,
            "status": "submitted",
            "version": 0,
            "label": "True",
            "sources": [SOURCE],
        },
    )
    assert response.status_code == 200, response.content


def test_list_reviewer_filter_does_not_reveal_hidden_verdicts(
    api_as, editor, viewer, reviewer, other_reviewer, span
):
    # The probe's `?project=7&reviewer=58`: which spans another reviewer judged, blind.
    VerdictFactory(span=span, reviewer=other_reviewer, label="Pants on Fire")
    client = api_as(reviewer)
    url = f"/api/v1/spans/?project={span.project_id}&reviewer={other_reviewer.pk}"

    assert _ids(client.get(url)) == []
    for insider in (editor, viewer):
        assert _ids(api_as(insider).get(url)) == [span.pk]

    _submit(client, span.pk)
    assert _ids(client.get(url)) == [span.pk]


def test_list_reviewer_filter_shows_others_when_review_is_not_blind(
    api_as, reviewer, other_reviewer, span
):
    span.project.blind_review = False
    span.project.save()
    VerdictFactory(span=span, reviewer=other_reviewer, label="Pants on Fire")

    response = api_as(reviewer).get(f"/api/v1/spans/?reviewer={other_reviewer.pk}")

    assert _ids(response) == [span.pk]


def _counts(client, path: str) -> tuple[int, int]:
    body = client.get(path).json()
    (row,) = body.get("results", [body])
    return row["verdict_count"], row["submitted_count"]


def test_blind_reviewer_counts_only_own_verdicts_before_submitting(
    api_as, editor, reviewer, other_reviewer, span
):
    VerdictFactory(span=span, reviewer=other_reviewer, label="Pants on Fire")
    VerdictFactory(span=span, reviewer=UserFactory(), draft=True)
    client = api_as(reviewer)
    paths = (f"/api/v1/spans/{span.pk}/", f"/api/v1/spans/?project={span.project_id}")

    for path in paths:
        assert _counts(client, path) == (0, 0)
        assert _counts(api_as(editor), path) == (2, 1)
    VerdictFactory(span=span, reviewer=reviewer, draft=True)
    assert _counts(client, paths[1]) == (1, 0)  # their own draft

    Verdict.objects.filter(span=span, reviewer=reviewer).delete()
    _submit(client, span.pk)
    for path in paths:
        assert _counts(client, path) == (3, 2)


def test_counts_shown_to_reviewers_when_review_is_not_blind(api_as, reviewer, other_reviewer, span):
    span.project.blind_review = False
    span.project.save()
    VerdictFactory(span=span, reviewer=other_reviewer, label="Pants on Fire")

    assert _counts(api_as(reviewer), f"/api/v1/spans/?project={span.project_id}") == (1, 1)


def test_list_cursor_pages_walk_every_span_once(api_as, editor, project):
    articles = ArticleFactory.create_batch(4)
    project.articles.add(*articles)
    created = [
        SpanFactory(project=project, article=article, text=text).pk
        for article in articles
        for text in ("Leaders", "They agreed", "keep talking")
    ]

    ids = _walk(api_as(editor), "/api/v1/spans/?page_size=5")

    assert len(ids) == len(set(ids)) == 12
    assert set(ids) == set(created)


def test_list_cursor_pages_keep_filters(api_as, editor, reviewer, project):
    articles = ArticleFactory.create_batch(3)
    project.articles.add(*articles)
    reviewed = []
    for article in articles:
        for text in ("Leaders", "keep talking"):
            span = SpanFactory(project=project, article=article, text=text)
            if text == "Leaders":
                VerdictFactory(span=span, reviewer=reviewer, label="True")
                reviewed.append(span.pk)

    ids = _walk(api_as(editor), "/api/v1/spans/?status=in_review&page_size=2")

    assert sorted(ids) == sorted(reviewed)


# --- comments -------------------------------------------------------------------------------------


def test_comments_post_and_list(api_as, reviewer, other_reviewer, viewer, span):
    posted = api_as(reviewer).post(
        f"/api/v1/spans/{span.pk}/comments/", {"body": "  Which report?  "}
    )
    reply = api_as(other_reviewer).post(
        f"/api/v1/spans/{span.pk}/comments/",
        {"body": "The 2023 one.", "parent": posted.json()["id"]},
    )

    listed = api_as(viewer).get(f"/api/v1/spans/{span.pk}/comments/")

    assert posted.status_code == 201, posted.content
    assert posted.json()["body"] == "Which report?"
    assert posted.json()["author"] == {"id": reviewer.pk, "username": reviewer.username}
    assert reply.status_code == 201
    assert reply.json()["parent"] == posted.json()["id"]
    assert listed.status_code == 200
    assert [c["body"] for c in listed.json()["results"]] == ["Which report?", "The 2023 one."]
    comments = Comment.objects.filter(span=span).order_by("pk")
    assert [(c.author, c.parent_id) for c in comments] == [
        (reviewer, None),
        (other_reviewer, posted.json()["id"]),
    ]


def test_comments_post_by_viewer_is_403(api_as, viewer, span, assert_error):
    response = api_as(viewer).post(f"/api/v1/spans/{span.pk}/comments/", {"body": "Hm."})

    assert_error(response, 403, "permission_denied")
    assert not Comment.objects.exists()


def test_comments_blank_body_is_a_field_error(api_as, reviewer, span, assert_error):
    response = api_as(reviewer).post(f"/api/v1/spans/{span.pk}/comments/", {"body": "   "})

    assert_error(response, 400, "validation_error", "body")
    assert not Comment.objects.exists()


def test_comments_reply_to_another_spans_comment_is_refused(
    api_as, reviewer, project, article, span, assert_error
):
    other_span = SpanFactory(project=project, article=article, text="keep talking")
    foreign = Comment.objects.create(span=other_span, author=reviewer, body="Elsewhere.")

    response = api_as(reviewer).post(
        f"/api/v1/spans/{span.pk}/comments/", {"body": "Reply", "parent": foreign.pk}
    )

    assert_error(response, 404, "not_found")
    assert not Comment.objects.filter(span=span).exists()


def test_comments_of_others_project_are_404(api_as, outsider, span, assert_error):
    Comment.objects.create(span=span, author=span.created_by, body="Internal.")
    client = api_as(outsider)

    assert_error(client.get(f"/api/v1/spans/{span.pk}/comments/"), 404, "not_found")
    assert_error(
        client.post(f"/api/v1/spans/{span.pk}/comments/", {"body": "Hi"}), 404, "not_found"
    )
    assert Comment.objects.count() == 1


# --- adjudication ---------------------------------------------------------------------------------


def test_adjudication_get_is_404_when_none(api_as, editor, span, assert_error):
    assert_error(api_as(editor).get(f"/api/v1/spans/{span.pk}/adjudication/"), 404, "not_found")


def test_adjudication_put_by_editor(api_as, editor, reviewer, other_reviewer, span):
    first = VerdictFactory(span=span, reviewer=reviewer, label="True")
    second = VerdictFactory(span=span, reviewer=other_reviewer, label="False")
    client = api_as(editor)

    response = client.put(
        f"/api/v1/spans/{span.pk}/adjudication/",
        {"label": "Half True", "rationale": " Both had a point. "},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["label"] == "Half True"
    assert body["rationale"] == "Both had a point."
    assert body["editor"] == {"id": editor.pk, "username": editor.username}
    assert sorted(body["considered_verdicts"]) == sorted([first.pk, second.pk])
    adjudication = Adjudication.objects.get(span=span)
    assert adjudication.label == "Half True" and adjudication.editor == editor
    assert client.get(f"/api/v1/spans/{span.pk}/adjudication/").json()["label"] == "Half True"
    assert client.get(f"/api/v1/spans/{span.pk}/").json()["status"] == "adjudicated"


def test_adjudication_revised_by_a_second_put(api_as, editor, span):
    client = api_as(editor)
    client.put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "True"})

    response = client.put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "False"})

    assert response.status_code == 200
    assert Adjudication.objects.get(span=span).label == "False"
    assert Adjudication.objects.count() == 1


def test_adjudication_with_chosen_verdicts(api_as, editor, reviewer, other_reviewer, span):
    chosen = VerdictFactory(span=span, reviewer=reviewer, label="True")
    VerdictFactory(span=span, reviewer=other_reviewer, label="False")

    response = api_as(editor).put(
        f"/api/v1/spans/{span.pk}/adjudication/",
        {"label": "True", "considered_verdicts": [chosen.pk]},
    )

    assert response.json()["considered_verdicts"] == [chosen.pk]
    assert list(Adjudication.objects.get().considered_verdicts.all()) == [chosen]


def test_adjudication_label_off_the_scale_is_a_field_error(api_as, editor, span, assert_error):
    response = api_as(editor).put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "Maybe"})

    assert_error(response, 400, "validation_error", "label")
    assert not Adjudication.objects.exists()


def test_adjudication_considering_another_spans_verdict_is_a_field_error(
    api_as, editor, reviewer, project, article, span, assert_error
):
    other = VerdictFactory(
        span=SpanFactory(project=project, article=article, text="keep talking"),
        reviewer=reviewer,
    )

    response = api_as(editor).put(
        f"/api/v1/spans/{span.pk}/adjudication/",
        {"label": "True", "considered_verdicts": [other.pk]},
    )

    assert_error(response, 400, "validation_error", "considered_verdicts")
    assert not Adjudication.objects.exists()


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_adjudication_put_by_non_editor_is_403(api_as, request, span, role, assert_error):
    user = request.getfixturevalue(role)

    response = api_as(user).put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "True"})

    assert_error(response, 403, "permission_denied")
    assert not Adjudication.objects.exists()


def test_adjudication_by_outsider_is_404(api_as, outsider, span, assert_error):
    response = api_as(outsider).put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "True"})

    assert_error(response, 404, "not_found")
    assert not Adjudication.objects.exists()


def test_adjudication_hides_verdicts_blind_reviewer_has_not_seen(
    api_as, editor, reviewer, other_reviewer, span
):
    hidden = VerdictFactory(span=span, reviewer=other_reviewer, label="False")
    api_as(editor).put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "False"})

    as_reviewer = api_as(reviewer).get(f"/api/v1/spans/{span.pk}/adjudication/")

    assert as_reviewer.status_code == 200
    assert hidden.pk not in as_reviewer.json()["considered_verdicts"]


# --- queries --------------------------------------------------------------------------------------


def test_list_queries_do_not_grow_with_spans(api_as, editor, reviewer, project, count_queries):
    def add_spans(n):
        for article in ArticleFactory.create_batch(n):
            project.articles.add(article)
            span = SpanFactory(project=project, article=article)
            VerdictFactory(span=span, reviewer=reviewer)

    client = api_as(editor)
    client.get("/api/v1/spans/")
    add_spans(3)
    small, few = count_queries(client, "/api/v1/spans/")
    add_spans(27)

    large, many = count_queries(client, "/api/v1/spans/")

    assert (len(small.json()["results"]), len(large.json()["results"])) == (3, 30)
    assert many == few


def test_comments_queries_do_not_grow_with_comments(api_as, reviewer, span, count_queries):
    def add_comments(n):
        for author in UserFactory.create_batch(n):
            Comment.objects.create(span=span, author=author, body="A remark.")

    client = api_as(reviewer)
    url = f"/api/v1/spans/{span.pk}/comments/"
    client.get(url)
    add_comments(3)
    small, few = count_queries(client, url)
    add_comments(27)

    large, many = count_queries(client, url)

    assert (small.json()["count"], large.json()["count"]) == (3, 30)
    assert many == few


# PATCH: the boundaries under span_update's rule (the creator, before any submitted verdict)


def _own_span(project, emoji_article, reviewer) -> Span:
    return services.span_create(
        project=project, article=emoji_article, actor=reviewer, quote="talks went well"
    )


def test_patch_moves_own_claim_in_code_points(api_as, reviewer, project, emoji_article):
    span = _own_span(project, emoji_article, reviewer)
    start = EMOJI_BODY.index("👋")

    response = api_as(reviewer).patch(f"/api/v1/spans/{span.pk}/", {"start": start})

    assert response.status_code == 200, response.content
    assert response.json()["quote"] == EMOJI_BODY[start : span.end] == "👋 talks went well"
    assert (response.json()["start"], response.json()["end"]) == (15, 32)
    span.refresh_from_db()
    assert (span.start, span.quote) == (15, "👋 talks went well")


def test_patch_bounds_refused_for_others_and_after_a_submitted_verdict(
    api_as, reviewer, other_reviewer, editor, project, emoji_article, assert_error
):
    span = _own_span(project, emoji_article, reviewer)
    for user in (other_reviewer, editor):
        response = api_as(user).patch(f"/api/v1/spans/{span.pk}/", {"start": 0})
        assert_error(response, 403, "permission_denied")
    services.verdict_submit(
        span=span,
        reviewer=other_reviewer,
        expected_version=0,
        label=project.labels[0],
        sources=[services.SourceInput(url="https://example.org/")],
    )

    response = api_as(reviewer).patch(f"/api/v1/spans/{span.pk}/", {"start": 0})

    assert "submitted verdict" in assert_error(response, 403, "permission_denied")["detail"]
    span.refresh_from_db()
    assert span.quote == "talks went well"


def test_patch_by_an_outsider_is_404(
    api_as, reviewer, outsider, project, emoji_article, assert_error
):
    span = _own_span(project, emoji_article, reviewer)

    assert_error(
        api_as(outsider).patch(f"/api/v1/spans/{span.pk}/", {"start": 0}), 404, "not_found"
    )


def test_patch_bad_bounds_are_field_errors(api_as, reviewer, project, emoji_article, assert_error):
    span = _own_span(project, emoji_article, reviewer)
    client = api_as(reviewer)

    assert_error(
        client.patch(f"/api/v1/spans/{span.pk}/", {"end": 999}), 400, "validation_error", "end"
    )
    assert_error(
        client.patch(f"/api/v1/spans/{span.pk}/", {"start": -1}), 400, "validation_error", "start"
    )
    assert_error(
        client.patch(f"/api/v1/spans/{span.pk}/", {"start": 30, "end": 20}),
        400,
        "validation_error",
        "end",
    )
    span.refresh_from_db()
    assert span.quote == "talks went well"


def test_patch_claimant_is_for_editors(
    api_as, reviewer, editor, project, emoji_article, assert_error
):
    span = _own_span(project, emoji_article, reviewer)

    assert_error(
        api_as(reviewer).patch(f"/api/v1/spans/{span.pk}/", {"claimant": "x"}),
        403,
        "permission_denied",
    )
    response = api_as(editor).patch(f"/api/v1/spans/{span.pk}/", {"claimant": " The envoy "})

    assert response.status_code == 200
    assert response.json()["claimant"] == "The envoy"
