"""Reads of webhooks for the doors: a project's endpoints and an endpoint's delivery log."""

from django.db.models import Count, Prefetch, Q, QuerySet

from annotate.projects.models import Project
from annotate.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhooks_of_project(*, project: Project) -> QuerySet[WebhookEndpoint]:
    """The project's endpoints with their pending and failed delivery counts (one query)."""
    return (
        WebhookEndpoint.objects.filter(project=project)
        .annotate(
            pending_count=Count(
                "deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)
            ),
            failed_count=Count(
                "deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)
            ),
        )
        .order_by("pk")
    )


def deliveries_of_webhook(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first, with their events and attempts (three queries
    per page)."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number", "pk"))
        )
        .order_by("-created_at", "-pk")
    )
