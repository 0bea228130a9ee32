"""/api/v1/articles/ as the corpus knows it: list, read and create (one or in bulk, through
import_articles). The corpus knows no projects, so which articles a caller sees and where new ones
go are hooks here: annotate.api.views.articles subclasses this viewset with its answers (and
`revise`), and that is the one the router serves."""

from collections.abc import Iterable

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from config.api.errors import ErrorOutput
from config.api.parsers import JSONParser
from corpus import selectors
from corpus.importers import decoded_lines
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.importers.base import ParseError as RecordError
from corpus.importers.jsonl import parse_article_record, parse_jsonl
from corpus.models import Article
from corpus.search import ARTICLE_INDEX, SEARCH_MAX_CHARS
from corpus.services import ImportResult, ImportStatus, import_articles


class ArticleFilter(django_filters.FilterSet):
    publisher = django_filters.CharFilter(lookup_expr="iexact")
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    q = django_filters.CharFilter(
        method="search",
        max_length=SEARCH_MAX_CHARS,
        label="Full-text search in title, subtitle, publisher and body, accents ignored, best "
        'match first unless `ordering` is given: words, "a phrase", or, -word. On PostgreSQL '
        f"at most the first {ARTICLE_INDEX.ranked_at_most} matches found are ranked and "
        f"counted: a `count` of {ARTICLE_INDEX.ranked_at_most} means at least that many.",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("published_on", "published_on"), ("title", "title"), ("created_at", "created_at"))
    )

    class Meta:
        model = Article
        fields = ["publisher", "published_after", "published_before", "q"]

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
            "language_confidence",
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


class ImportResultOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position among the request's articles.")
    location = serializers.CharField(help_text="request[i] for an array, request:line for JSONL.")
    status = serializers.ChoiceField(choices=[s.value for s in ImportStatus])
    article_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class BulkOutput(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Always 0: a request with a refused item is a 400.")
    results = ImportResultOutput(many=True)


class BulkRefused(ValidationError):
    """A bulk request with refused items: 400, each refused item by its index (and field)."""

    http_status = 400

    def __init__(self, results: list[ImportResult]) -> None:
        errors: dict[str, list[str]] = {}
        for index, result in enumerate(results):
            if result.status is not ImportStatus.FAILED:
                continue
            for name, messages in (result.errors or {"": [result.reason]}).items():
                errors[f"{index}.{name}" if name else str(index)] = messages
        refused = sum(result.status is ImportStatus.FAILED for result in results)
        first = next(result for result in results if result.status is ImportStatus.FAILED)
        self.http_detail = ngettext(
            "Nothing was stored: %(refused)s of %(total)s article was refused "
            "(the first at %(location)s).",
            "Nothing was stored: %(refused)s of %(total)s articles were refused "
            "(the first at %(location)s).",
            len(results),
        ) % {"refused": refused, "total": len(results), "location": first.location}
        super().__init__(errors)

    def http_extra(self) -> dict:
        return {}


class JSONLines(list):
    """The lines of an application/x-ndjson body (text, or the failure of a line that is not
    UTF-8), told apart from a JSON array by type."""


class JSONLinesParser(parsers.BaseParser):
    """application/x-ndjson: lines are parsed by the import service's JSONL reader."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        return JSONLines(decoded_lines(stream.read().split(b"\n"), "request"))


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Articles the caller may read; alone, the corpus shows staff every article."""

    filterset_class = ArticleFilter
    queryset = Article.objects.none()  # for the schema generator; requests use get_queryset
    lookup_value_regex = r"\d+"
    input_class: type[serializers.Serializer] = ArticleInput

    # Hooks for the layer that knows who reads articles and where new ones go. Alone, the
    # corpus lets staff read and add every article and nobody else anything.

    def visible_articles(self, *, with_body: bool) -> QuerySet[Article]:
        """The articles the caller may read, newest first."""
        articles = selectors.article_catalogue(with_body=with_body)
        return articles if self.request.user.is_staff else articles.none()

    def article_destination(self, given: dict):
        """Where new articles go, from the validated input (its own keys popped) or the query;
        checked before anything is stored, since a refusal must not leave articles behind."""
        if not self.request.user.is_staff:
            raise PermissionDenied(_("Only staff add articles."))
        return None

    def articles_stored(self, destination, articles: Iterable[Article]) -> None:
        """Called with the stored articles (created or already there) and the destination;
        for one article inside the create's transaction."""

    def bulk_in_background(self, destination, drafts: list[ArticleDraft]) -> Response | None:
        """A response for a bulk whose every item parsed, if the upper layer imports it in the
        background instead (202 with a job); None stores it here. Alone: never."""
        return None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.visible_articles(with_body=self.action != "list")

    def get_serializer_class(self):
        return ArticleListOutput if self.action == "list" else ArticleOutput

    @extend_schema(request=ArticleInput, responses={201: ArticleOutput, 200: ArticleOutput})
    def create(self, request):
        """Create one article (200 with the stored one when its text is already there)."""
        given = self.input_class(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        destination = self.article_destination(data)
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
            self.articles_stored(destination, [article])
        code = (
            status.HTTP_201_CREATED if result.status is ImportStatus.CREATED else status.HTTP_200_OK
        )
        return Response(ArticleOutput(article).data, status=code)

    @extend_schema(
        request={
            "application/json": {"type": "array", "items": {"type": "object"}},
            "application/x-ndjson": OpenApiTypes.STR,
        },
        responses={200: BulkOutput, 400: ErrorOutput},
        description=(
            "All or nothing. If every item is a valid article (new, or one already stored), "
            "all are stored and the answer is 200 with one result per item, in order. If any "
            "item is refused, or the articles cannot go where asked, nothing is stored: the "
            "answer is 400 with `errors` keyed by the item's index among the request's "
            'articles (`"3"`, or `"3.body"` for a field).'
        ),
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, JSONLinesParser])
    def bulk(self, request):
        """Create many articles from a JSON array or JSON Lines: all of them, or none."""
        destination = self.article_destination({})
        items = self._bulk_items(request.data)
        if not any(isinstance(item, ImportFailure) for item in items):
            # A refused item is still refused here, at once, with nothing stored.
            background = self.bulk_in_background(destination, items)
            if background is not None:
                return background
        results: list[ImportResult] = []  # the service reports in input order
        # One transaction: a refusal found at item 601, or by the destination, must not leave
        # the 600 before it stored (they were, in no project, behind a 500).
        with transaction.atomic():
            report = import_articles(items=items, on_result=results.append)
            if report.failed:
                raise BulkRefused(results)
            stored = [result.article_id for result in results]
            self.articles_stored(destination, Article.objects.filter(pk__in=stored))
        body = {
            "created": report.created,
            "unchanged": report.unchanged,
            "failed": 0,
            "results": [
                {
                    "index": index,
                    "location": result.location,
                    "status": result.status.value,
                    "article_id": result.article_id,
                    "reason": result.reason,
                }
                for index, result in enumerate(results)
            ],
        }
        return Response(BulkOutput(body).data, status=status.HTTP_200_OK)

    def _bulk_items(self, data) -> list[ArticleDraft | ImportFailure]:
        if isinstance(data, JSONLines):
            return list(parse_jsonl(data, source="request"))
        if not isinstance(data, list):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Send a JSON array of articles.")]}
            )
        items: list[ArticleDraft | ImportFailure] = []
        for index, record in enumerate(data):
            location = f"request[{index}]"
            try:
                items.append(parse_article_record(record, default_origin="api", location=location))
            except RecordError as error:
                items.append(ImportFailure(location, str(error)))
        return items
