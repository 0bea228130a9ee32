"""Deliveries against a local receiver: signed as documented, retried after a 500 with backoff,
refused for addresses inside the network (every attempt, redirects not followed), in order per
object, and an endpoint failing too often disabled with its editors mailed."""

import datetime
import hashlib
import hmac
import json
import threading
import time

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from annotate.models import WebhookDelivery
from annotate.webhooks import delivery
from annotate.webhooks.events import event_record
from annotate.webhooks.models import EventType
from tests.annotate.jobs.broker import celery_broker
from tests.factories import WebhookEndpointFactory
from tests.web_pages import Answer

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance_s: int = 300) -> bool:
    """README's verification sample, as a receiver would run it."""
    timestamp = headers["X-Webhook-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["X-Webhook-Signature"])


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """`send(endpoint, subject=...)`: record an event for the endpoint, dispatched (inline)."""

    def run(endpoint, subject="span:1", data=None):
        with django_capture_on_commit_callbacks(execute=True):
            event = event_record(
                project_id=endpoint.project_id,
                type=EventType.SPAN_CREATED,
                subject=subject,
                data=data or {"span": {"id": 1}},
                endpoint_ids=[endpoint.pk],
            )
        return event, WebhookDelivery.objects.get(event=event, endpoint=endpoint)

    return run


def test_delivery_is_signed_and_received(webhook_receiver, send):
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "thanks"))

    event, sent = send(endpoint, data={"span": {"id": 1, "quote": "Ünïcode ✓"}})

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_status_code) == (Status.SUCCEEDED, 1, 200)
    (posted,) = webhook_receiver.posts
    assert posted.headers["Content-Type"] == "application/json"
    assert posted.headers["X-Webhook-Id"] == str(event.id)
    assert verify(endpoint.secret, posted.headers, posted.body)
    assert not verify("another secret", posted.headers, posted.body)
    assert json.loads(posted.body) == {
        "id": str(event.id),
        "type": "span.created",
        "created_at": event.created_at.isoformat(),
        "project": endpoint.project_id,
        "data": {"span": {"id": 1, "quote": "Ünïcode ✓"}},
    }
    (attempt,) = sent.attempt_log.all()
    assert attempt.status_code == 200 and attempt.response_excerpt == "thanks"
    assert attempt.latency_ms is not None and attempt.error == ""


def test_delivery_retried_after_a_500_then_delivered(webhook_receiver, send, settings):
    settings.WEBHOOK_RETRY_BASE_S = 30
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "ok"))
    webhook_receiver.then("/hook", Answer(status=500, body=b"<b>down</b>" + b"x" * 5000))
    before = timezone.now()

    _, sent = send(endpoint)

    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (Status.SUCCEEDED, 2)
    first, second = sent.attempt_log.all()
    assert first.status_code == 500 and first.error == "The endpoint answered 500."
    assert first.response_excerpt.startswith("<b>down</b>")
    assert len(first.response_excerpt) == delivery.EXCERPT_CHARS  # truncated
    assert second.status_code == 200
    assert len(webhook_receiver.posts) == 2
    # Both bodies the same bytes, each signed with its own timestamp.
    assert webhook_receiver.posts[0].body == webhook_receiver.posts[1].body
    assert all(verify(endpoint.secret, p.headers, p.body) for p in webhook_receiver.posts)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert sent.finished_at >= before


def test_backoff_doubles_up_to_the_cap(settings):
    settings.WEBHOOK_RETRY_BASE_S, settings.WEBHOOK_RETRY_MAX_S = 30, 100
    assert [delivery.backoff_s(n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_delivery_gives_up_after_the_last_attempt(webhook_receiver, send, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "no", status=503))

    _, sent = send(endpoint)

    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_status_code) == (Status.FAILED, 3, 503)
    assert len(webhook_receiver.posts) == 3


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ],
)
def test_delivery_refused_for_an_address_inside_the_network(send, settings, url, reason):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    endpoint = WebhookEndpointFactory(url=url)

    _, sent = send(endpoint)

    sent.refresh_from_db()
    assert sent.status == Status.FAILED
    attempts = list(sent.attempt_log.all())
    assert len(attempts) == 2  # checked again at every attempt
    assert all(a.status_code is None and reason in a.error for a in attempts)


