"""Verdicts: the caller's own draft, submit and withdraw with sources, under optimistic
versions; others' as blind review allows."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotate.access import Need, access_own_verdict, access_span
from annotate.api import serializers as io
from annotate.errors import NotFound
from annotate.models import Source, Span, Verdict
from annotate.review import selectors, services
from config.api.fields import IdFilter
from config.api.filters import SelectorFiltered
from config.api.pagination import KeysetPagination


def _sources(given: list[dict] | None) -> list[services.SourceInput] | None:
    if given is None:
        return None
    return [services.SourceInput(**source) for source in given]


class VerdictFilter(django_filters.FilterSet):
    project = IdFilter()
    span = IdFilter()
    reviewer = IdFilter()
    status = django_filters.ChoiceFilter(choices=Verdict.Status.choices)
    label = django_filters.CharFilter()

    class Meta:
        model = Verdict
        fields = ["project", "span", "reviewer", "status", "label"]


class VerdictViewSet(
    SelectorFiltered, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Verdicts the caller may see (blind review applied); writes only on the caller's own."""

    queryset = Verdict.objects.none()
    lookup_value_regex = r"\d+"
    serializer_class = io.VerdictOutput
    filterset_class = VerdictFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        given = self.query_filters()
        return selectors.verdicts_for_user(
            user=self.request.user,
            project_id=given.get("project"),
            span_id=given.get("span"),
            reviewer_id=given.get("reviewer"),
            status=given.get("status") or None,
            label=given.get("label") or None,
        )

    @extend_schema(
        request=io.VerdictCreateInput,
        responses={200: io.VerdictOutput, 409: OpenApiResponse(description="Stale version")},
    )
    def create(self, request):
        """Save or submit the caller's verdict on a span (version 0 when they have none)."""
        given = io.VerdictCreateInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        span = self._visible_span(data.pop("span"))
        return self._write(span, data)

    @extend_schema(
        request=io.VerdictInput,
        responses={200: io.VerdictOutput, 409: OpenApiResponse(description="Stale version")},
    )
    def update(self, request, pk=None):
        """Change the caller's own verdict; `version` must be the current one."""
        verdict = self._own_verdict(pk)
        given = io.VerdictInput(data=request.data)
        given.is_valid(raise_exception=True)
        return self._write(verdict.span, dict(given.validated_data))

    @extend_schema(request=io.VersionInput, responses=io.VerdictOutput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take the caller's submitted verdict back to draft."""
        verdict = self._own_verdict(pk)
        given = io.VersionInput(data=request.data)
        given.is_valid(raise_exception=True)
        verdict = services.verdict_withdraw(
            verdict=verdict, actor=request.user, expected_version=given.validated_data["version"]
        )
        return Response(self._render(verdict.pk))

    @extend_schema(request=io.SourceInput, responses={201: io.SourceOutput})
    @action(detail=True, methods=["post"])
    def sources(self, request, pk=None):
        """Add a source to the caller's own verdict."""
        verdict = self._own_verdict(pk)
        given = io.SourceInput(data=request.data)
        given.is_valid(raise_exception=True)
        source = services.source_add(
            verdict=verdict, actor=request.user, source=services.SourceInput(**given.validated_data)
        )
        return Response(io.SourceOutput(source).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PUT"], request=io.SourceInput, responses=io.SourceOutput)
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["put", "delete"], url_path=r"sources/(?P<source_id>\d+)")
    def source(self, request, pk=None, source_id=None):
        """Replace or remove one source of the caller's own verdict."""
        verdict = self._own_verdict(pk)
        source = get_object_or_404(Source, pk=source_id, verdict=verdict)
        if request.method == "DELETE":
            services.source_remove(source=source, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        given = io.SourceInput(data=request.data)
        given.is_valid(raise_exception=True)
        source = services.source_update(
            source=source, actor=request.user, changes=services.SourceInput(**given.validated_data)
        )
        return Response(io.SourceOutput(source).data)

    def _write(self, span: Span, data: dict) -> Response:
        write = (
            services.verdict_submit
            if data.pop("status") == Verdict.Status.SUBMITTED
            else services.verdict_save_draft
        )
        verdict = write(
            span=span,
            reviewer=self.request.user,
            expected_version=data.pop("version"),
            sources=_sources(data.pop("sources", None)),
            **data,
        )
        return Response(self._render(verdict.pk))

    def _render(self, pk: int) -> dict:
        return io.VerdictOutput(selectors.own_verdict(user=self.request.user, pk=pk)).data

    def _visible_span(self, span_id: int) -> Span:
        """The span named in the request body: an unknown one is a field error (400)."""
        try:
            return access_span(self.request.user, span_id, need=Need.WRITE, detail=False)
        except NotFound:
            raise serializers.ValidationError({"span": [_("No such span.")]}) from None

    def _own_verdict(self, pk) -> Verdict:
        """The caller's verdict; someone else's visible one is 403, an invisible one 404."""
        return access_own_verdict(self.request.user, verdict_id=pk)
