"""Admin for every annotation model. Writes that carry business rules go through the services."""

from collections import defaultdict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from annotate import selectors, services
from annotate.models import (
    Adjudication,
    Assignment,
    Comment,
    Membership,
    Project,
    Source,
    Span,
    Verdict,
)
from annotate.status import SpanStatus
from corpus.admin import ArticleAdmin
from corpus.models import Article

# Changelists show articles by title only: their bodies are large and never needed there.
_ARTICLE_TEXT = ("article__body", "article__raw_text")


def quote_in_context(span: Span):
    """The quote marked up between its stored prefix and suffix (all escaped)."""
    return format_html("…{}<mark>{}</mark>{}…", span.prefix, span.quote, span.suffix)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("user", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # members are managed on the Membership admin, through the service


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "scale_preset", "reviews_per_claim", "blind_review")
    search_fields = ("name", "slug", "description")
    list_filter = ("scale_preset", "blind_review", "sources_required")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("articles",)
    inlines = (MembershipInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:  # whoever creates a project manages it, as project_create does
            Membership.objects.get_or_create(
                project=obj, user=request.user, defaults={"role": Membership.Role.EDITOR}
            )
        elif "reviews_per_claim" in form.changed_data:
            services.queue_refresh(project=obj)  # more (or fewer) reviews wanted per claim


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "project", "role", "created_at")
    list_filter = ("project", "role")
    search_fields = ("user__username", "project__name")
    list_select_related = ("user", "project")
    autocomplete_fields = ("user",)

    def save_model(self, request, obj, form, change):
        self._set_role(request, obj, obj.role)

    def delete_model(self, request, obj):
        self._set_role(request, obj, None)

    def _set_role(self, request, membership: Membership, role: str | None) -> None:
        # The service holds the rules (editors only, never the last editor): report its refusal.
        try:
            saved = services.membership_set_role(
                project=membership.project, actor=request.user, user=membership.user, role=role
            )
        except (ValidationError, PermissionDenied) as refusal:
            reason = (
                " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            )
            self.message_user(request, reason, messages.ERROR)
            return
        if saved is not None:
            membership.pk = saved.pk


class SpanStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return SpanStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class SpanLabelFilter(admin.SimpleListFilter):
    title = "label (submitted or adjudicated)"
    parameter_name = "label"

    def lookups(self, request, model_admin):
        labels = Verdict.objects.exclude(label="").values_list("label", flat=True).distinct()
        return [(label, label) for label in sorted(set(labels))]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(
            pk__in=Span.objects.filter(
                verdicts__label=self.value(), verdicts__status=Verdict.Status.SUBMITTED
            ).values("pk")
        ) | queryset.filter(adjudication__label=self.value())


class VerdictInline(admin.TabularInline):
    model = Verdict
    extra = 0
    can_delete = False
    fields = ("reviewer", "label", "status", "confidence", "version", "rationale", "source_list")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # verdicts are written by reviewers, through the services

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("reviewer")
            .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("position")))
        )

    @admin.display(description="sources")
    def source_list(self, verdict: Verdict):
        return format_html_join(
            "",
            "<div>{} · <a href='{}' rel='noopener noreferrer'>{}</a></div>",
            ((s.stance, s.url, s.title or s.url) for s in verdict.sources.all()),
        )


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ("author", "body", "parent", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Span)
class SpanAdmin(SimpleHistoryAdmin):
    list_display = (
        "quote_in_context",
        "article_title",
        "project",
        "status",
        "submitted_count",
        "orphaned",
        "created_by",
        "created_at",
    )
    list_filter = (
        "project",
        SpanStatusFilter,
        SpanLabelFilter,
        ("verdicts__reviewer", admin.RelatedOnlyFieldListFilter),
        "orphaned",
    )
    search_fields = ("quote", "claimant", "note", "article__title")
    list_select_related = ("project", "article", "created_by")
    readonly_fields = (
        "quote_in_context",
        "article",
        "project",
        "start",
        "end",
        "quote",
        "prefix",
        "suffix",
        "anchor_errors",
        "orphaned",
        "created_by",
        "created_at",
    )
    fields = ("quote_in_context", *readonly_fields[1:], "claimant", "note")
    inlines = (VerdictInline, CommentInline)
    show_full_result_count = False

    def get_queryset(self, request):
        spans = super().get_queryset(request).defer(*_ARTICLE_TEXT)
        return selectors.with_status(spans)

    def has_add_permission(self, request) -> bool:
        return False  # spans are created in the reader or the API, through span_create

    @admin.display(description="article", ordering="article__title")
    def article_title(self, span: Span) -> str:
        return span.article.title

    @admin.display(description="status", ordering="status")
    def status(self, span: Span) -> str:
        return SpanStatus(span.status).label

    @admin.display(description="submitted", ordering="submitted_count")
    def submitted_count(self, span: Span) -> int:
        return span.submitted_count

    @admin.display(description="quote in context")
    def quote_in_context(self, span: Span):
        return quote_in_context(span)


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    fields = ("position", "url", "title", "excerpt", "stance", "accessed_on")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Verdict)
class VerdictAdmin(SimpleHistoryAdmin):
    list_display = ("span", "reviewer", "label", "status", "confidence", "version", "updated_at")
    list_filter = (
        ("span__project", admin.RelatedOnlyFieldListFilter),
        "status",
        "label",
        ("reviewer", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("label", "rationale", "span__quote", "reviewer__username")
    list_select_related = ("span", "reviewer")
    readonly_fields = (
        "span",
        "reviewer",
        "label",
        "rationale",
        "confidence",
        "status",
        "version",
        "created_at",
        "updated_at",
        "submitted_at",
    )
    inlines = (SourceInline,)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ("title_or_url", "stance", "verdict", "accessed_on")
    list_filter = ("stance", ("verdict__span__project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("url", "title", "excerpt")
    list_select_related = ("verdict",)
    readonly_fields = ("verdict", "position", "url", "title", "excerpt", "stance", "accessed_on")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="source")
    def title_or_url(self, source: Source) -> str:
        return str(source)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "author", "span", "created_at")
    list_filter = (("span__project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("body", "author__username")
    list_select_related = ("author", "span")
    readonly_fields = ("span", "author", "parent", "created_at")


class ReopensSpansOnDelete:
    """For rows whose deletion can give a span review slots back (an adjudication, an
    assignment): the review queue is brought up to date in the same transaction."""

    def delete_model(self, request, obj):
        span = obj.span
        super().delete_model(request, obj)
        services.queue_refresh(project=span.project, span_ids=[span.pk])

    def delete_queryset(self, request, queryset):
        spans_by_project = defaultdict(set)
        for project_id, span_id in queryset.values_list("span__project_id", "span_id"):
            spans_by_project[project_id].add(span_id)
        super().delete_queryset(request, queryset)
        for project in Project.objects.filter(pk__in=spans_by_project):
            services.queue_refresh(project=project, span_ids=spans_by_project[project.pk])


@admin.register(Adjudication)
class AdjudicationAdmin(ReopensSpansOnDelete, SimpleHistoryAdmin):
    list_display = ("span", "label", "editor", "decided_at", "updated_at")
    list_filter = (("span__project", admin.RelatedOnlyFieldListFilter), "label")
    search_fields = ("label", "rationale", "span__quote")
    list_select_related = ("span", "editor")
    readonly_fields = ("span", "editor", "label", "rationale", "considered_verdicts", "decided_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(ReopensSpansOnDelete, admin.ModelAdmin):
    list_display = ("span", "reviewer", "created_at")
    list_filter = (("span__project", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("span", "reviewer")
    readonly_fields = ("span", "reviewer", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


class ArticleSpanInline(admin.TabularInline):
    model = Span
    extra = 0
    fields = ("quote_in_context", "project", "start", "end", "orphaned", "created_by")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "created_by")

    @admin.display(description="quote in context")
    def quote_in_context(self, span: Span):
        return quote_in_context(span)


# Articles belong to the corpus app, which knows nothing of spans: the inline is added here.
class ArticleWithSpansAdmin(ArticleAdmin):
    inlines = (*ArticleAdmin.inlines, ArticleSpanInline)


admin.site.unregister(Article)
admin.site.register(Article, ArticleWithSpansAdmin)
