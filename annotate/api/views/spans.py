"""Spans (claims): cursor lists, detail with the verdicts the caller may see, creation by offsets
or quote, boundary and claimant corrections (PATCH), comments and adjudication."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotate.access import Need, access_project, access_span
from annotate.api import claim_serializers
from annotate.api import serializers as io
from annotate.api.views.claims import span_claim_suggestions
from annotate.errors import NotFound
from annotate.models import Comment, Project, Span, Verdict
from annotate.review import selectors, services
from annotate.review.services.spans import ARTICLE_NOT_IN_PROJECT
from annotate.review.status import SpanStatus
from config.api.fields import IdFilter
from config.api.filters import SelectorFiltered
from config.api.pagination import KeysetPagination, PagePagination
from corpus.models import Article


class SpanFilter(django_filters.FilterSet):
    project = IdFilter()
    article = IdFilter()
    status = django_filters.ChoiceFilter(choices=SpanStatus.choices)
    label = django_filters.CharFilter(
        label="Spans with a submitted verdict of this label that you may see (blind review)"
    )
    reviewer = IdFilter(
        label="Spans with a submitted verdict of this reviewer that you may see (blind review)"
    )
    orphaned = django_filters.BooleanFilter()

    class Meta:
        model = Span
        fields = ["project", "article", "status", "label", "reviewer", "orphaned"]


@extend_schema_view(list=extend_schema(summary="Spans of the caller's projects (cursor pages)"))
class SpanViewSet(
    SelectorFiltered,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Span.objects.none()
    lookup_value_regex = r"\d+"
    filterset_class = SpanFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        given = self.query_filters()
        return selectors.spans_for_user(
            user=self.request.user,
            project_id=given.get("project"),
            article_id=given.get("article"),
            status=given.get("status") or None,
            label=given.get("label") or None,
            reviewer_id=given.get("reviewer"),
            orphaned=given.get("orphaned"),
        ).select_related("created_by")

    def get_serializer_class(self):
        return io.SpanOutput if self.action == "list" else io.SpanDetailOutput

    def get_object(self, need: Need = Need.READ) -> Span:
        """The span with what the caller may see of it (404 for what they may not), if their
        role allows `need` (403)."""
        return access_span(self.request.user, self.kwargs["pk"], need=need)

    @extend_schema(request=io.SpanInput, responses={201: io.SpanDetailOutput})
    def create(self, request):
        """Highlight a claim by offsets (code points) or by quote and occurrence."""
        given = io.SpanInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        project = _member_project(request.user, data.pop("project"), need=Need.WRITE)
        article = Article.objects.only("pk", "body").filter(pk=data.pop("article")).first()
        if article is None:  # answered as an article of another project is (by the service)
            raise serializers.ValidationError({"article": [ARTICLE_NOT_IN_PROJECT]})
        span = services.span_create(project=project, article=article, actor=request.user, **data)
        span = selectors.span_for_user(user=request.user, pk=span.pk)
        return Response(io.SpanDetailOutput(span).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=io.SpanUpdateInput, responses=io.SpanDetailOutput)
    def partial_update(self, request, pk=None):
        """Move a claim's boundaries (its creator, while no verdict on it is submitted) or
        correct its claimant and note (editors)."""
        span = self.get_object(Need.WRITE)
        given = io.SpanUpdateInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.span_update(span=span, actor=request.user, **given.validated_data)
        span = selectors.span_for_user(user=request.user, pk=span.pk)
        return Response(io.SpanDetailOutput(span).data)

    def destroy(self, request, pk=None):
        """Delete a span: its creator while no verdict is submitted, or an editor."""
        services.span_delete(span=self.get_object(Need.WRITE), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=io.page_of(io.CommentOutput, "CommentPage"))
    @extend_schema(methods=["POST"], request=io.CommentInput, responses={201: io.CommentOutput})
    @action(detail=True, methods=["get", "post"], pagination_class=PagePagination)
    def comments(self, request, pk=None):
        """The span's discussion, oldest first; members post comments and replies."""
        span = self.get_object(Need.READ if request.method == "GET" else Need.WRITE)
        if request.method == "GET":
            page = self.paginate_queryset(selectors.span_comments(span=span))
            return self.get_paginated_response(io.CommentOutput(page, many=True).data)
        given = io.CommentInput(data=request.data)
        given.is_valid(raise_exception=True)
        parent_id = given.validated_data["parent"]
        parent = get_object_or_404(Comment, pk=parent_id, span=span) if parent_id else None
        comment = services.comment_post(
            span=span, author=request.user, body=given.validated_data["body"], parent=parent
        )
        return Response(io.CommentOutput(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=io.AdjudicationOutput)
    @extend_schema(methods=["PUT"], request=io.AdjudicationInput, responses=io.AdjudicationOutput)
    @action(detail=True, methods=["get", "put"])
    def adjudication(self, request, pk=None):
        """The editor's final label; PUT records or revises it (editors)."""
        span = self.get_object(Need.READ if request.method == "GET" else Need.ADJUDICATE)
        if request.method == "GET":
            if not hasattr(span, "adjudication"):
                raise NotFound(_("No final verdict yet."))
            return Response(io.AdjudicationOutput(span.adjudication).data)
        given = io.AdjudicationInput(data=request.data)
        given.is_valid(raise_exception=True)
        considered_ids = given.validated_data["considered_verdicts"]
        considered = (
            None if considered_ids is None else list(Verdict.objects.filter(pk__in=considered_ids))
        )
        if considered is not None and len(considered) != len(set(considered_ids)):
            raise serializers.ValidationError({"considered_verdicts": [_("No such verdict.")]})
        services.adjudicate(
            span=span,
            editor=request.user,
            label=given.validated_data["label"],
            rationale=given.validated_data["rationale"],
            considered_verdicts=considered,
        )
        span = selectors.span_for_user(user=request.user, pk=span.pk)
        return Response(io.AdjudicationOutput(span.adjudication).data)

    @extend_schema(
        request=claim_serializers.SuggestionInput,
        responses=claim_serializers.MatchOutput,
    )
    @action(detail=True, methods=["post"], url_path="claim-suggestions")
    def claim_suggestions(self, request, pk=None):
        """Claims this span may state, best first with scores and why, recorded as shown
        (a POST: it stores those decisions)."""
        return span_claim_suggestions(request, pk)


def _member_project(user, project_id: int, *, need: Need) -> Project:
    """The project named in the request body: an unknown one is a field error (400)."""
    try:
        return access_project(user, project_id, need=need)
    except NotFound:
        raise serializers.ValidationError({"project": [_("No such project.")]}) from None
