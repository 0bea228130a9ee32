"""The Webhooks pages of a project (editors): the endpoints with a form to add one, and one
endpoint's page (edit, secret, delivery log with redeliver, test event, delete). Every write is
a POST with CSRF through annotate.webhooks.services; access_* answer 403/404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from annotate.access import (
    Need,
    access_project,
    access_webhook,
    access_webhook_delivery,
    capabilities,
)
from annotate.webhooks import selectors, services
from annotate.webhooks.models import SUBSCRIBABLE, EventType

DELIVERIES_SHOWN = 50


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Payload URL"),
        max_length=500,
        help_text=gettext_lazy("http or https; the server refuses addresses inside its network."),
    )
    events = forms.MultipleChoiceField(
        choices=[(value, EventType(value).label) for value in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(max_length=200, required=False)
    active = forms.BooleanField(required=False, initial=True)


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@never_cache  # secrets are on these pages
def project_webhooks(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.MANAGE_WEBHOOKS)
    form = WebhookForm(request.POST or None, initial={"events": SUBSCRIBABLE, "active": True})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_create(
                project=project, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Webhook added. Its secret is on its page."))
            return redirect("annotate:webhook", endpoint.pk)
    endpoints = list(selectors.webhooks_of_project(project=project))
    return render(
        request,
        "annotate/webhooks.html",
        {
            "project": project,
            "capabilities": capabilities(project, request.user),
            "endpoints": endpoints,
            "disabled": [endpoint for endpoint in endpoints if endpoint.disabled_reason],
            "form": form,
        },
    )


@login_required
@never_cache
def webhook_detail(request: HttpRequest, webhook_pk: int) -> HttpResponse:
    endpoint = access_webhook(request.user, webhook_pk)
    initial = {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.active,
    }
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("annotate:webhook", endpoint.pk)
    deliveries = selectors.deliveries_of_webhook(endpoint=endpoint)[:DELIVERIES_SHOWN]
    return render(
        request,
        "annotate/webhook.html",
        {
            "project": endpoint.project,
            "endpoint": endpoint,
            "form": form,
            "deliveries": deliveries,
            "shown": DELIVERIES_SHOWN,
        },
    )


def _run(request: HttpRequest, action, success: str) -> None:
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, webhook_pk: int) -> HttpResponse:
    endpoint = access_webhook(request.user, webhook_pk)
    services.webhook_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, _("Webhook removed."))
    return redirect("annotate:webhooks", endpoint.project_id)


@login_required
@require_POST
def webhook_test(request: HttpRequest, webhook_pk: int) -> HttpResponse:
    endpoint = access_webhook(request.user, webhook_pk)
    _run(
        request,
        lambda: services.webhook_test_send(endpoint=endpoint, actor=request.user),
        _("Test event sent; its delivery is at the top of the log."),
    )
    return redirect("annotate:webhook", endpoint.pk)


@login_required
@require_POST
def webhook_rotate_secret(request: HttpRequest, webhook_pk: int) -> HttpResponse:
    endpoint = access_webhook(request.user, webhook_pk)
    services.webhook_secret_rotate(endpoint=endpoint, actor=request.user)
    messages.success(request, _("New secret made; deliveries are signed with it from now on."))
    return redirect("annotate:webhook", endpoint.pk)


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, webhook_pk: int, delivery_pk: int) -> HttpResponse:
    delivery = access_webhook_delivery(request.user, webhook_pk, delivery_pk)
    _run(
        request,
        lambda: services.webhook_redeliver(delivery=delivery, actor=request.user),
        _("Sent again, as a new delivery."),
    )
    return redirect("annotate:webhook", webhook_pk)
