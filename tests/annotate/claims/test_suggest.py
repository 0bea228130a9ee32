"""Suggestions for every new span: the claims above the suggest threshold, and an automatic link
above the auto-link threshold for spans of more than 8 words, from every door that creates one."""

import pytest

from annotate.claims import services
from annotate.claims.models import Appearance, MatchDecision
from annotate.claims.services import span_claims_suggest
from annotate.review import services as review_services
from annotate.review.services import PredictionInput
from tests.factories import ArticleFactory, ClaimFactory

pytestmark = pytest.mark.django_db

LONG = "Moscow has amassed roughly 100,000 troops at the border over the past two months."
SHORT = "Putin requested the call."
BODY = f"Officials spoke. {LONG} Then {SHORT} Nothing else was said."


@pytest.fixture
def troops_article(project):
    article = ArticleFactory(body=BODY, language="en")
    project.articles.add(article)
    return article


def test_a_new_span_is_linked_to_its_claim(
    project, troops_article, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory(project=project, text=LONG)
    with django_capture_on_commit_callbacks(execute=True):
        span = review_services.span_create(
            project=project, article=troops_article, actor=reviewer, quote=LONG
        )
    appearance = Appearance.objects.get(span=span)
    assert appearance.claim == claim
    assert appearance.link_method == Appearance.LinkMethod.AUTO
    assert appearance.linked_by is None and appearance.score == 1.0
    decision = MatchDecision.objects.get(span=span)
    assert decision.decision == MatchDecision.Decision.AUTO_LINKED
    assert decision.scores["score"] == 1.0 and decision.decided_by is None
    assert Appearance.history.get(span_id=span.pk).history_change_reason == "linked automatically"


def test_a_span_of_8_words_or_fewer_is_only_suggested(project, troops_article, reviewer):
    ClaimFactory(project=project, text=SHORT)
    span = review_services.span_create(
        project=project, article=troops_article, actor=reviewer, quote=SHORT
    )
    suggested = span_claims_suggest(span=span)
    assert [candidate.score for candidate in suggested] == [1.0]
    assert not Appearance.objects.filter(span=span).exists()
    assert not MatchDecision.objects.exists()  # nobody was shown anything


def test_the_project_thresholds_decide(project, troops_article, reviewer):
    ClaimFactory(project=project, text=LONG + " So they say.")
    project.match_suggest_threshold = project.match_autolink_threshold = 1.0
    project.save()
    span = review_services.span_create(
        project=project, article=troops_article, actor=reviewer, quote=LONG
    )
    assert span_claims_suggest(span=span) == []
    assert not Appearance.objects.filter(span=span).exists()


def test_an_accepted_prediction_is_suggested_too(
    project, troops_article, editor, reviewer, django_capture_on_commit_callbacks
):
    claim = ClaimFactory(project=project, text=LONG)
    (prediction,) = review_services.predictions_bulk_create(
        project=project,
        actor=editor,
        predictions=[PredictionInput(article_id=troops_article.pk, model_name="m", quote=LONG)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        span = review_services.prediction_accept(prediction=prediction, actor=reviewer)
    assert span.appearance.claim == claim


def test_a_failing_suggestion_never_fails_the_span(
    project, troops_article, reviewer, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("matching is down")

    monkeypatch.setattr("annotate.claims.services.span_claims_suggest", broken)
    with django_capture_on_commit_callbacks(execute=True):
        span = review_services.span_create(
            project=project, article=troops_article, actor=reviewer, quote=LONG
        )
    assert span.pk is not None


def test_a_linked_span_gets_no_suggestion(project, troops_article, reviewer):
    ClaimFactory(project=project, text=LONG)
    span = review_services.span_create(
        project=project, article=troops_article, actor=reviewer, quote=LONG
    )
    services.claim_create(actor=reviewer, span=span)
    assert span_claims_suggest(span=span) == []