def test_delivery_refused_for_a_name_resolving_inside_the_network(webhook_receiver, send, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    url = webhook_receiver.page("/hook", "ok").replace("127.0.0.1", "localhost")
    endpoint = WebhookEndpointFactory(url=url)
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False

    _, sent = send(endpoint)

    sent.refresh_from_db()
    assert sent.status == Status.FAILED and "loopback" in sent.last_error
    assert webhook_receiver.posts == []


def test_redirect_to_an_internal_address_not_followed(webhook_receiver, send, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    webhook_receiver.page("/internal", "secret stuff")
    endpoint = WebhookEndpointFactory(
        url=webhook_receiver.redirect("/hook", "http://169.254.169.254/latest/meta-data/")
    )
    webhook_receiver.redirect("/hook2", webhook_receiver.url + "/internal")

    _, sent = send(endpoint)

    sent.refresh_from_db()
    assert (sent.status, sent.last_status_code) == (Status.FAILED, 302)
    assert "Redirects are not followed" in sent.last_error
    assert [p.path for p in webhook_receiver.posts] == ["/hook"]


def test_deliveries_of_one_object_wait_for_the_earlier(webhook_receiver, settings, send):
    """An earlier pending delivery of the same endpoint and object holds a later one back; when
    it ends it sends the later one."""
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "ok"))
    settings.JOBS_RUN_INLINE = False
    settings.CELERY_BROKER_URL = ""
    sent_later = []
    real_schedule = delivery._schedule

    def hold(delivery_id, countdown_s):  # nothing runs by itself in this test
        sent_later.append(delivery_id)

    delivery._schedule = hold
    try:
        _, first = send(endpoint, subject="span:7")
        _, second = send(endpoint, subject="span:7")
        _, other = send(endpoint, subject="span:8")
        assert delivery.delivery_run(second.pk) is None  # waits for the first
        assert delivery.delivery_run(other.pk) == Status.SUCCEEDED  # another object: no wait
        sent_later.clear()
        assert delivery.delivery_run(first.pk) == Status.SUCCEEDED
        assert sent_later == [second.pk]  # the first, done, dispatched the second
        assert delivery.delivery_run(second.pk) == Status.SUCCEEDED
    finally:
        delivery._schedule = real_schedule
    bodies = [json.loads(p.body)["id"] for p in webhook_receiver.posts]
    assert bodies == [str(other.event_id), str(first.event_id), str(second.event_id)]


def test_a_delivery_claimed_by_a_runner_is_not_sent_twice(webhook_receiver, send, settings):
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "ok"))
    settings.JOBS_RUN_INLINE = False
    settings.CELERY_BROKER_URL = ""
    real_schedule = delivery._schedule
    delivery._schedule = lambda delivery_id, countdown_s: None
    try:
        _, sent = send(endpoint)
        WebhookDelivery.objects.filter(pk=sent.pk).update(
            locked_until=timezone.now() + timezone.timedelta(minutes=1)
        )
        assert delivery.delivery_run(sent.pk) is None
        WebhookDelivery.objects.filter(pk=sent.pk).update(
            locked_until=timezone.now() - timezone.timedelta(seconds=1)
        )  # its runner died: the lock passed
        assert delivery.delivery_run(sent.pk) == Status.SUCCEEDED
        assert delivery.delivery_run(sent.pk) is None  # delivered: never again
    finally:
        delivery._schedule = real_schedule
    assert len(webhook_receiver.posts) == 1


def test_endpoint_failing_repeatedly_is_disabled_and_editors_mailed(
    webhook_receiver, send, settings, editor, reviewer
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_DISABLE_AFTER_S = 0  # the count alone decides here
    editor.email, reviewer.email = "ed@example.org", "rev@example.org"
    editor.save(), reviewer.save()
    endpoint = WebhookEndpointFactory(
        url=webhook_receiver.page("/hook", "broken", status=500),
        project__editors=[editor],
        project__reviewers=[reviewer],
    )

    send(endpoint, subject="span:1")  # 2 failures
    assert mail.outbox == []
    _, second = send(endpoint, subject="span:2")  # the third disables it

    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at is not None
    assert "3 failed attempts in a row" in endpoint.disabled_reason
    second.refresh_from_db()
    assert second.status == Status.FAILED and second.attempts == 1
    assert len(webhook_receiver.posts) == 3
    (notice,) = mail.outbox
    assert notice.to == ["ed@example.org"]  # editors only
    assert endpoint.url in notice.body

    _, third = send(endpoint, subject="span:3")  # disabled: nothing sent
    third.refresh_from_db()
    assert third.status == Status.FAILED and third.attempts == 0
    assert len(webhook_receiver.posts) == 3


def test_a_burst_of_failures_in_a_short_outage_disables_nothing(
    webhook_receiver, send, settings, monkeypatch
):
    """A busy project's receiver down for seconds fails many attempts in a row (bench/soak.py:
    20 in 12 s, the endpoint disabled and 21 events lost). Until it has failed for
    WEBHOOK_DISABLE_AFTER_S, it stays active and retries deliver once the receiver is back;
    past that time, the count disables it."""
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_DISABLE_AFTER_S = 600
    url = webhook_receiver.page("/hook", "down", status=503)
    endpoint = WebhookEndpointFactory(url=url)
    monkeypatch.setattr(delivery, "_schedule", lambda *args: None)  # one attempt per run here

    sent = [send(endpoint, subject=f"span:{n}")[1] for n in range(1, 6)]
    for pending in sent:
        assert delivery.delivery_run(pending.pk) == Status.PENDING  # 5 failures in a row

    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 5
    assert endpoint.failing_since is not None
    assert {row.status for row in WebhookDelivery.objects.filter(pk__in=[d.pk for d in sent])} == {
        Status.PENDING
    }
    webhook_receiver.page("/hook", "back")  # the receiver answers 200 again
    WebhookDelivery.objects.update(next_attempt_at=None)  # their retries are due
    for pending in sent:
        delivery.delivery_run(pending.pk)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)

    webhook_receiver.page("/hook", "down again", status=503)
    endpoint.failing_since = timezone.now() - datetime.timedelta(seconds=601)
    endpoint.consecutive_failures = 2
    endpoint.save()
    _, last = send(endpoint, subject="span:9")
    assert delivery.delivery_run(last.pk) == Status.FAILED  # the third in a row, for 10 minutes

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert (
        "3 failed attempts in a row. The endpoint had been failing for 10 minutes."
        in endpoint.disabled_reason
    )


