"""Sending deliveries: signed POSTs through the address checks of URL fetches, retried with
exponential backoff, in order per endpoint and object, endpoints disabled after repeated failure.

One attempt (delivery_run), under every engine (a Celery worker, a thread of the web process
without a broker, inline in tests):

1. claim the delivery (`locked_until`): two runners never send it at once, and an attempt
   whose process died is resumed by deliver_webhooks once the lock passes (at least once);
2. wait while an older delivery of the same endpoint and object is pending: it dispatches this
   one when it ends (delivered, or given up), so one object's events arrive in order;
3. POST {id, type, created_at, project, data} signed with the endpoint's secret, to an address
   checked again at this attempt (corpus.fetch.checked_request), no redirect followed, within
   WEBHOOK_TIMEOUT_S; log the attempt (status, latency, the answer's first characters, error);
4. a 2xx answer delivers it; anything else is retried after WEBHOOK_RETRY_BASE_S * 2^(n-1)
   (at most WEBHOOK_RETRY_MAX_S) until WEBHOOK_MAX_ATTEMPTS, then it has failed. An endpoint
   failing WEBHOOK_DISABLE_AFTER_FAILURES attempts in a row, and for WEBHOOK_DISABLE_AFTER_S,
   is disabled, its editors told.
"""

import datetime
import hashlib
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import connections, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from annotate.projects.models import Membership
from annotate.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from config.storable_text import unstorable_text_reason
from corpus.fetch import FetchRefused, checked_request

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
USER_AGENT = "fact-check-workbench-webhooks/1"
EXCERPT_CHARS = 500
ERROR_CHARS = 500


def event_body(event: WebhookEvent) -> bytes:
    """The JSON every endpoint is sent for an event (the same bytes at every attempt)."""
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "project": event.project_id,
            "data": event.payload,
        },
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=True,
    ).encode("utf-8")


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of "{timestamp}.{body}" under the endpoint's secret."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    status_code: int | None
    latency_ms: int | None
    response_excerpt: str
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text[:EXCERPT_CHARS] if unstorable_text_reason(text) is None else ""


def attempt_send(*, endpoint: WebhookEndpoint, event: WebhookEvent) -> AttemptOutcome:
    """POST the event to the endpoint once; what came back, or why nothing did."""
    body = event_body(event)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Id": str(event.id),
        "X-Webhook-Event": event.type,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    try:
        response = checked_request(
            endpoint.url,
            method="POST",
            headers=headers,
            body=body,
            timeout_s=settings.WEBHOOK_TIMEOUT_S,
            allow_private=lambda host: settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS,
        )
    except FetchRefused as error:
        return AttemptOutcome(None, None, "", str(error)[:ERROR_CHARS])
    latency_ms = int((time.monotonic() - started) * 1000)
    try:
        try:
            raw = response.read(EXCERPT_CHARS * 4, decode_content=True) or b""
        except Exception:  # the status is what counts; a body cut short is no failure
            raw = b""
        error = ""
        if 300 <= response.status < 400:
            error = gettext("Redirects are not followed: give the endpoint's final URL.")
        elif not 200 <= response.status < 300:
            error = gettext("The endpoint answered %(status)s.") % {"status": response.status}
        return AttemptOutcome(response.status, latency_ms, _excerpt(raw), error)
    finally:
        response.release_conn()


def backoff_s(attempts: int) -> float:
    """Seconds to wait before the attempt after `attempts` failed ones."""
    base = settings.WEBHOOK_RETRY_BASE_S
    return min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_S)


def _lock_s() -> float:
    return settings.WEBHOOK_TIMEOUT_S * 3 + 30


