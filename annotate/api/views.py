"""Viewsets for projects, spans, verdicts and predictions. Views parse, call a service or a
selector, and render; permissions and visibility live in those, so every door shares them."""

import django_filters
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotate import selectors, services
from annotate.api import serializers as io
from annotate.models import Comment, Prediction, Project, Source, Span, Verdict
from config.api.fields import IdFilter
from config.api.filters import SelectorFiltered
from config.api.pagination import KeysetPagination, PagePagination
from corpus.models import Article


def _sources(given: list[dict] | None) -> list[services.SourceInput] | None:
    if given is None:
        return None
    return [services.SourceInput(**source) for source in given]


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's projects; editors manage members, articles and see progress."""

    queryset = Project.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.projects_for_user(user=self.request.user)

    def get_serializer_class(self):
        return io.ProjectOutput if self.action == "list" else io.ProjectDetailOutput

    def get_object(self) -> Project:
        try:
            return selectors.project_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))
        except (Project.DoesNotExist, ValueError):
            raise Http404 from None

    def retrieve(self, request, pk=None):
        project = self.get_object()
        project.progress = selectors.project_progress(project=project)
        return Response(io.ProjectDetailOutput(project).data)

    @extend_schema(request=io.ProjectInput, responses={201: io.ProjectDetailOutput})
    def create(self, request):
        """Create a project (staff); the caller becomes its editor."""
        given = io.ProjectInput(data=request.data)
        given.is_valid(raise_exception=True)
        project = services.project_create(actor=request.user, **given.validated_data)
        project = selectors.project_for_user(user=request.user, pk=project.pk)
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
        project = self.get_object()
        if request.method == "GET":
            members = selectors.project_members(project=project, user=request.user)
            page = self.paginate_queryset(members)
            return self.get_paginated_response(io.MembershipOutput(page, many=True).data)
        given = io.MembershipInput(data=request.data)
        given.is_valid(raise_exception=True)
        user = get_object_or_404(get_user_model(), username=given.validated_data["username"])
        membership = services.membership_set_role(
            project=project, actor=request.user, user=user, role=given.validated_data["role"]
        )
        return Response(io.MembershipOutput(membership).data)

    @extend_schema(
        methods=["PUT"], request=io.RoleInput, responses=io.MembershipOutput, summary="Set a role"
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, summary="Remove")
    @action(detail=True, methods=["put", "delete"], url_path=r"members/(?P<user_id>\d+)")
    def member(self, request, pk=None, user_id=None):
        project = self.get_object()
        user = get_object_or_404(get_user_model(), pk=user_id)
        if request.method == "DELETE":
            services.membership_set_role(project=project, actor=request.user, user=user, role=None)
            return Response(status=status.HTTP_204_NO_CONTENT)
        given = io.RoleInput(data=request.data)
        given.is_valid(raise_exception=True)
        membership = services.membership_set_role(
            project=project, actor=request.user, user=user, role=given.validated_data["role"]
        )
        return Response(io.MembershipOutput(membership).data)

    @extend_schema(request=io.ProjectArticlesInput, responses={204: None})
    @action(detail=True, methods=["post"])
    def articles(self, request, pk=None):
        """Add articles to the project (editors)."""
        project = self.get_object()
        given = io.ProjectArticlesInput(data=request.data)
        given.is_valid(raise_exception=True)
        wanted = set(given.validated_data["articles"])
        found = list(Article.objects.filter(pk__in=wanted).only("pk"))
        if missing := wanted - {article.pk for article in found}:
            raise serializers.ValidationError({"articles": [f"No such article: {sorted(missing)}"]})
        services.project_articles_add(project=project, actor=request.user, articles=found)
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
        project = self.get_object()
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
        project = self.get_object()
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


class SpanFilter(django_filters.FilterSet):
    project = IdFilter()
    article = IdFilter()
    status = django_filters.ChoiceFilter(choices=[(s, s) for s in selectors.SpanStatus.ALL])
    label = django_filters.CharFilter()
    reviewer = IdFilter()
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

    def get_object(self) -> Span:
        try:
            return selectors.span_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))
        except (Span.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(request=io.SpanInput, responses={201: io.SpanDetailOutput})
    def create(self, request):
        """Highlight a claim by offsets (code points) or by quote and occurrence."""
        given = io.SpanInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        project = _member_project(request.user, data.pop("project"))
        article = get_object_or_404(Article.objects.only("pk", "body"), pk=data.pop("article"))
        span = services.span_create(project=project, article=article, actor=request.user, **data)
        span = selectors.span_for_user(user=request.user, pk=span.pk)
        return Response(io.SpanDetailOutput(span).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        """Delete a span: its creator while no verdict is submitted, or an editor."""
        services.span_delete(span=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=io.page_of(io.CommentOutput, "CommentPage"))
    @extend_schema(methods=["POST"], request=io.CommentInput, responses={201: io.CommentOutput})
    @action(detail=True, methods=["get", "post"], pagination_class=PagePagination)
    def comments(self, request, pk=None):
        """The span's discussion, oldest first; members post comments and replies."""
        span = self.get_object()
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
        span = self.get_object()
        if request.method == "GET":
            if not hasattr(span, "adjudication"):
                from django.http import Http404

                raise Http404
            return Response(io.AdjudicationOutput(span.adjudication).data)
        given = io.AdjudicationInput(data=request.data)
        given.is_valid(raise_exception=True)
        considered_ids = given.validated_data["considered_verdicts"]
        considered = (
            None if considered_ids is None else list(Verdict.objects.filter(pk__in=considered_ids))
        )
        if considered is not None and len(considered) != len(set(considered_ids)):
            raise serializers.ValidationError({"considered_verdicts": ["No such verdict."]})
        services.adjudicate(
            span=span,
            editor=request.user,
            label=given.validated_data["label"],
            rationale=given.validated_data["rationale"],
            considered_verdicts=considered,
        )
        span = selectors.span_for_user(user=request.user, pk=span.pk)
        return Response(io.AdjudicationOutput(span.adjudication).data)


def _member_project(user, project_id: int) -> Project:
    try:
        return selectors.project_for_user(user=user, pk=project_id)
    except Project.DoesNotExist:
        raise serializers.ValidationError({"project": ["No such project."]}) from None


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
        try:
            return selectors.span_in_reach(user=self.request.user, pk=span_id)
        except Span.DoesNotExist:
            raise serializers.ValidationError({"span": ["No such span."]}) from None

    def _own_verdict(self, pk) -> Verdict:
        """The caller's verdict; someone else's visible one is 403, an invisible one 404."""
        verdict = get_object_or_404(self.get_queryset(), pk=pk)
        if verdict.reviewer_id != self.request.user.pk:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only the reviewer who wrote a verdict may change it.")
        return Verdict.objects.select_related("span__project").get(pk=verdict.pk)
