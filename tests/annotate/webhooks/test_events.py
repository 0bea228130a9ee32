"""Every service that does something endpoints subscribe to records its event in its own
transaction (an outbox): with a pending delivery per subscribed active endpoint, nothing when
none wants it, and nothing when the write rolls back."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annotate.claims import services as claim_services
from annotate.jobs import runner
from annotate.jobs import services as job_services
from annotate.models import WebhookDelivery, WebhookEvent
from annotate.review import services
from annotate.review.services import SourceInput
from tests.annotate.jobs.kinds import COUNTDOWN
from tests.factories import ClaimFactory, VerdictFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(project):
    return WebhookEndpointFactory(project=project)


def _submit(span, reviewer):
    return services.verdict_submit(
        span=span,
        reviewer=reviewer,
        expected_version=0,
        label=span.project.labels[0],
        sources=[SourceInput(url="https://example.org/record")],
    )


def only_event() -> WebhookEvent:
    (event,) = WebhookEvent.objects.all()
    return event


def test_span_created_recorded_with_a_pending_delivery(endpoint, project, article, editor):
    span = services.span_create(
        project=project, article=article, actor=editor, start=0, end=10, claimant="Mayor"
    )

    event = only_event()
    assert (event.type, event.subject, event.project_id) == (
        "span.created",
        f"span:{span.pk}",
        project.pk,
    )
    assert event.payload["span"] == {
        "id": span.pk,
        "article": article.pk,
        "start": 0,
        "end": 10,
        "quote": span.quote,
        "claimant": "Mayor",
        "created_by": editor.pk,
    }
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.endpoint, delivery.status, delivery.subject) == (
        endpoint,
        "pending",
        event.subject,
    )


def test_span_deleted_recorded(endpoint, span, editor):
    span_id = span.pk
    services.span_delete(span=span, actor=editor)
    event = only_event()
    assert (event.type, event.payload["span"]["id"], event.payload["deleted_by"]) == (
        "span.deleted",
        span_id,
        editor.pk,
    )


def test_verdict_submitted_and_withdrawn_recorded(endpoint, span, reviewer):
    verdict = _submit(span, reviewer)
    services.verdict_withdraw(verdict=verdict, actor=reviewer, expected_version=1)

    events = list(WebhookEvent.objects.order_by("created_at"))
    assert [e.type for e in events] == ["verdict.submitted", "verdict.withdrawn"]
    assert events[0].payload["verdict"]["label"] == span.project.labels[0]
    assert events[0].payload["verdict"]["reviewer"] == reviewer.pk
    assert {e.subject for e in events} == {f"span:{span.pk}"}  # one object, in order


def test_a_draft_records_nothing(endpoint, span, reviewer):
    services.verdict_save_draft(span=span, reviewer=reviewer, expected_version=0, label="")
    assert not WebhookEvent.objects.exists()


def test_claim_linked_recorded(endpoint, span, editor, project):
    claim = ClaimFactory(project=project)
    appearance = claim_services.appearance_link(actor=editor, span=span, claim=claim)
    event = only_event()
    assert event.type == "claim.linked"
    assert event.payload["appearance"]["claim"] == claim.pk
    assert event.payload["appearance"]["id"] == appearance.pk


def test_adjudication_recorded(endpoint, span, editor, reviewer):
    verdict = VerdictFactory(span=span, reviewer=reviewer)
    services.adjudicate(span=span, editor=editor, label=span.project.labels[1])
    event = only_event()
    assert event.type == "adjudication.recorded"
    assert event.payload["adjudication"]["considered_verdicts"] == [verdict.pk]


def test_job_finished_recorded(endpoint, project, reviewer):
    job = job_services.job_create(
        kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 2}
    )
    runner.run_job(job.pk)
    event = only_event()
    assert (event.type, event.subject) == ("job.finished", f"job:{job.pk}")
    assert event.payload["job"]["status"] == "done"


def test_job_failed_and_cancelled_recorded(endpoint, project, reviewer):
    failing = job_services.job_create(
        kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 2, "fail_at": 1}
    )
    runner.run_job(failing.pk)
    queued = job_services.job_create(
        kind=COUNTDOWN, project=project, actor=reviewer, params={"steps": 2}
    )
    job_services.job_cancel_request(job=queued, actor=reviewer)

    statuses = {
        event.subject: event.payload["job"]["status"]
        for event in WebhookEvent.objects.filter(type="job.finished")
    }
    assert statuses == {f"job:{failing.pk}": "failed", f"job:{queued.pk}": "cancelled"}


def test_only_subscribed_active_endpoints_get_deliveries(project, article, editor):
    wants = WebhookEndpointFactory(project=project, events=["span.created"])
    WebhookEndpointFactory(project=project, events=["verdict.submitted"])
    WebhookEndpointFactory(project=project, active=False)
    WebhookEndpointFactory()  # another project's

    services.span_create(project=project, article=article, actor=editor, start=0, end=10)

    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [wants.pk]


def test_no_endpoint_no_event_one_query(project, article, editor, span, reviewer):
    with CaptureQueriesContext(connection) as queries:
        _submit(span, reviewer)
    assert not WebhookEvent.objects.exists()
    webhook_queries = [q for q in queries if "webhook" in q["sql"].lower()]
    assert len(webhook_queries) == 1  # the active endpoints of the project, nothing written


def test_rolled_back_write_records_no_event(endpoint, project, article, editor):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.span_create(project=project, article=article, actor=editor, start=0, end=10)
        assert WebhookEvent.objects.count() == 1
        raise RuntimeError("the request failed after the write")
    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_refused_write_records_no_event(endpoint, span, viewer):
    with pytest.raises(PermissionDenied):
        services.span_create(
            project=span.project, article=span.article, actor=viewer, start=20, end=30
        )
    assert not WebhookEvent.objects.exists()
