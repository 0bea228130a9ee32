"""Machine predictions in the reader: shown to writers, accepted or rejected by HTML forms."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from annotate.models import Prediction, Span
from tests.factories import PredictionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(body="Leaders met. Officials said talks went well. Others disagree."),
]


@pytest.fixture
def prediction(project, article, editor):
    return PredictionFactory(
        project=project,
        article=article,
        text="talks went well",
        model_name="claimbuster-v2",
        score=0.91,
        label="Mostly True",
        created_by=editor,
    )


def _client(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def _reader(project, article) -> str:
    return reverse("annotate:reader", args=[project.pk, article.pk])


def _accept(prediction) -> str:
    return reverse("annotate:prediction-accept", args=[prediction.pk])


def _reject(prediction) -> str:
    return reverse("annotate:prediction-reject", args=[prediction.pk])


def test_reader_shows_open_predictions_to_a_reviewer(reviewer, project, article, prediction):
    page = _client(reviewer).get(_reader(project, article)).content.decode()

    tag = re.search(r'<span class="pred-tag" id="prediction-(\d+)"[^>]*>', page).group(0)
    assert f'data-prediction="{prediction.pk}"' in tag
    assert 'data-tag="claimbuster-v2 · 0.91"' in tag
    assert 'tabindex="0"' in tag
    assert "Prediction by claimbuster-v2, score 0.91, suggests Mostly True" in tag
    assert f'data-predictions="{prediction.pk}">talks went well</span>' in page
    assert f'id="prediction-accept-{prediction.pk}"' in page
    assert f'id="prediction-reject-{prediction.pk}"' in page


def test_reader_shows_no_predictions_to_a_viewer(viewer, project, article, prediction):
    page = _client(viewer).get(_reader(project, article)).content.decode()

    assert "pred-tag" not in page
    assert "claimbuster-v2" not in page
    assert "prediction-accept" not in page


def test_reader_hides_decided_predictions(reviewer, project, article, prediction, editor):
    rejected = PredictionFactory(project=project, article=article, text="Others disagree")
    _client(editor).post(_reject(rejected))
    _client(editor).post(_accept(prediction))

    page = _client(reviewer).get(_reader(project, article)).content.decode()

    assert "pred-tag" not in page
    assert "prediction-list" not in page


def test_accept_creates_the_claim_and_opens_it_with_the_label_suggested(
    reviewer, project, article, prediction
):
    client = _client(reviewer)

    response = client.post(_accept(prediction))

    span = Span.objects.get()
    assert (span.quote, span.created_by) == ("talks went well", reviewer)
    assert response.status_code == 302
    assert response.url == (
        f"{_reader(project, article)}?span={span.pk}&prediction={prediction.pk}#panel"
    )
    page = client.get(response.url).content.decode()
    assert "Claim highlighted from claimbuster-v2&#x27;s prediction." in page
    messages = page[page.index('id="reader-messages"') : page.index('id="reader-messages-close"')]
    assert "Claim highlighted" in messages
    assert re.search(r'value="Mostly True"[^>]*checked', page)
    assert "Pre-filled from claimbuster-v2" in page


def test_accepted_label_is_not_pre_filled_for_other_reviewers(
    reviewer, other_reviewer, project, article, prediction
):
    _client(reviewer).post(_accept(prediction))
    span = Span.objects.get()

    page = (
        _client(other_reviewer).get(f"{_reader(project, article)}?span={span.pk}").content.decode()
    )

    assert not re.search(r'value="Mostly True"[^>]*checked', page)
    assert "Pre-filled" not in page


def test_reject_records_it_and_returns_to_the_reader(reviewer, project, article, prediction):
    later = PredictionFactory(project=project, article=article, text="Others disagree")
    client = _client(reviewer)

    response = client.post(_reject(prediction), {"span": "", "queue": "1"})

    assert response.status_code == 302
    assert response.url == f"{_reader(project, article)}?queue=1#prediction-{later.pk}"
    prediction.refresh_from_db()
    assert prediction.rejected_by == reviewer
    page = client.get(response.url).content.decode()
    assert "claimbuster-v2&#x27;s prediction was rejected." in page
    assert f'id="prediction-{prediction.pk}"' not in page
    assert f'id="prediction-{later.pk}"' in page


def test_reject_keeps_the_open_claim(reviewer, project, article, prediction, span):
    response = _client(reviewer).post(_reject(prediction), {"span": str(span.pk)})

    assert response.url == f"{_reader(project, article)}?span={span.pk}"


def test_deciding_twice_shows_an_error_in_the_reader(reviewer, project, article, prediction):
    client = _client(reviewer)
    client.post(_reject(prediction))

    response = client.post(_accept(prediction), follow=True)

    page = response.content.decode()
    alerts = page[page.index('id="reader-alerts"') : page.index('id="reader-messages-close"')]
    assert "could not be accepted: This prediction was already rejected." in alerts
    assert not Span.objects.exists()


@pytest.mark.parametrize("door", [_accept, _reject])
def test_csrf_is_enforced(reviewer, prediction, door):
    response = _client(reviewer, enforce_csrf_checks=True).post(door(prediction))

    assert response.status_code == 403
    prediction.refresh_from_db()
    assert prediction.decision == Prediction.Decision.OPEN


@pytest.mark.parametrize("door", [_accept, _reject])
def test_viewer_is_forbidden(viewer, prediction, door):
    assert _client(viewer).post(door(prediction)).status_code == 403
    prediction.refresh_from_db()
    assert prediction.decision == Prediction.Decision.OPEN
    assert not Span.objects.exists()


@pytest.mark.parametrize("door", [_accept, _reject])
def test_outsider_gets_404(outsider, prediction, door):
    assert _client(outsider).post(door(prediction)).status_code == 404
    prediction.refresh_from_db()
    assert prediction.decision == Prediction.Decision.OPEN


def test_get_is_not_allowed(reviewer, prediction):
    assert _client(reviewer).get(_accept(prediction)).status_code == 405


def test_anonymous_is_sent_to_log_in(client, prediction):
    response = client.post(_reject(prediction))

    assert response.status_code == 302 and "login" in response.url
    prediction.refresh_from_db()
    assert prediction.decision == Prediction.Decision.OPEN


@pytest.mark.parametrize("n", [1, 40])
def test_reader_queries_stay_flat_with_predictions(
    reviewer, project, article, n, django_assert_max_num_queries
):
    words = article.body.split(" ")
    for i in range(n):
        word = words[i % len(words)]
        PredictionFactory(project=project, article=article, text=word, model_name=f"model-{i}")
    client = _client(reviewer)

    with django_assert_max_num_queries(6):
        page = client.get(_reader(project, article)).content.decode()

    assert page.count('class="pred-tag"') == n


def test_reject_of_the_last_prediction_returns_to_the_first(reviewer, project, article, prediction):
    earlier = PredictionFactory(project=project, article=article, text="Leaders met")

    response = _client(reviewer).post(_reject(prediction))

    assert response.url == f"{_reader(project, article)}#prediction-{earlier.pk}"
