"""Writes of webhooks for every door: endpoints (create, update, delete, new secret), a test
event and a redelivery. Editors only (Need.MANAGE_WEBHOOKS), checked here as well as at doors."""

import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotate.access.capabilities import REFUSALS, Need, capabilities
from annotate.access.roles import User
from annotate.projects.models import Project
from annotate.webhooks.events import deliveries_queue, event_record
from annotate.webhooks.models import (
    SUBSCRIBABLE,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
)
from corpus.fetch import url_refusal

MAX_ENDPOINTS_PER_PROJECT = 20


def _require_manager(project: Project, actor: User) -> None:
    if not capabilities(project, actor).allows(Need.MANAGE_WEBHOOKS):
        raise PermissionDenied(REFUSALS[Need.MANAGE_WEBHOOKS])


def _secret() -> str:
    return secrets.token_hex(32)  # 256 bits, 64 characters


def _clean_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise ValidationError({"url": _("Give the endpoint's URL.")})
    if len(url) > 500:
        raise ValidationError({"url": _("A URL has at most 500 characters.")})
    reason = url_refusal(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS)
    if reason:
        raise ValidationError(
            {"url": _("This URL cannot receive webhooks: %(reason)s.") % {"reason": reason}}
        )
    return url


def _clean_events(events: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [event for event in chosen if event not in SUBSCRIBABLE]
    if unknown:
        raise ValidationError(
            {"events": _("Unknown event type(s): %(join)s.") % {"join": ", ".join(unknown)}}
        )
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    return [event for event in SUBSCRIBABLE if event in chosen]  # in the catalogue's order


@transaction.atomic
def webhook_create(
    *,
    project: Project,
    actor: User,
    url: str,
    events: Sequence[str],
    description: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint of the project, with a secret generated here."""
    _require_manager(project, actor)
    if WebhookEndpoint.objects.filter(project=project).count() >= MAX_ENDPOINTS_PER_PROJECT:
        raise ValidationError(
            {
                "url": (
                    _("A project has at most %(max_endpoints_per_project)s webhook endpoints.")
                    % {"max_endpoints_per_project": MAX_ENDPOINTS_PER_PROJECT}
                )
            }
        )
    endpoint = WebhookEndpoint(
        project=project,
        url=_clean_url(url),
        events=_clean_events(events),
        description=description.strip(),
        active=active,
        secret=_secret(),
        created_by=actor,
    )
    endpoint.full_clean(exclude=["url"])  # the URL was checked above, IP literals included
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_update(
    *,
    endpoint: WebhookEndpoint,
    actor: User,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; enabling it again clears its failures and the disabled notice."""
    _require_manager(endpoint.project, actor)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.project = endpoint.project
    if url is not None:
        locked.url = _clean_url(url)
    if events is not None:
        locked.events = _clean_events(events)
    if description is not None:
        locked.description = description.strip()
    if active is not None:
        if active and not locked.active:
            locked.consecutive_failures, locked.failing_since = 0, None
            locked.disabled_at, locked.disabled_reason = None, ""
        locked.active = active
    locked.full_clean(exclude=["url"])
    locked.save()
    return locked


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """A new secret for the endpoint; attempts from now on are signed with it."""
    _require_manager(endpoint.project, actor)
    endpoint.secret = _secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


@transaction.atomic
def webhook_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Remove an endpoint with its delivery log."""
    _require_manager(endpoint.project, actor)
    endpoint.delete()


@transaction.atomic
def webhook_test_send(*, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """Send the (active) endpoint a `ping` event, whatever it subscribes to."""
    _require_manager(endpoint.project, actor)
    if not endpoint.active:
        raise ValidationError({"active": _("Enable the endpoint before sending it a test event.")})
    event = event_record(
        project_id=endpoint.project_id,
        type=EventType.PING,
        subject=f"ping:{endpoint.pk}",
        data={"webhook": endpoint.pk, "sent_by": actor.pk, "sent_at": timezone.now().isoformat()},
        endpoint_ids=[endpoint.pk],
    )
    return event.deliveries.get()


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a delivery's event to its endpoint again, as a new delivery (same event id: the
    receiver can tell it already has it)."""
    endpoint = delivery.endpoint
    _require_manager(endpoint.project, actor)
    if not endpoint.active:
        raise ValidationError({"active": _("Enable the endpoint before redelivering to it.")})
    (again,) = deliveries_queue(event=delivery.event, endpoint_ids=[endpoint.pk], redelivery=True)
    return again
