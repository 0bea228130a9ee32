"""/api/v1/verdicts/: create, update with versions (409 on stale), sources rules, withdraw,
sources add/update/delete, blind review on the list."""

import pytest

from annotate.models import Adjudication, Source, Verdict
from tests.factories import ProjectFactory, SourceFactory, SpanFactory, UserFactory, VerdictFactory

pytestmark = pytest.mark.django_db

SOURCE = {
    "url": "https://example.org/readout",
    "title": "Official readout",
    "excerpt": "Talks ended without agreement.",
    "stance": "refutes",
    "accessed_on": "2024-05-01",
}


def _submit(client, span, *, version=0, label="False", sources=(SOURCE,), **extra):
    return client.post(
        "/api/v1/verdicts/",
        {
            "span": span.pk,
            "status": "submitted",
            "version": version,
            "label": label,
            "sources": list(sources),
            **extra,
        },
    )


@pytest.fixture
def own_verdict(reviewer, span):
    """The reviewer's submitted "False" verdict (version 1) with one source."""
    verdict = VerdictFactory(span=span, reviewer=reviewer, label="False")
    SourceFactory(verdict=verdict, position=0)
    return verdict


# --- create ---------------------------------------------------------------------------------------


def test_create_submitted_with_version_0(api_as, reviewer, span):
    response = _submit(api_as(reviewer), span, rationale=" The readout says so. ", confidence=4)

    assert response.status_code == 200, response.content
    body = response.json()
    verdict = Verdict.objects.get(span=span, reviewer=reviewer)
    assert body["id"] == verdict.pk
    assert body["version"] == verdict.version == 1
    assert body["status"] == verdict.status == "submitted"
    assert body["label"] == verdict.label == "False"
    assert verdict.rationale == "The readout says so."
    assert verdict.confidence == 4
    assert verdict.submitted_at is not None and body["submitted_at"] is not None
    assert body["reviewer"] == {"id": reviewer.pk, "username": reviewer.username}
    assert [s["url"] for s in body["sources"]] == [SOURCE["url"]]
    source = Source.objects.get(verdict=verdict)
    assert (source.url, source.stance, str(source.accessed_on)) == (
        SOURCE["url"],
        "refutes",
        "2024-05-01",
    )


