"""/api/v1/articles/ with projects: the corpus's article viewset, answered for projects.

The corpus knows no projects, so this subclass (the one the router serves) says which articles a
caller sees (those of their projects; staff: all), puts new articles into a project the caller
edits (`project` in the body or `?project=`), filters by project, and revises a body, which
re-anchors the article's spans."""

import json
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from annotate.access import Need, access_project
from annotate.api.jobs import JobOutput
from annotate.errors import NotFound
from annotate.jobs.links import job_api_url
from annotate.models import Project
from annotate.projects import selectors as project_selectors
from annotate.projects import services as project_services
from annotate.projects.intake import article_import_job_start
from annotate.review import services
from annotate.review.revision_job import article_revision_job_start, revision_job_wanted
from config.api.errors import ErrorOutput
from config.api.fields import IdField, IdFilter
from corpus import api as corpus_api
from corpus.importers.base import ArticleDraft
from corpus.models import Article


class ArticleFilter(corpus_api.ArticleFilter):
    project = IdFilter(field_name="projects", label="Project id")

    class Meta(corpus_api.ArticleFilter.Meta):
        fields = ["project", *corpus_api.ArticleFilter.Meta.fields]


class ArticleInput(corpus_api.ArticleInput):
    project = IdField(
        required=False, help_text="Put the new article in this project (editors only)."
    )


class ReviseInput(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)
    raw_text = serializers.CharField(required=False, trim_whitespace=False)


class ArticleEditInput(serializers.Serializer):
    language = serializers.CharField(
        max_length=35, help_text="BCP 47 tag, e.g. ar, he or pt-BR: the language a person states."
    )

    def validate(self, attrs: dict) -> dict:
        # Only the language is edited here (the body through `revise`): other keys are refused
        # rather than silently dropped.
        others = sorted(set(self.initial_data) - set(self.fields))
        if others:
            raise serializers.ValidationError(
                {key: [_("Not editable here; only `language` is.")] for key in others}
            )
        return attrs


class ReviseOutput(serializers.Serializer):
    kept = serializers.IntegerField()
    moved = serializers.IntegerField()
    fuzzy = serializers.IntegerField()
    orphaned = serializers.IntegerField()
    article = corpus_api.ArticleOutput()


# Importing a text that is already stored (articles are identified by their canonical body).
ALREADY_STORED = (
    "An article whose exact text is already stored is not stored twice: the stored one joins "
    "the project, even if until now it was only in projects the caller cannot read. Whoever "
    "sends an article's full text holds it already; refusing would tell them instead which "
    "article it is and that it exists elsewhere. No answer names other projects or their "
    "articles."
)


# A bulk imported by a job is stored as this file; its report names items `request.jsonl:<n>`.
BULK_FILE_NAME = "request.jsonl"


def _draft_record(draft: ArticleDraft) -> dict:
    """A parsed article as a JSON Lines record the importer reads back to the same draft."""
    record = {
        "title": draft.title,
        "body": draft.body,
        "raw_text": draft.raw_text,
        "origin": draft.origin,
        "subtitle": draft.subtitle,
        "authors": list(draft.authors),
        "publisher": draft.publisher,
        "source_url": draft.source_url,
        "language": draft.language,
    }
    if draft.published_on is not None:
        record["published_on"] = draft.published_on.isoformat()
    return record