def delivery_run(delivery_id: int) -> str | None:
    """One attempt of a pending delivery if it is due and first of its object; its status
    after, or None if nothing was sent (finished, held by another runner, waiting, not due)."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + datetime.timedelta(seconds=_lock_s()))
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        _finish(delivery, Status.FAILED, error=gettext("The endpoint is disabled."))
        return Status.FAILED
    earlier = WebhookDelivery.objects.filter(
        endpoint_id=endpoint.pk, subject=delivery.subject, status=Status.PENDING, pk__lt=delivery.pk
    )
    if earlier.exists():
        _release(delivery)  # the earlier one dispatches this when it ends
        return None
    due = delivery.next_attempt_at
    if due is not None and due > now and not settings.JOBS_RUN_INLINE:
        _release(delivery)
        _schedule(delivery.pk, (due - now).total_seconds())
        return None
    started_at = timezone.now()
    outcome = attempt_send(endpoint=endpoint, event=delivery.event)
    return _record(delivery, outcome, started_at)


def _release(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_until=None)


def _finish(delivery: WebhookDelivery, status: str, *, error: str = "") -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, finished_at=timezone.now(), locked_until=None, last_error=error
    )
    _dispatch_next(delivery)


def _dispatch_next(delivery: WebhookDelivery) -> None:
    """The next pending delivery of the same endpoint and object, which waited for this one."""
    following = (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            subject=delivery.subject,
            status=Status.PENDING,
            pk__gt=delivery.pk,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        _schedule(following, 0)


def _record(delivery: WebhookDelivery, outcome: AttemptOutcome, started_at) -> str:
    number = delivery.attempts + 1
    give_up = not outcome.succeeded and number >= settings.WEBHOOK_MAX_ATTEMPTS
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_excerpt=outcome.response_excerpt,
            error=outcome.error,
        )
        now = timezone.now()
        fields = {
            "attempts": number,
            "locked_until": None,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if outcome.succeeded:
            status = Status.SUCCEEDED
            fields.update(status=status, finished_at=now, next_attempt_at=None)
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
                consecutive_failures=0, failing_since=None
            )
        elif give_up:
            status = Status.FAILED
            fields.update(status=status, finished_at=now, next_attempt_at=None)
        else:
            status = Status.PENDING
            wait_s = backoff_s(number)
            fields["next_attempt_at"] = now + datetime.timedelta(seconds=wait_s)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if not outcome.succeeded and _count_failure(delivery.endpoint):
            status = Status.FAILED  # the endpoint was disabled: its pending deliveries failed
    if status == Status.PENDING:
        _schedule(delivery.pk, wait_s)
    else:
        _dispatch_next(delivery)
    return status


def _count_failure(endpoint: WebhookEndpoint) -> bool:
    """One more failure in a row; at the limit, once the endpoint has failed for
    WEBHOOK_DISABLE_AFTER_S, it is disabled (once) and its pending deliveries fail, and the
    project's editors are mailed after commit.

    The count alone is no measure of an outage: in bench/soak.py a receiver down for 12 s
    failed 20 attempts in a row, was disabled, and 21 events were never delivered. The time
    keeps a short outage to retries, which deliver once it is over.
    """
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce("failing_since", Value(now)),
    )
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    window = datetime.timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_S)
    minutes = round(settings.WEBHOOK_DISABLE_AFTER_S / 60)
    # Whole sentences, each with its own count: one sentence cannot take the plural of two.
    reason = " ".join(
        [
            ngettext(
                "Disabled automatically after %(limit)s failed attempt in a row.",
                "Disabled automatically after %(limit)s failed attempts in a row.",
                limit,
            )
            % {"limit": limit},
            ngettext(
                "The endpoint had been failing for %(minutes)s minute.",
                "The endpoint had been failing for %(minutes)s minutes.",
                minutes,
            )
            % {"minutes": minutes},
            gettext("Fix the endpoint, then enable it again."),
        ]
    )
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk,
        active=True,
        consecutive_failures__gte=limit,
        failing_since__lte=now - window,
    ).update(active=False, disabled_at=now, disabled_reason=reason)
    if not disabled:
        return False
    WebhookDelivery.objects.filter(endpoint_id=endpoint.pk, status=Status.PENDING).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        locked_until=None,
        last_error=gettext("The endpoint was disabled."),
    )
    transaction.on_commit(
        lambda endpoint_id=endpoint.pk: endpoint_disabled_notify(endpoint_id=endpoint_id),
        robust=True,
    )
    return True


def endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """Mail the project's editors that the endpoint was disabled; how many were written to."""
    endpoint = WebhookEndpoint.objects.select_related("project").get(pk=endpoint_id)
    recipients = list(
        Membership.objects.filter(project_id=endpoint.project_id, role=Membership.Role.EDITOR)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    if not recipients:
        return 0
    send_mail(
        subject=gettext("Webhook disabled in %(project)s") % {"project": endpoint.project.name},
        message=gettext(
            "The webhook endpoint %(url)s of the project %(project)s was disabled: "
            "%(reason)s\n\nIts delivery log is on the project's Webhooks page."
        )
        % {
            "url": endpoint.url,
            "project": endpoint.project.name,
            "reason": endpoint.disabled_reason,
        },
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(recipients)


def _run_in_thread(delivery_id: int) -> None:
    try:
        delivery_run(delivery_id)
    except Exception:
        logger.exception("Webhook delivery %s failed in its thread", delivery_id)
    finally:
        connections.close_all()


def _schedule(delivery_id: int, countdown_s: float) -> None:
    """Run an attempt of the delivery after `countdown_s`: inline (JOBS_RUN_INLINE, at once), on
    a Celery worker (CELERY_BROKER_URL) or in a daemon timer thread of this process."""
    if settings.JOBS_RUN_INLINE:
        delivery_run(delivery_id)
    elif settings.CELERY_BROKER_URL:
        from annotate.webhooks.tasks import deliver_webhook_task  # Celery only with a broker

        try:
            deliver_webhook_task.apply_async(
                (delivery_id,),
                countdown=max(countdown_s, 0),
                queue=settings.WEBHOOK_QUEUE or settings.CELERY_TASK_DEFAULT_QUEUE,
            )
        except Exception:  # the row stays pending: deliver_webhooks sends it later
            logger.exception("Webhook delivery %s could not be queued", delivery_id)
    else:
        timer = threading.Timer(max(countdown_s, 0), _run_in_thread, args=(delivery_id,))
        timer.daemon = True
        timer.start()


def deliveries_dispatch(delivery_ids: list[int]) -> None:
    """Hand committed deliveries to the engine (webhook_emit's on-commit hook)."""
    for delivery_id in delivery_ids:
        _schedule(delivery_id, 0)


def deliveries_resume(*, older_than_s: float = 60) -> int:
    """Schedule every pending delivery that is due and held by no runner (its dispatch lost
    with a process, a broker away at commit time); how many. `deliver_webhooks` runs it."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_s)
    due = (
        WebhookDelivery.objects.filter(status=Status.PENDING, created_at__lt=cutoff)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(due)
    deliveries_dispatch(ids)
    return len(ids)