def test_resume_sends_pending_deliveries_whose_dispatch_was_lost(webhook_receiver, settings):
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "ok"))
    event = event_record(  # no commit callback runs: as if the process died after the commit
        project_id=endpoint.project_id,
        type=EventType.SPAN_CREATED,
        subject="span:1",
        data={},
        endpoint_ids=[endpoint.pk],
    )
    WebhookDelivery.objects.filter(event=event).update(
        created_at=timezone.now() - timezone.timedelta(minutes=5)
    )

    assert delivery.deliveries_resume() == 1

    assert WebhookDelivery.objects.get(event=event).status == Status.SUCCEEDED
    assert delivery.deliveries_resume() == 0


def test_deliver_webhooks_command_resumes(webhook_receiver):
    from io import StringIO

    from django.core.management import call_command

    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "ok"))
    event_record(
        project_id=endpoint.project_id,
        type=EventType.SPAN_CREATED,
        subject="span:1",
        data={},
        endpoint_ids=[endpoint.pk],
    )
    out = StringIO()
    call_command("deliver_webhooks", "--older-than", "0", stdout=out)
    assert out.getvalue().strip() == "resumed 1"
    assert len(webhook_receiver.posts) == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_thread_delivers_after_commit(webhook_receiver, settings, monkeypatch):
    """`make run`: no broker, so a daemon timer thread of the web process sends it."""
    settings.JOBS_RUN_INLINE = False
    settings.CELERY_BROKER_URL = ""
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "ok"))
    ran_in = []
    run_in_thread = delivery._run_in_thread

    def recording(delivery_id):
        ran_in.append(threading.current_thread())
        run_in_thread(delivery_id)

    monkeypatch.setattr(delivery, "_run_in_thread", recording)

    with transaction.atomic():
        event = event_record(
            project_id=endpoint.project_id,
            type=EventType.SPAN_CREATED,
            subject="span:1",
            data={},
            endpoint_ids=[endpoint.pk],
        )
        time.sleep(0.2)
        assert ran_in == [] and webhook_receiver.posts == []  # nothing before the commit

    # Not polling the database meanwhile: SQLite's shared in-memory test database would
    # refuse the thread's writes while this thread reads.
    deadline = time.monotonic() + 30
    while not ran_in or ran_in[0].is_alive():
        assert time.monotonic() < deadline, "not delivered"
        time.sleep(0.05)
    assert ran_in[0] is not threading.current_thread() and ran_in[0].daemon
    assert WebhookDelivery.objects.get(event=event).status == Status.SUCCEEDED
    assert len(webhook_receiver.posts) == 1


def test_a_broker_away_leaves_the_delivery_pending(settings, send, webhook_receiver):
    """The write commits all the same; deliver_webhooks sends it once the broker is back."""
    endpoint = WebhookEndpointFactory(url=webhook_receiver.page("/hook", "ok"))
    nowhere = "redis://127.0.0.1:1/10"
    with celery_broker(settings, nowhere, broker_connection_retry=False):
        _, sent = send(endpoint)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (Status.PENDING, 0)
    assert webhook_receiver.posts == []
