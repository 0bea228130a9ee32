"""/api/v1/claims/: list (filters, ordering, flat queries), found, detail with appearances and
verdict, edit, delete, link/unlink spans, verdict, merge, reject, match; /spans/{id}/claim-
suggestions/. Each refuses the wrong caller: 404 for what they may not know exists, 403 for
what they may see but not do."""

import pytest

from annotate.claims import services
from annotate.claims.models import Appearance, Claim, MatchDecision
from annotate.models import Adjudication
from tests.factories import (
    AppearanceFactory,
    ArticleFactory,
    ClaimFactory,
    ProjectFactory,
    SpanFactory,
)

pytestmark = pytest.mark.django_db

TROOPS = "Moscow has amassed roughly 100,000 troops at the border over the past two months."


@pytest.fixture
def troops_span(project, editor):
    article = ArticleFactory(body=f"Officials spoke. {TROOPS} Nothing else.", language="en")
    project.articles.add(article)
    return SpanFactory(project=project, article=article, created_by=editor, text=TROOPS)


@pytest.fixture
def claim(project, troops_span, editor):
    return services.claim_create(actor=editor, span=troops_span)


# --- found, read --------------------------------------------------------------------------------


def test_create_founds_a_claim_on_a_span(api_as, reviewer, span):
    response = api_as(reviewer).post("/api/v1/claims/", {"span": span.pk, "claimant": "Kremlin"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == span.quote and body["claimant"] == "Kremlin"
    assert body["language"] == "en" and body["appearance_count"] == 1
    assert body["first_appearance"]["span"] == span.pk
    assert body["appearances"][0]["link_method"] == "created"
    assert body["verdict"] is None
    assert Claim.objects.get().created_by == reviewer


def test_create_refuses_by_field(api_as, reviewer, viewer, outsider, span, assert_error):
    assert_error(
        api_as(outsider).post("/api/v1/claims/", {"span": span.pk}), 400, "validation_error", "span"
    )
    assert_error(api_as(reviewer).post("/api/v1/claims/", {}), 400, "validation_error", "span")
    response = api_as(viewer).post("/api/v1/claims/", {"span": span.pk})
    assert response.status_code == 403
    api_as(reviewer).post("/api/v1/claims/", {"span": span.pk})
    assert_error(
        api_as(reviewer).post("/api/v1/claims/", {"span": span.pk}), 400, "validation_error", "span"
    )
    assert Claim.objects.count() == 1


def test_detail_has_appearances_and_verdict(api_as, viewer, editor, claim, span, project):
    services.appearance_link(actor=editor, span=span, claim=claim)
    services.claim_verdict_set(actor=editor, claim=claim, label=project.labels[0], rationale="R")
    body = api_as(viewer).get(f"/api/v1/claims/{claim.pk}/").json()
    assert body["appearance_count"] == 2
    assert {a["span"] for a in body["appearances"]} == {span.pk, claim.appearances.first().span_id}
    assert body["verdict"]["label"] == project.labels[0]
    assert body["verdict"]["origin"] == "editor" and body["verdict"]["set_by"]["id"] == editor.pk
    # The first appearance: the article published first.
    first = min(claim.appearances.all(), key=lambda a: a.span.article.published_on)
    assert body["first_appearance"]["span"] == first.span_id


def test_detail_is_404_outside_the_project(api_as, outsider, claim):
    assert api_as(outsider).get(f"/api/v1/claims/{claim.pk}/").status_code == 404
    assert api_as(outsider).get("/api/v1/claims/").json()["results"] == []


def test_list_filters_and_orders_by_appearances(api_as, viewer, editor, project, claim, span):
    lonely = ClaimFactory(project=project, text="Talks went well.")
    services.appearance_link(actor=editor, span=span, claim=claim)
    ClaimFactory(text="Another project's claim.")
    client = api_as(viewer)
    ids = [r["id"] for r in client.get("/api/v1/claims/?ordering=-appearances").json()["results"]]
    assert ids == [claim.pk, lonely.pk]
    ids = [r["id"] for r in client.get("/api/v1/claims/?ordering=appearances").json()["results"]]
    assert ids == [lonely.pk, claim.pk]
    found = client.get("/api/v1/claims/?q=TALKS").json()["results"]
    assert [r["id"] for r in found] == [lonely.pk]
    assert client.get(f"/api/v1/claims/?project={project.pk}").json()["count"] == 2
    assert client.get("/api/v1/claims/?ordering=nonsense").status_code == 400


@pytest.mark.parametrize("n", [2, 30])
def test_list_queries_stay_flat(api_as, viewer, project, editor, n, django_assert_max_num_queries):
    for i in range(n):
        appearance = AppearanceFactory(
            span=SpanFactory(project=project, created_by=editor), claim__project=project
        )
        if i % 2:
            services.claim_verdict_set(
                actor=editor, claim=appearance.claim, label=project.labels[0]
            )
    client = api_as(viewer)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/claims/?ordering=-appearances")
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [1, 20])
def test_detail_queries_stay_flat(
    api_as, viewer, project, editor, n, django_assert_max_num_queries
):
    claim = ClaimFactory(project=project)
    for _ in range(n):
        AppearanceFactory(span=SpanFactory(project=project, created_by=editor), claim=claim)
    client = api_as(viewer)
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/v1/claims/{claim.pk}/")
    assert len(response.json()["appearances"]) == n


# --- edit, delete, verdict, merge ---------------------------------------------------------------


def test_patch_is_for_editors(api_as, editor, reviewer, viewer, outsider, claim, assert_error):
    assert api_as(outsider).patch(f"/api/v1/claims/{claim.pk}/", {"text": "x"}).status_code == 404
    for who in (reviewer, viewer):
        assert api_as(who).patch(f"/api/v1/claims/{claim.pk}/", {"text": "x"}).status_code == 403
    response = api_as(editor).patch(f"/api/v1/claims/{claim.pk}/", {"text": "Troops massed."})
    assert response.status_code == 200 and response.json()["text"] == "Troops massed."
    assert_error(
        api_as(editor).patch(f"/api/v1/claims/{claim.pk}/", {"text": "x" * 5001}),
        400,
        "validation_error",
        "text",
    )


def test_delete_is_for_editors(api_as, editor, reviewer, outsider, claim):
    assert api_as(outsider).delete(f"/api/v1/claims/{claim.pk}/").status_code == 404
    assert api_as(reviewer).delete(f"/api/v1/claims/{claim.pk}/").status_code == 403
    assert api_as(editor).delete(f"/api/v1/claims/{claim.pk}/").status_code == 204
    assert not Claim.objects.exists()


def test_verdict_takes_a_label_of_the_scale(api_as, editor, reviewer, claim, project, assert_error):
    url = f"/api/v1/claims/{claim.pk}/verdict/"
    assert api_as(reviewer).put(url, {"label": project.labels[0]}).status_code == 403
    assert_error(api_as(editor).put(url, {"label": "Nonsense"}), 400, "validation_error", "label")
    response = api_as(editor).put(url, {"label": project.labels[2], "rationale": "Checked."})
    assert response.status_code == 200, response.content
    assert response.json()["verdict"]["label"] == project.labels[2]


def test_verdict_from_an_adjudication(api_as, editor, claim, troops_span, project, assert_error):
    url = f"/api/v1/claims/{claim.pk}/verdict/"
    label = project.labels[1]
    assert_error(
        api_as(editor).put(url, {"label": label, "adjudication_span": troops_span.pk}),
        400,
        "validation_error",
        "adjudication_span",
    )
    Adjudication.objects.create(span=troops_span, editor=editor, label=label)
    response = api_as(editor).put(url, {"label": label, "adjudication_span": troops_span.pk})
    assert response.json()["verdict"]["origin"] == "adjudication"
    assert response.json()["verdict"]["adjudication_span"] == troops_span.pk


def test_merge_is_for_editors(api_as, editor, reviewer, claim, span, project, assert_error):
    other = services.claim_create(actor=editor, span=span)
    url = f"/api/v1/claims/{claim.pk}/merge/"
    assert api_as(reviewer).post(url, {"merge": other.pk}).status_code == 403
    assert_error(
        api_as(editor).post(url, {"merge": ClaimFactory().pk}), 400, "validation_error", "merge"
    )
    response = api_as(editor).post(url, {"merge": other.pk})
    assert response.status_code == 200, response.content
    assert response.json()["appearance_count"] == 2
    assert not Claim.objects.filter(pk=other.pk).exists()


# --- appearances, reject ------------------------------------------------------------------------


def test_link_and_unlink_a_span(api_as, reviewer, claim, span):
    client = api_as(reviewer)
    response = client.post(f"/api/v1/claims/{claim.pk}/appearances/", {"span": span.pk})
    assert response.status_code == 201, response.content
    assert response.json()["appearance_count"] == 2
    assert MatchDecision.objects.get(span=span).decision == "confirmed"
    response = client.delete(f"/api/v1/claims/{claim.pk}/appearances/{span.pk}/")
    assert response.status_code == 204
    assert not Appearance.objects.filter(span=span).exists()


def test_link_refuses_the_wrong_caller_and_span(
    api_as, viewer, outsider, reviewer, editor, claim, span, troops_span, assert_error
):
    url = f"/api/v1/claims/{claim.pk}/appearances/"
    assert api_as(outsider).post(url, {"span": span.pk}).status_code == 404
    assert api_as(viewer).post(url, {"span": span.pk}).status_code == 403
    foreign = SpanFactory(project=ProjectFactory(reviewers=[reviewer]))
    assert_error(api_as(reviewer).post(url, {"span": foreign.pk}), 400, "validation_error", "span")
    # already linked (the founding span)
    assert_error(
        api_as(reviewer).post(url, {"span": troops_span.pk}), 400, "validation_error", "span"
    )
    assert_error(
        api_as(reviewer).post(url, {"span": span.pk, "score": 2}), 400, "validation_error", "score"
    )
    assert api_as(reviewer).post(url, {"span": span.pk, "method": "imported"}).status_code == 403
    assert api_as(editor).post(url, {"span": span.pk, "method": "imported"}).status_code == 201


def test_unlink_refuses_the_wrong_caller(api_as, editor, reviewer, outsider, claim, span):
    services.appearance_link(actor=editor, span=span, claim=claim)
    url = f"/api/v1/claims/{claim.pk}/appearances/{span.pk}/"
    assert api_as(outsider).delete(url).status_code == 404
    assert api_as(reviewer).delete(url).status_code == 403  # linked by the editor
    assert api_as(editor).delete(url).status_code == 204


def test_reject_records_a_decision(api_as, reviewer, viewer, claim, span):
    url = f"/api/v1/claims/{claim.pk}/reject/"
    assert api_as(viewer).post(url, {"span": span.pk}).status_code == 403
    response = api_as(reviewer).post(url, {"span": span.pk, "scores": {"score": 0.55}})
    assert response.status_code == 201, response.content
    assert response.json()["decision"] == "rejected"
    assert MatchDecision.objects.get().scores == {"score": 0.55}


# --- match, suggestions -------------------------------------------------------------------------


def test_match_answers_has_this_been_checked(api_as, viewer, editor, claim, project):
    services.claim_verdict_set(actor=editor, claim=claim, label=project.labels[-1])
    response = api_as(viewer).post(
        "/api/v1/claims/match/",
        {"project": project.pk, "text": TROOPS.replace("roughly", "about"), "language": "en"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["suggest_threshold"] == 0.5
    best = body["candidates"][0]
    assert best["claim"]["id"] == claim.pk and best["suggested"]
    assert best["claim"]["verdict"]["label"] == project.labels[-1]
    assert best["why"]["shared_numbers"] == ["100000"]
    assert 0.5 < best["score"] <= 1 and best["stages"]["score"] == best["score"]
    assert not MatchDecision.objects.exists()  # no span: nothing recorded


def test_match_with_a_span_records_shown(api_as, reviewer, claim, project, span):
    response = api_as(reviewer).post(
        "/api/v1/claims/match/", {"project": project.pk, "span": span.pk, "text": TROOPS}
    )
    assert response.status_code == 200
    assert MatchDecision.objects.get().decision == "shown"


def test_match_refuses_by_field(api_as, outsider, reviewer, project, span, assert_error):
    assert_error(
        api_as(outsider).post("/api/v1/claims/match/", {"project": project.pk, "text": TROOPS}),
        400,
        "validation_error",
        "project",
    )
    assert_error(
        api_as(reviewer).post("/api/v1/claims/match/", {"project": project.pk}),
        400,
        "validation_error",
        "text",
    )
    foreign = SpanFactory(project=ProjectFactory(reviewers=[reviewer]))
    assert_error(
        api_as(reviewer).post("/api/v1/claims/match/", {"project": project.pk, "span": foreign.pk}),
        400,
        "validation_error",
        "span",
    )


def test_span_claim_suggestions(api_as, reviewer, outsider, claim, project, editor):
    article = ArticleFactory(body=f"{TROOPS} Said again.", language="en")
    project.articles.add(article)
    span = SpanFactory(project=project, article=article, created_by=editor, text=TROOPS)
    assert api_as(outsider).post(f"/api/v1/spans/{span.pk}/claim-suggestions/").status_code == 404
    response = api_as(reviewer).post(f"/api/v1/spans/{span.pk}/claim-suggestions/", {"limit": 3})
    assert response.status_code == 200, response.content
    assert [c["claim"]["id"] for c in response.json()["candidates"]] == [claim.pk]
    decision = MatchDecision.objects.get()
    assert (decision.span, decision.claim, decision.decision) == (span, claim, "shown")
    assert decision.decided_by == reviewer


def test_blind_reviewers_see_a_verdict_after_judging_an_appearance(
    api_as, reviewer, editor, claim, troops_span, project
):
    from tests.factories import VerdictFactory

    services.claim_verdict_set(actor=editor, claim=claim, label=project.labels[0])
    client = api_as(reviewer)
    assert client.get(f"/api/v1/claims/{claim.pk}/").json()["verdict"] is None
    match = client.post("/api/v1/claims/match/", {"project": project.pk, "text": TROOPS})
    assert match.json()["candidates"][0]["claim"]["verdict"] is None
    VerdictFactory(span=troops_span, reviewer=reviewer)
    assert (
        client.get(f"/api/v1/claims/{claim.pk}/").json()["verdict"]["label"] == (project.labels[0])
    )
    assert api_as(editor).get("/api/v1/claims/").json()["results"][0]["verdict"] is not None


def test_a_grouped_number_is_a_search_term_on_both_databases(api_as, viewer, project):
    lonely = ClaimFactory(project=project, text="Exactly 125,000 were counted.")
    response = api_as(viewer).post(
        "/api/v1/claims/match/", {"project": project.pk, "text": "125,000", "language": "en"}
    )
    assert [c["claim"]["id"] for c in response.json()["candidates"]] == [lonely.pk]