@extend_schema_view(
    create=extend_schema(
        request=ArticleInput,
        responses={201: corpus_api.ArticleOutput, 200: corpus_api.ArticleOutput},
        description="Create one article: 201 with the new article, or 200 with the stored one "
        f"when its text is already there. {ALREADY_STORED}",
    ),
    bulk=extend_schema(
        parameters=[OpenApiParameter("project", int, description="Add the stored articles to it")],
        responses={200: corpus_api.BulkOutput, 202: JobOutput, 400: ErrorOutput},
        description="Create many articles: a JSON array or JSON Lines; one result per item, in "
        f"order (`unchanged` names the stored article). {ALREADY_STORED}\n\n"
        "All or nothing, up to the server's ARTICLES_BULK_JOB_THRESHOLD articles. A larger "
        "request into a project whose every item parses is imported by a background job "
        "instead: 202 with the job (Location: its URL), whose `result` reports `created`, "
        "`unchanged`, `failed`, each failure by `request.jsonl:<n>` (n: the item's position "
        "from 1) and the first imported items; there each article is stored on its own, as "
        "on the Add articles page.",
    ),
)
class ArticleViewSet(corpus_api.ArticleViewSet):
    """Articles the caller can see: those of their projects (staff: all)."""

    filterset_class = ArticleFilter
    input_class = ArticleInput

    def visible_articles(self, *, with_body: bool):
        return project_selectors.articles_visible_to(user=self.request.user, with_body=with_body)

    def article_destination(self, given: dict) -> Project | None:
        """The project new articles go to; without one, only staff may add articles."""
        project_id = given.pop("project", None) or self.request.query_params.get("project")
        if project_id in (None, ""):
            if not self.request.user.is_staff:
                raise PermissionDenied(_("Name a project you edit (?project=ID), or be staff."))
            return None
        given_id = IdField().run_validation(project_id)  # 400 for "abc", 1.5 or 1e40
        # Checked before anything is stored: a refusal (403) must not leave articles behind.
        try:
            return access_project(self.request.user, given_id, need=Need.MANAGE)
        except NotFound:
            raise serializers.ValidationError({"project": [_("No such project.")]}) from None

    def bulk_in_background(
        self, destination: Project | None, drafts: list[ArticleDraft]
    ) -> Response | None:
        """Above ARTICLES_BULK_JOB_THRESHOLD articles into a project: an article-import job
        over the items written as one JSON Lines file (202)."""
        if destination is None or len(drafts) <= settings.ARTICLES_BULK_JOB_THRESHOLD:
            return None
        lines = "".join(json.dumps(_draft_record(draft)) + "\n" for draft in drafts)
        job = article_import_job_start(
            project=destination,
            actor=self.request.user,
            uploads=[ContentFile(lines.encode(), name=BULK_FILE_NAME)],
        )
        return Response(
            JobOutput(job, context={"request": self.request}).data,
            status=202,
            headers={"Location": job_api_url(job, self.request)},
        )

    def articles_stored(self, destination: Project | None, articles: Iterable[Article]) -> None:
        if destination is not None:
            # The caller sent these articles' text: stored ones join their project too.
            project_services.project_articles_import(
                project=destination, actor=self.request.user, articles=articles
            )

    @extend_schema(
        request=ArticleEditInput,
        responses={200: corpus_api.ArticleOutput, 400: ErrorOutput, 403: ErrorOutput},
        description="Change the article's language (editors of a project with it): it is "
        "recorded in the article's history, and `language_confidence` becomes null (stated by "
        "a person, no longer detected). Other fields are refused.",
    )
    def partial_update(self, request, pk=None):
        article = self.get_object()
        given = ArticleEditInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.article_language_set(article=article, actor=request.user, **given.validated_data)
        return Response(corpus_api.ArticleOutput(article).data)

    @extend_schema(
        request=ReviseInput,
        responses={
            200: ReviseOutput,
            202: JobOutput,
            409: OpenApiResponse(description="Spans of a project the caller does not edit"),
        },
        description="Replace the body (editors); every span is re-anchored, lost ones become "
        "orphaned. An article with more than the server's REVISION_JOB_SPANS spans is revised "
        "by a background job instead: 202 with the job (Location: its URL), whose `result` "
        "reports `kept`, `moved`, `fuzzy` and `orphaned`; the refusals below then fail the job "
        "with their reason. 409 when spans of a project the caller does not edit would move or be "
        "orphaned (`projects`: those of them the caller is a member of; the rest are named "
        '"another project"); staff may revise any. 400 on `body` when another article '
        "already has exactly this text (not named: it may be in projects the caller cannot "
        "read).",
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Replace the body (editors); every span is re-anchored, lost ones become orphaned."""
        article = self.get_object()
        given = ReviseInput(data=request.data)
        given.is_valid(raise_exception=True)
        if revision_job_wanted(article=article, actor=request.user):
            job = article_revision_job_start(
                article=article, actor=request.user, **given.validated_data
            )
            return Response(
                JobOutput(job, context={"request": request}).data,
                status=202,
                headers={"Location": job_api_url(job, request)},
            )
        report = services.article_body_revise(
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
