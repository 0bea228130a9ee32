"""The caller's projects and what hangs off them: members, articles, the review queue and
machine predictions."""

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotate.access import Need, access_project
from annotate.api import serializers as io
from annotate.models import Prediction, Project, Span
from annotate.projects import selectors as project_selectors
from annotate.projects import services as project_services
from annotate.review import selectors, services
from config.api.fields import IdFilter
from config.api.pagination import PagePagination
from corpus.models import Article


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's projects; editors manage members, articles and see progress."""

    queryset = Project.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return project_selectors.projects_for_user(user=self.request.user)

    def get_serializer_class(self):
        return io.ProjectOutput if self.action == "list" else io.ProjectDetailOutput

    def get_object(self, need: Need = Need.READ) -> Project:
        """The project for a member (404 for anyone else), if their role allows `need` (403)."""
        return access_project(self.request.user, self.kwargs["pk"], need=need)

    def retrieve(self, request, pk=None):
        project = self.get_object()
        project.progress = selectors.project_progress(project=project)
        return Response(io.ProjectDetailOutput(project).data)

    @extend_schema(request=io.ProjectInput, responses={201: io.ProjectDetailOutput})
    def create(self, request):
        """Create a project (staff); the caller becomes its editor."""
        given = io.ProjectInput(data=request.data)
        given.is_valid(raise_exception=True)
        project = project_services.project_create(actor=request.user, **given.validated_data)
        project = project_selectors.project_for_user(user=request.user, pk=project.pk)
        project.progress = selectors.project_progress(project=project)
        return Response(io.ProjectDetailOutput(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses=io.page_of(io.MembershipOutput, "MembershipPage"),
        summary="List members",
    )
    @extend_schema(
        methods=["POST"],
        request=io.MembershipInput,
        responses=io.MembershipOutput,
        summary="Add a member or change their role (editors)",
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        project = self.get_object(Need.READ if request.method == "GET" else Need.MANAGE)
        if request.method == "GET":
            members = project_selectors.project_members(project=project, user=request.user)
            page = self.paginate_queryset(members)
            return self.get_paginated_response(io.MembershipOutput(page, many=True).data)
        given = io.MembershipInput(data=request.data)
        given.is_valid(raise_exception=True)
        user = get_object_or_404(get_user_model(), username=given.validated_data["username"])
        membership = project_services.membership_set_role(
            project=project, actor=request.user, user=user, role=given.validated_data["role"]
        )
        return Response(io.MembershipOutput(membership).data)

    @extend_schema(
        methods=["PUT"], request=io.RoleInput, responses=io.MembershipOutput, summary="Set a role"
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, summary="Remove")
    @action(detail=True, methods=["put", "delete"], url_path=r"members/(?P<user_id>\d+)")
    def member(self, request, pk=None, user_id=None):
        project = self.get_object(Need.MANAGE)
        user = get_object_or_404(get_user_model(), pk=user_id)
        if request.method == "DELETE":
            project_services.membership_set_role(
                project=project, actor=request.user, user=user, role=None
            )
            return Response(status=status.HTTP_204_NO_CONTENT)
        given = io.RoleInput(data=request.data)
        given.is_valid(raise_exception=True)
        membership = project_services.membership_set_role(
            project=project, actor=request.user, user=user, role=given.validated_data["role"]
        )
        return Response(io.MembershipOutput(membership).data)

    @extend_schema(request=io.ProjectArticlesInput, responses={204: None})
    @action(detail=True, methods=["post"])
    def articles(self, request, pk=None):
        """Add articles to the project (editors)."""
        project = self.get_object(Need.MANAGE)
        given = io.ProjectArticlesInput(data=request.data)
        given.is_valid(raise_exception=True)
        wanted = set(given.validated_data["articles"])
        found = list(Article.objects.filter(pk__in=wanted).only("pk"))
        if missing := wanted - {article.pk for article in found}:
            raise serializers.ValidationError(
                {"articles": [_("No such article: %(missing)s") % {"missing": sorted(missing)}]}
            )
        project_services.project_articles_add(project=project, actor=request.user, articles=found)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={
            200: io.SpanDetailOutput,
            204: OpenApiResponse(description="Nothing left to review."),
        },
    )
    @action(detail=True, methods=["post"])
    def next(self, request, pk=None):
        """The next span for the caller to review (assigned to them), or 204 when done."""
        project = self.get_object(Need.WRITE)
        span = services.next_span_for_review(project=project, reviewer=request.user)
        if span is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        span = selectors.span_for_user(user=request.user, pk=span.pk)
        return Response(io.SpanDetailOutput(span).data)

    @extend_schema(responses=io.QueueOutput)
    @action(detail=True, methods=["get"], pagination_class=None)
    def queue(self, request, pk=None):
        """The caller's assigned spans still awaiting their verdict, and their progress."""
        project = self.get_object()
        waiting = selectors.reviewer_queue(project=project, reviewer=request.user)
        spans = selectors.with_status(
            Span.objects.filter(pk__in=waiting.values("pk")), viewer=request.user
        )
        return Response(
            io.QueueOutput(
                {
                    "progress": selectors.reviewer_progress(project=project, reviewer=request.user),
                    "spans": spans.select_related("created_by").order_by("pk"),
                }
            ).data
        )

    @extend_schema(
        methods=["GET"],
        responses=io.page_of(io.PredictionOutput, "PredictionPage"),
        summary="List predictions",
        parameters=[
            OpenApiParameter("article", int, description="Only this article's predictions"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
    )
    @extend_schema(
        methods=["POST"],
        request=io.PredictionInput(many=True),
        responses={201: io.PredictionOutput(many=True)},
        summary="Store machine predictions in bulk (all or none; re-sending is a no-op)",
    )
    @action(detail=True, methods=["get", "post"], url_path="predictions", pagination_class=None)
    def predictions(self, request, pk=None):
        project = self.get_object(Need.READ if request.method == "GET" else Need.WRITE)
        if request.method == "GET":
            filters = PredictionFilter(request.query_params, queryset=Prediction.objects.none())
            if not filters.is_valid():
                raise serializers.ValidationError(filters.errors)
            predictions = selectors.project_predictions(
                project=project,
                user=request.user,
                article_id=filters.form.cleaned_data.get("article"),
            )
            # Paginated by hand: the action's POST answers a plain list, not a page.
            paginator = PagePagination()
            page = paginator.paginate_queryset(predictions, request, view=self)
            return paginator.get_paginated_response(io.PredictionOutput(page, many=True).data)
        given = io.PredictionInput(data=request.data, many=True)
        given.is_valid(raise_exception=True)
        created = services.predictions_bulk_create(
            project=project,
            actor=request.user,
            predictions=[
                services.PredictionInput(article_id=item.pop("article"), **item)
                for item in given.validated_data
            ],
        )
        return Response(io.PredictionOutput(created, many=True).data, status=201)


class PredictionFilter(django_filters.FilterSet):
    article = IdFilter()

    class Meta:
        model = Prediction
        fields = ["article"]


class PredictionViewSet(viewsets.GenericViewSet):
    queryset = Prediction.objects.none()
    lookup_value_regex = r"\d+"
    serializer_class = io.PredictionOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Prediction.objects.filter(project__memberships__user=self.request.user)

    @extend_schema(request=None, responses={201: io.SpanDetailOutput})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Turn the prediction into a span (reviewers and editors)."""
        span = services.prediction_accept(prediction=self.get_object(), actor=request.user)
        span = selectors.span_for_user(user=request.user, pk=span.pk)
        return Response(io.SpanDetailOutput(span).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: io.PredictionOutput})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Turn the prediction down (reviewers and editors): it is no longer offered."""
        prediction = services.prediction_reject(prediction=self.get_object(), actor=request.user)
        return Response(io.PredictionOutput(prediction).data)
