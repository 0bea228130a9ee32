"""/api/v1/articles/: list, read, create (one or in bulk, through import_articles), revise."""

import django_filters
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.response import Response

from annotate import services as annotate_services
from annotate.access import Need, access_project
from annotate.errors import NotFound
from config.api.fields import IdField, IdFilter
from corpus import selectors
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.importers.base import ParseError as RecordError
from corpus.importers.jsonl import parse_article_record, parse_jsonl
from corpus.models import Article
from corpus.services import ImportResult, ImportStatus, import_articles


class ArticleFilter(django_filters.FilterSet):
    project = IdFilter(field_name="projects", label="Project id")
    publisher = django_filters.CharFilter(lookup_expr="iexact")
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    q = django_filters.CharFilter(method="search", label="Text in title, subtitle or body")
    ordering = django_filters.OrderingFilter(
        fields=(("published_on", "published_on"), ("title", "title"), ("created_at", "created_at"))
    )

    class Meta:
        model = Article
        fields = ["project", "publisher", "published_after", "published_before", "q"]

    def search(self, queryset, name, value):
        return selectors.article_search(articles=queryset, text=value)


class ArticleListOutput(serializers.ModelSerializer):
    # Blank when the source states none, which a `format: uri` schema would reject.
    source_url = serializers.CharField(help_text="The article's URL, or empty.")

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "subtitle",
            "authors",
            "publisher",
            "published_on",
            "source_url",
            "language",
            "origin",
            "created_at",
        ]


class ArticleOutput(ArticleListOutput):
    class Meta(ArticleListOutput.Meta):
        fields = [*ArticleListOutput.Meta.fields, "body", "content_hash", "updated_at"]


class ArticleInput(serializers.Serializer):
    title = serializers.CharField(max_length=500)
    body = serializers.CharField(trim_whitespace=False)
    subtitle = serializers.CharField(max_length=500, required=False, allow_blank=True)
    authors = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    source_url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    language = serializers.CharField(max_length=35, required=False, allow_blank=True)
    origin = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    raw_text = serializers.CharField(required=False, trim_whitespace=False)
    project = IdField(
        required=False, help_text="Put the new article in this project (editors only)."
    )


class ImportResultOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position among the request's articles.")
    location = serializers.CharField(help_text="request[i] for an array, request:line for JSONL.")
    status = serializers.ChoiceField(choices=[s.value for s in ImportStatus])
    article_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class BulkOutput(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = ImportResultOutput(many=True)


class ReviseInput(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)
    raw_text = serializers.CharField(required=False, trim_whitespace=False)


class ReviseOutput(serializers.Serializer):
    kept = serializers.IntegerField()
    moved = serializers.IntegerField()
    fuzzy = serializers.IntegerField()
    orphaned = serializers.IntegerField()
    article = ArticleOutput()


class JSONLinesParser(parsers.BaseParser):
    """application/x-ndjson: lines are parsed by the import service's JSONL reader."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return stream.read().decode("utf-8").split("\n")
        except UnicodeDecodeError as error:
            raise ParseError(f"The body is not UTF-8 (byte {error.start}).") from None


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Articles the caller can see: those of their projects (staff: all)."""

    filterset_class = ArticleFilter
    queryset = Article.objects.none()  # for the schema generator; requests use get_queryset
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.articles_visible_to(
            user=self.request.user, with_body=self.action != "list"
        )

    def get_serializer_class(self):
        return ArticleListOutput if self.action == "list" else ArticleOutput

    @extend_schema(request=ArticleInput, responses={201: ArticleOutput, 200: ArticleOutput})
    def create(self, request):
        """Create one article (200 with the stored one when its text is already there)."""
        given = ArticleInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        project = self._target_project(
            data.pop("project", None) or request.query_params.get("project")
        )
        draft = ArticleDraft(
            title=data["title"],
            body=data["body"],
            raw_text=data.get("raw_text", data["body"]),
            origin=data.get("origin", "") or "api",
            subtitle=data.get("subtitle", ""),
            authors=tuple(data.get("authors", ())),
            publisher=data.get("publisher", ""),
            published_on=data.get("published_on"),
            source_url=data.get("source_url", ""),
            language=data.get("language", ""),
        )
        results: list[ImportResult] = []
        with transaction.atomic():
            import_articles(items=[draft], on_result=results.append)
            (result,) = results
            if result.status is ImportStatus.FAILED:
                raise serializers.ValidationError(result.errors)
            article = Article.objects.get(pk=result.article_id)
            if project is not None:
                annotate_services.project_articles_add(
                    project=project, actor=request.user, articles=[article]
                )
        code = (
            status.HTTP_201_CREATED if result.status is ImportStatus.CREATED else status.HTTP_200_OK
        )
        return Response(ArticleOutput(article).data, status=code)

    @extend_schema(
        request={
            "application/json": {"type": "array", "items": {"type": "object"}},
            "application/x-ndjson": OpenApiTypes.STR,
        },
        parameters=[OpenApiParameter("project", int, description="Add the stored articles to it")],
        responses=BulkOutput,
    )
    @action(detail=False, methods=["post"], parser_classes=[parsers.JSONParser, JSONLinesParser])
    def bulk(self, request):
        """Create many articles: a JSON array or JSON Lines; one result per item, in order."""
        project = self._target_project(request.query_params.get("project"))
        items = self._bulk_items(request.data)
        results: list[dict] = []

        def collect(result: ImportResult) -> None:  # the service reports in input order
            results.append(
                {
                    "index": len(results),
                    "location": result.location,
                    "status": result.status.value,
                    "article_id": result.article_id,
                    "reason": result.reason,
                }
            )

        report = import_articles(items=items, on_result=collect)
        if project is not None:
            stored = [r["article_id"] for r in results if r["article_id"] is not None]
            annotate_services.project_articles_add(
                project=project, actor=request.user, articles=Article.objects.filter(pk__in=stored)
            )
        body = {
            "created": report.created,
            "unchanged": report.unchanged,
            "failed": report.failed,
            "results": results,
        }
        return Response(BulkOutput(body).data, status=status.HTTP_200_OK)

    @extend_schema(request=ReviseInput, responses=ReviseOutput)
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Replace the body (editors); every span is re-anchored, lost ones become orphaned."""
        article = self.get_object()
        given = ReviseInput(data=request.data)
        given.is_valid(raise_exception=True)
        report = annotate_services.article_body_revise(
            article=article, actor=request.user, **given.validated_data
        )
        article.refresh_from_db()
        return Response(
            ReviseOutput(
                {
                    "kept": report.kept,
                    "moved": report.moved,
                    "fuzzy": report.fuzzy,
                    "orphaned": report.orphaned,
                    "article": article,
                }
            ).data
        )

    def _target_project(self, project_id):
        """The project new articles go to; without one, only staff may add articles."""
        if project_id in (None, ""):
            if not self.request.user.is_staff:
                raise PermissionDenied("Name a project you edit (?project=ID), or be staff.")
            return None
        given = IdField().run_validation(project_id)  # 400 for "abc", 1.5 or 1e40
        # Checked before anything is stored: a refusal (403) must not leave articles behind.
        try:
            return access_project(self.request.user, given, need=Need.MANAGE)
        except NotFound:
            raise serializers.ValidationError({"project": ["No such project."]}) from None

    def _bulk_items(self, data) -> list[ArticleDraft | ImportFailure]:
        if isinstance(data, list) and all(isinstance(line, str) for line in data):
            return list(parse_jsonl(data, source="request"))
        if not isinstance(data, list):
            raise serializers.ValidationError(
                {"non_field_errors": ["Send a JSON array of articles."]}
            )
        items: list[ArticleDraft | ImportFailure] = []
        for index, record in enumerate(data):
            location = f"request[{index}]"
            try:
                items.append(parse_article_record(record, default_origin="api", location=location))
            except RecordError as error:
                items.append(ImportFailure(location, str(error)))
        return items