def test_create_draft_without_label(api_as, reviewer, span):
    response = api_as(reviewer).post(
        "/api/v1/verdicts/", {"span": span.pk, "status": "draft", "version": 0}
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft"
    verdict = Verdict.objects.get()
    assert (verdict.status, verdict.label, verdict.version) == ("draft", "", 1)
    assert verdict.submitted_at is None


def test_create_when_one_exists_is_409(api_as, reviewer, span, own_verdict, assert_error):
    response = _submit(api_as(reviewer), span, version=0, label="True")

    body = assert_error(response, 409, "conflict", "version")
    assert body["current_version"] == 1
    own_verdict.refresh_from_db()
    assert own_verdict.label == "False"


def test_create_with_a_version_but_no_verdict_is_409(api_as, reviewer, span, assert_error):
    body = assert_error(_submit(api_as(reviewer), span, version=3), 409, "conflict", "version")

    assert body["current_version"] == 0
    assert not Verdict.objects.exists()


def test_create_submitted_without_sources_is_a_field_error(api_as, reviewer, span, assert_error):
    response = _submit(api_as(reviewer), span, sources=[])

    assert_error(response, 400, "validation_error", "sources")
    assert not Verdict.objects.exists()


def test_create_submitted_without_sources_allowed_for_a_label_that_needs_none(api_as, reviewer):
    project = ProjectFactory(
        reviewers=[reviewer],
        scale_preset="fever",
        scale=[
            {"label": "SUPPORTS", "description": "", "needs_sources": True},
            {"label": "NOT ENOUGH INFO", "description": "", "needs_sources": False},
        ],
    )
    span = SpanFactory(project=project)

    response = _submit(api_as(reviewer), span, label="NOT ENOUGH INFO", sources=[])

    assert response.status_code == 200, response.content
    assert Verdict.objects.get().label == "NOT ENOUGH INFO"


def test_create_javascript_source_url_is_a_field_error(api_as, reviewer, span, assert_error):
    response = _submit(
        api_as(reviewer), span, sources=[{"url": "javascript:alert(document.cookie)"}]
    )

    assert_error(response, 400, "validation_error", "sources.0.url")
    assert not Verdict.objects.exists()
    assert not Source.objects.exists()


def test_create_second_source_invalid_is_reported_at_its_index(
    api_as, reviewer, span, assert_error
):
    response = _submit(
        api_as(reviewer), span, sources=[SOURCE, {"url": "https://ok.example", "stance": "meh"}]
    )

    assert_error(response, 400, "validation_error", "sources.1.stance")


def test_create_label_off_the_scale_is_a_field_error(api_as, reviewer, span, assert_error):
    response = _submit(api_as(reviewer), span, label="Pinocchios")

    assert_error(response, 400, "validation_error", "label")
    assert not Verdict.objects.exists()


def test_create_submitted_without_label_is_a_field_error(api_as, reviewer, span, assert_error):
    response = _submit(api_as(reviewer), span, label="")

    assert_error(response, 400, "validation_error", "label")


def test_create_invalid_shape_lists_each_field(api_as, reviewer, span, assert_error):
    response = api_as(reviewer).post(
        "/api/v1/verdicts/", {"span": span.pk, "status": "final", "version": -1, "confidence": 9}
    )

    assert_error(response, 400, "validation_error", "status", "version", "confidence")


def test_create_by_viewer_is_403(api_as, viewer, span, assert_error):
    assert_error(_submit(api_as(viewer), span), 403, "permission_denied")
    assert not Verdict.objects.exists()


def test_create_on_span_of_others_project_is_a_field_error(api_as, outsider, span, assert_error):
    assert_error(_submit(api_as(outsider), span), 400, "validation_error", "span")
    assert not Verdict.objects.exists()


def test_create_unauthenticated_is_401(anonymous, span, assert_error):
    assert_error(_submit(anonymous, span), 401, "not_authenticated")
    assert not Verdict.objects.exists()


def test_create_on_adjudicated_span_is_a_field_error(api_as, reviewer, editor, span, assert_error):
    Adjudication.objects.create(span=span, editor=editor, label="True")

    assert_error(_submit(api_as(reviewer), span), 400, "validation_error", "span")
    assert not Verdict.objects.exists()


# --- update ---------------------------------------------------------------------------------------


def test_update_with_the_current_version(api_as, reviewer, own_verdict):
    new_source = {"url": "http://example.org/transcript", "stance": "supports"}

    response = api_as(reviewer).put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "Mostly False", "sources": [new_source]},
    )

    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["label"] == "Mostly False"
    own_verdict.refresh_from_db()
    assert (own_verdict.version, own_verdict.label) == (2, "Mostly False")
    assert list(own_verdict.sources.values_list("url", flat=True)) == [new_source["url"]]


def test_update_without_sources_keeps_them(api_as, reviewer, own_verdict):
    response = api_as(reviewer).put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "True"},
    )

    assert response.status_code == 200, response.content
    assert own_verdict.sources.count() == 1


def test_update_with_a_stale_version_is_409(api_as, reviewer, own_verdict, assert_error):
    client = api_as(reviewer)
    client.put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "True"},
    )

    response = client.put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "Pants on Fire"},
    )

    body = assert_error(response, 409, "conflict", "version")
    assert body["current_version"] == 2
    own_verdict.refresh_from_db()
    assert (own_verdict.version, own_verdict.label) == (2, "True")


def test_update_submitted_back_to_draft_is_a_field_error(
    api_as, reviewer, own_verdict, assert_error
):
    response = api_as(reviewer).put(
        f"/api/v1/verdicts/{own_verdict.pk}/", {"status": "draft", "version": 1, "label": "True"}
    )

    assert_error(response, 400, "validation_error", "status")
    own_verdict.refresh_from_db()
    assert (own_verdict.status, own_verdict.version) == ("submitted", 1)


def test_update_another_reviewers_visible_verdict_is_403(
    api_as, reviewer, other_reviewer, span, own_verdict, assert_error
):
    theirs = VerdictFactory(span=span, reviewer=other_reviewer, label="True")

    response = api_as(reviewer).put(
        f"/api/v1/verdicts/{theirs.pk}/", {"status": "submitted", "version": 1, "label": "False"}
    )

    assert_error(response, 403, "permission_denied")
    theirs.refresh_from_db()
    assert (theirs.label, theirs.version) == ("True", 1)


def test_update_reviewers_verdict_by_editor_is_403(api_as, editor, own_verdict, assert_error):
    response = api_as(editor).put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "True"},
    )

    assert_error(response, 403, "permission_denied")
    own_verdict.refresh_from_db()
    assert own_verdict.label == "False"


