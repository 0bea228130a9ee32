"""Webhooks over the API (editors: Need.MANAGE_WEBHOOKS): a project's endpoints (CRUD), an
endpoint's delivery log, redelivery, a test event and a new secret. Views parse, call a service
or selector and render; access_project/access_webhook decide 404 and 403."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotate.access import Need, access_project, access_webhook, access_webhook_delivery
from annotate.api.serializers import page_of
from annotate.errors import NotFound
from annotate.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from annotate.webhooks import selectors, services
from annotate.webhooks.models import SUBSCRIBABLE


class WebhookInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="http or https; not inside the network.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE), max_length=len(SUBSCRIBABLE)
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class WebhookOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    secret = serializers.CharField(
        help_text="Signs every delivery (X-Webhook-Signature); shown to the project's editors."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "project",
            "url",
            "description",
            "events",
            "active",
            "secret",
            "created_at",
            "updated_at",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
        ]
        read_only_fields = fields


class WebhookAttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "status_code", "latency_ms", "response_excerpt", "error"]
        read_only_fields = fields


class WebhookEventRef(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.CharField()
    subject = serializers.CharField()
    created_at = serializers.DateTimeField()


class WebhookDeliveryOutput(serializers.ModelSerializer):
    event = WebhookEventRef()
    attempt_log = WebhookAttemptOutput(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "status",
            "attempts",
            "redelivery",
            "created_at",
            "next_attempt_at",
            "finished_at",
            "last_status_code",
            "last_error",
            "attempt_log",
        ]
        read_only_fields = fields


class ProjectWebhookViewSet(viewsets.ViewSet):
    """A project's webhook endpoints: /projects/{project_pk}/webhooks/[{pk}/] (editors)."""

    serializer_class = WebhookOutput

    def _project(self, project_pk):
        return access_project(self.request.user, project_pk, need=Need.MANAGE_WEBHOOKS)

    def _endpoint(self, project_pk, pk) -> WebhookEndpoint:
        endpoint = access_webhook(self.request.user, pk)
        if str(endpoint.project_id) != str(project_pk):
            raise NotFound(_("No such webhook."))
        return endpoint

    @extend_schema(responses=WebhookOutput(many=True), summary="List a project's webhooks")
    def list(self, request, project_pk=None):
        project = self._project(project_pk)
        endpoints = selectors.webhooks_of_project(project=project)
        return Response(WebhookOutput(endpoints, many=True).data)

    @extend_schema(request=WebhookInput, responses={201: WebhookOutput}, summary="Add a webhook")
    def create(self, request, project_pk=None):
        project = self._project(project_pk)
        given = WebhookInput(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint = services.webhook_create(
            project=project, actor=request.user, **given.validated_data
        )
        return Response(WebhookOutput(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=WebhookOutput, summary="A webhook")
    def retrieve(self, request, project_pk=None, pk=None):
        return Response(WebhookOutput(self._endpoint(project_pk, pk)).data)

    @extend_schema(request=WebhookInput(partial=True), responses=WebhookOutput, summary="Change")
    def partial_update(self, request, project_pk=None, pk=None):
        endpoint = self._endpoint(project_pk, pk)
        given = WebhookInput(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        endpoint = services.webhook_update(
            endpoint=endpoint, actor=request.user, **given.validated_data
        )
        return Response(WebhookOutput(endpoint).data)

    @extend_schema(request=None, responses={204: None}, summary="Remove a webhook")
    def destroy(self, request, project_pk=None, pk=None):
        services.webhook_delete(endpoint=self._endpoint(project_pk, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookViewSet(viewsets.GenericViewSet):
    """An endpoint's delivery log and what is done with it: /webhooks/{pk}/... (editors)."""

    queryset = WebhookEndpoint.objects.none()
    serializer_class = WebhookDeliveryOutput
    lookup_value_regex = r"\d+"

    @extend_schema(
        responses=page_of(WebhookDeliveryOutput, "WebhookDeliveryPage"),
        summary="An endpoint's deliveries, newest first, with every attempt",
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = access_webhook(request.user, pk)
        page = self.paginate_queryset(selectors.deliveries_of_webhook(endpoint=endpoint))
        return self.get_paginated_response(WebhookDeliveryOutput(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: WebhookDeliveryOutput},
        summary="Send the delivery's event again, as a new delivery",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_pk>\d+)/redeliver",
    )
    def redeliver(self, request, pk=None, delivery_pk=None):
        delivery = access_webhook_delivery(request.user, pk, delivery_pk)
        again = services.webhook_redeliver(delivery=delivery, actor=request.user)
        return self._accepted(again)

    @extend_schema(
        request=None, responses={202: WebhookDeliveryOutput}, summary="Send a test (ping) event"
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        endpoint = access_webhook(request.user, pk)
        return self._accepted(services.webhook_test_send(endpoint=endpoint, actor=request.user))

    @extend_schema(request=None, responses=WebhookOutput, summary="Replace the secret")
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = access_webhook(request.user, pk)
        endpoint = services.webhook_secret_rotate(endpoint=endpoint, actor=request.user)
        return Response(WebhookOutput(endpoint).data)

    def _accepted(self, delivery: WebhookDelivery) -> Response:
        fresh = selectors.deliveries_of_webhook(endpoint=delivery.endpoint).get(pk=delivery.pk)
        return Response(WebhookDeliveryOutput(fresh).data, status=status.HTTP_202_ACCEPTED)
