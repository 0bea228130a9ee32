"""A webhook delivered by a real Celery worker (a subprocess) through a real Redis, against the
test database on PostgreSQL: a verdict submitted here reaches the local receiver, signed.

The worker and broker fixtures are the jobs' (tests/annotate/jobs/test_worker.py): Redis at
REDIS_TEST_URL, a queue of the test's own; without Redis the test skips, except under CI=true,
where it fails.
"""

import hashlib
import hmac
import json
import time

import pytest

from annotate.models import WebhookDelivery
from annotate.review import services
from annotate.review.services import SourceInput
from tests.annotate.jobs.test_worker import broker, workers  # noqa: F401 (fixtures)
from tests.factories import ProjectFactory, SpanFactory, UserFactory, WebhookEndpointFactory

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_S = 60


def test_a_submitted_verdict_is_delivered_by_a_worker(workers, webhook_receiver):  # noqa: F811
    workers.env["WEBHOOKS_ALLOW_PRIVATE_HOSTS"] = "1"  # the receiver is on 127.0.0.1
    workers.start()
    reviewer = UserFactory()
    project = ProjectFactory(reviewers=[reviewer])
    span = SpanFactory(project=project)
    endpoint = WebhookEndpointFactory(
        project=project, url=webhook_receiver.page("/hook", "ok"), events=["verdict.submitted"]
    )

    verdict = services.verdict_submit(
        span=span,
        reviewer=reviewer,
        expected_version=0,
        label=project.labels[0],
        sources=[SourceInput(url="https://example.org/record")],
    )

    deadline = time.monotonic() + WAIT_S
    while not webhook_receiver.posts:
        if time.monotonic() > deadline:
            pytest.fail(f"No delivery arrived:\n{workers.log()}")
        time.sleep(0.1)
    (posted,) = webhook_receiver.posts
    body = json.loads(posted.body)
    assert body["type"] == "verdict.submitted"
    assert body["data"]["verdict"]["id"] == verdict.pk
    timestamp = posted.headers["X-Webhook-Timestamp"]
    expected = hmac.new(
        endpoint.secret.encode(), f"{timestamp}.".encode() + posted.body, hashlib.sha256
    ).hexdigest()
    assert posted.headers["X-Webhook-Signature"] == f"sha256={expected}"
    while WebhookDelivery.objects.get().status != WebhookDelivery.Status.SUCCEEDED:
        if time.monotonic() > deadline:
            pytest.fail(f"Delivery not recorded:\n{workers.log()}")
        time.sleep(0.1)
    assert "annotate.webhooks.deliver" in workers.log()  # the worker sent it, not this process
