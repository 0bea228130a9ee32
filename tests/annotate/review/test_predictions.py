"""prediction_accept and prediction_reject: a prediction is decided once, by a writer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotate.models import Prediction, Span
from annotate.review.services import prediction_accept, prediction_reject
from tests.factories import PredictionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.article(body="Leaders met. Officials said talks went well. Others disagree."),
]


@pytest.fixture
def prediction(project, article, editor):
    return PredictionFactory(
        project=project, article=article, text="talks went well", created_by=editor
    )


def test_accept_creates_a_span_and_links_it(prediction, reviewer):
    span = prediction_accept(prediction=prediction, actor=reviewer)

    assert (span.start, span.end, span.quote, span.created_by) == (
        prediction.start,
        prediction.end,
        "talks went well",
        reviewer,
    )
    prediction.refresh_from_db()
    assert prediction.accepted_span == span
    assert prediction.decision == Prediction.Decision.ACCEPTED


def test_reject_records_who_and_when(prediction, reviewer):
    rejected = prediction_reject(prediction=prediction, actor=reviewer)

    prediction.refresh_from_db()
    assert prediction.rejected_by == reviewer
    assert prediction.rejected_at is not None
    assert rejected.decision == prediction.decision == Prediction.Decision.REJECTED
    assert not Span.objects.exists()


@pytest.mark.parametrize("service", [prediction_accept, prediction_reject])
def test_viewer_is_refused(prediction, viewer, service):
    with pytest.raises(PermissionDenied):
        service(prediction=prediction, actor=viewer)

    prediction.refresh_from_db()
    assert prediction.decision == Prediction.Decision.OPEN
    assert not Span.objects.exists()


@pytest.mark.parametrize("service", [prediction_accept, prediction_reject])
def test_non_member_is_refused(prediction, outsider, service):
    with pytest.raises(PermissionDenied):
        service(prediction=prediction, actor=outsider)

    prediction.refresh_from_db()
    assert prediction.decision == Prediction.Decision.OPEN


@pytest.mark.parametrize("first", [prediction_accept, prediction_reject])
@pytest.mark.parametrize("second", [prediction_accept, prediction_reject])
def test_a_decided_prediction_is_not_decided_again(
    prediction, reviewer, other_reviewer, first, second
):
    first(prediction=prediction, actor=reviewer)
    decided = Prediction.objects.get(pk=prediction.pk)

    with pytest.raises(ValidationError, match="already"):
        second(prediction=prediction, actor=other_reviewer)

    prediction.refresh_from_db()
    assert (prediction.decision, prediction.accepted_span_id, prediction.rejected_by_id) == (
        decided.decision,
        decided.accepted_span_id,
        decided.rejected_by_id,
    )
    assert Span.objects.count() == (1 if first is prediction_accept else 0)


def test_accepted_and_rejected_at_once_is_refused_by_the_database(prediction, reviewer):
    span = prediction_accept(prediction=prediction, actor=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Prediction.objects.filter(pk=prediction.pk).update(
            accepted_span=span, rejected_at=timezone.now()
        )