def test_update_hidden_verdict_is_404(api_as, other_reviewer, own_verdict, assert_error):
    # other_reviewer has not submitted: under blind review the verdict does not exist for them.
    response = api_as(other_reviewer).put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "True"},
    )

    assert_error(response, 404, "not_found")


def test_update_by_outsider_is_404(api_as, outsider, own_verdict, assert_error):
    assert_error(api_as(outsider).get(f"/api/v1/verdicts/{own_verdict.pk}/"), 404, "not_found")
    assert_error(
        api_as(outsider).put(
            f"/api/v1/verdicts/{own_verdict.pk}/",
            {"status": "submitted", "version": 1, "label": "True"},
        ),
        404,
        "not_found",
    )


def test_update_after_demotion_to_viewer_is_403(
    api_as, editor, reviewer, project, own_verdict, assert_error
):
    api_as(editor).put(f"/api/v1/projects/{project.pk}/members/{reviewer.pk}/", {"role": "viewer"})

    response = api_as(reviewer).put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "True"},
    )

    assert_error(response, 403, "permission_denied")


def test_partial_update_is_not_allowed(api_as, reviewer, own_verdict, assert_error):
    response = api_as(reviewer).patch(f"/api/v1/verdicts/{own_verdict.pk}/", {"label": "True"})

    assert_error(response, 405, "method_not_allowed")


# --- withdraw -------------------------------------------------------------------------------------


def test_withdraw_returns_to_draft(api_as, reviewer, own_verdict):
    response = api_as(reviewer).post(f"/api/v1/verdicts/{own_verdict.pk}/withdraw/", {"version": 1})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("draft", 2)
    own_verdict.refresh_from_db()
    assert (own_verdict.status, own_verdict.version, own_verdict.submitted_at) == (
        "draft",
        2,
        None,
    )


def test_withdraw_with_a_stale_version_is_409(api_as, reviewer, own_verdict, assert_error):
    response = api_as(reviewer).post(f"/api/v1/verdicts/{own_verdict.pk}/withdraw/", {"version": 0})

    assert assert_error(response, 409, "conflict")["current_version"] == 1
    own_verdict.refresh_from_db()
    assert own_verdict.status == "submitted"


def test_withdraw_a_draft_is_a_field_error(api_as, reviewer, span, assert_error):
    draft = VerdictFactory(span=span, reviewer=reviewer, draft=True)

    response = api_as(reviewer).post(f"/api/v1/verdicts/{draft.pk}/withdraw/", {"version": 1})

    assert_error(response, 400, "validation_error", "status")


def test_withdraw_without_version_is_a_field_error(api_as, reviewer, own_verdict, assert_error):
    response = api_as(reviewer).post(f"/api/v1/verdicts/{own_verdict.pk}/withdraw/", {})

    assert_error(response, 400, "validation_error", "version")


def test_withdraw_another_reviewers_verdict_is_403(api_as, editor, own_verdict, assert_error):
    response = api_as(editor).post(f"/api/v1/verdicts/{own_verdict.pk}/withdraw/", {"version": 1})

    assert_error(response, 403, "permission_denied")
    own_verdict.refresh_from_db()
    assert own_verdict.status == "submitted"


def test_withdraw_on_adjudicated_span_is_a_field_error(
    api_as, editor, reviewer, span, own_verdict, assert_error
):
    api_as(editor).put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "False"})

    response = api_as(reviewer).post(f"/api/v1/verdicts/{own_verdict.pk}/withdraw/", {"version": 1})

    assert_error(response, 400, "validation_error", "span")
    own_verdict.refresh_from_db()
    assert (own_verdict.status, own_verdict.version) == ("submitted", 1)


# --- sources --------------------------------------------------------------------------------------


def test_sources_add_bumps_the_version(api_as, reviewer, own_verdict):
    response = api_as(reviewer).post(
        f"/api/v1/verdicts/{own_verdict.pk}/sources/",
        {"url": "https://example.org/minutes", "title": "Minutes", "stance": "supports"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["url"] == "https://example.org/minutes"
    assert response.json()["position"] == 1
    own_verdict.refresh_from_db()
    assert own_verdict.version == 2
    assert own_verdict.sources.count() == 2


def test_sources_add_then_stale_update_is_409(api_as, reviewer, own_verdict, assert_error):
    client = api_as(reviewer)
    client.post(f"/api/v1/verdicts/{own_verdict.pk}/sources/", {"url": "https://example.org/m"})

    response = client.put(
        f"/api/v1/verdicts/{own_verdict.pk}/",
        {"status": "submitted", "version": 1, "label": "True"},
    )

    assert assert_error(response, 409, "conflict")["current_version"] == 2


def test_sources_add_javascript_url_is_a_field_error(api_as, reviewer, own_verdict, assert_error):
    response = api_as(reviewer).post(
        f"/api/v1/verdicts/{own_verdict.pk}/sources/", {"url": "javascript:alert(1)"}
    )

    assert response.status_code == 400
    body = assert_error(response, 400, "validation_error")
    assert any(key.endswith("url") for key in body["errors"]), body
    own_verdict.refresh_from_db()
    assert (own_verdict.version, own_verdict.sources.count()) == (1, 1)


def test_sources_add_invalid_url_is_reported_on_the_url_field(
    api_as, reviewer, own_verdict, assert_error
):
    response = api_as(reviewer).post(
        f"/api/v1/verdicts/{own_verdict.pk}/sources/", {"url": "javascript:alert(1)"}
    )

    body = assert_error(response, 400, "validation_error", "url")
    assert body["errors"] == {"url": ["Enter a valid URL."]}


def test_sources_update_bumps_the_version(api_as, reviewer, own_verdict):
    source = own_verdict.sources.get()

    response = api_as(reviewer).put(
        f"/api/v1/verdicts/{own_verdict.pk}/sources/{source.pk}/",
        {"url": "https://example.org/corrected", "stance": "context"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["url"] == "https://example.org/corrected"
    source.refresh_from_db()
    own_verdict.refresh_from_db()
    assert (source.url, source.stance) == ("https://example.org/corrected", "context")
    assert own_verdict.version == 2


def test_sources_delete_bumps_the_version(api_as, reviewer, own_verdict):
    extra = SourceFactory(verdict=own_verdict, position=1)

    response = api_as(reviewer).delete(f"/api/v1/verdicts/{own_verdict.pk}/sources/{extra.pk}/")

    assert response.status_code == 204
    own_verdict.refresh_from_db()
    assert own_verdict.version == 2
    assert not Source.objects.filter(pk=extra.pk).exists()


def test_sources_delete_the_last_needed_source_is_a_field_error(
    api_as, reviewer, own_verdict, assert_error
):
    source = own_verdict.sources.get()

    response = api_as(reviewer).delete(f"/api/v1/verdicts/{own_verdict.pk}/sources/{source.pk}/")

    assert_error(response, 400, "validation_error", "sources")
    own_verdict.refresh_from_db()
    assert (own_verdict.version, own_verdict.sources.count()) == (1, 1)


def test_sources_of_another_reviewers_verdict_are_403(api_as, editor, own_verdict, assert_error):
    source = own_verdict.sources.get()
    client = api_as(editor)

    added = client.post(f"/api/v1/verdicts/{own_verdict.pk}/sources/", {"url": "https://x.org"})
    changed = client.put(
        f"/api/v1/verdicts/{own_verdict.pk}/sources/{source.pk}/", {"url": "https://x.org"}
    )
    removed = client.delete(f"/api/v1/verdicts/{own_verdict.pk}/sources/{source.pk}/")

    for response in (added, changed, removed):
        assert_error(response, 403, "permission_denied")
    own_verdict.refresh_from_db()
    assert (own_verdict.version, own_verdict.sources.count()) == (1, 1)


def test_sources_of_another_verdict_are_404(
    api_as, reviewer, other_reviewer, span, own_verdict, assert_error
):
    theirs = SourceFactory(verdict=VerdictFactory(span=span, reviewer=other_reviewer))

    response = api_as(reviewer).put(
        f"/api/v1/verdicts/{own_verdict.pk}/sources/{theirs.pk}/", {"url": "https://x.org"}
    )

    assert_error(response, 404, "not_found")


def test_sources_add_on_adjudicated_span_is_a_field_error(
    api_as, editor, reviewer, span, own_verdict, assert_error
):
    api_as(editor).put(f"/api/v1/spans/{span.pk}/adjudication/", {"label": "False"})

    response = api_as(reviewer).post(
        f"/api/v1/verdicts/{own_verdict.pk}/sources/", {"url": "https://example.org/late"}
    )

    assert_error(response, 400, "validation_error", "span")
    own_verdict.refresh_from_db()
    assert (own_verdict.version, own_verdict.sources.count()) == (1, 1)


# --- list and blind review ------------------------------------------------------------------------


def _reviewers(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["reviewer"]["id"] for row in response.json()["results"])


def test_list_blind_reviewer_sees_only_own_until_submitting(api_as, reviewer, other_reviewer, span):
    SourceFactory(verdict=VerdictFactory(span=span, reviewer=other_reviewer, label="True"))
    client = api_as(reviewer)
    draft = client.post(
        "/api/v1/verdicts/", {"span": span.pk, "status": "draft", "version": 0, "label": "False"}
    )

    before = client.get(f"/api/v1/verdicts/?span={span.pk}")
    by_reviewer = client.get(f"/api/v1/verdicts/?reviewer={other_reviewer.pk}")
    client.put(
        f"/api/v1/verdicts/{draft.json()['id']}/",
        {"status": "submitted", "version": 1, "label": "False", "sources": [SOURCE]},
    )
    after = client.get(f"/api/v1/verdicts/?span={span.pk}")

    assert _reviewers(before) == [reviewer.pk]
    assert _reviewers(by_reviewer) == []
    assert _reviewers(after) == sorted([reviewer.pk, other_reviewer.pk])
    assert {row["label"] for row in after.json()["results"]} == {"True", "False"}


def test_list_blind_rule_is_per_span(api_as, reviewer, other_reviewer, project, article, span):
    other_span = SpanFactory(project=project, article=article, text="keep talking")
    VerdictFactory(span=span, reviewer=reviewer)
    VerdictFactory(span=span, reviewer=other_reviewer)
    hidden = VerdictFactory(span=other_span, reviewer=other_reviewer)

    response = api_as(reviewer).get("/api/v1/verdicts/")

    ids = {row["id"] for row in response.json()["results"]}
    assert hidden.pk not in ids
    assert len(ids) == 2


def test_list_others_drafts_are_never_shown(api_as, editor, viewer, reviewer, other_reviewer, span):
    VerdictFactory(span=span, reviewer=reviewer)
    VerdictFactory(span=span, reviewer=other_reviewer, draft=True)

    for user in (editor, viewer, reviewer):
        assert _reviewers(api_as(user).get(f"/api/v1/verdicts/?span={span.pk}")) == [reviewer.pk]


def test_list_open_review_project_shows_submitted_verdicts(api_as, reviewer, other_reviewer):
    project = ProjectFactory(reviewers=[reviewer, other_reviewer], blind_review=False)
    span = SpanFactory(project=project)
    VerdictFactory(span=span, reviewer=other_reviewer)

    assert _reviewers(api_as(reviewer).get(f"/api/v1/verdicts/?span={span.pk}")) == [
        other_reviewer.pk
    ]


def test_list_retrieve_hidden_verdict_is_404(api_as, reviewer, other_reviewer, span, assert_error):
    theirs = VerdictFactory(span=span, reviewer=other_reviewer)

    assert_error(api_as(reviewer).get(f"/api/v1/verdicts/{theirs.pk}/"), 404, "not_found")


def test_list_outsider_sees_nothing(api_as, outsider, own_verdict):
    response = api_as(outsider).get("/api/v1/verdicts/")

    assert response.json()["results"] == []


def test_list_filters_by_status_and_label(api_as, editor, reviewer, other_reviewer, span):
    VerdictFactory(span=span, reviewer=reviewer, label="True")
    VerdictFactory(span=span, reviewer=other_reviewer, label="False")
    client = api_as(editor)

    assert _reviewers(client.get("/api/v1/verdicts/?label=False")) == [other_reviewer.pk]
    assert _reviewers(client.get("/api/v1/verdicts/?status=draft")) == []


def test_list_unknown_status_is_a_field_error(api_as, editor, project, assert_error):
    assert_error(
        api_as(editor).get("/api/v1/verdicts/?status=final"), 400, "validation_error", "status"
    )


def test_list_unauthenticated_is_401(anonymous, own_verdict, assert_error):
    assert_error(anonymous.get("/api/v1/verdicts/"), 401, "not_authenticated")


def test_list_queries_do_not_grow_with_verdicts(api_as, editor, project, count_queries):
    def add_verdicts(n):
        for reviewer in UserFactory.create_batch(n):
            span = SpanFactory(project=project)
            verdict = VerdictFactory(span=span, reviewer=reviewer)
            SourceFactory.create_batch(2, verdict=verdict)

    client = api_as(editor)
    client.get("/api/v1/verdicts/")
    add_verdicts(3)
    small, few = count_queries(client, "/api/v1/verdicts/")
    add_verdicts(27)

    large, many = count_queries(client, "/api/v1/verdicts/")

    assert (len(small.json()["results"]), len(large.json()["results"])) == (3, 30)
    assert many == few
