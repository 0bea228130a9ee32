"""Admin for every annotation model. Every write goes through an annotate service.

What the admin may change: a project's settings (project_save), members (membership_set_role),
a span's claimant and note (span_update), a claim's text, claimant and language (claim_update);
what it may remove: projects, spans, claims, comments, adjudications and assignments (the
*_delete services: queue flags, agreement cache and history follow); invitations it may revoke
(invitation_revoke). Verdicts and sources are read-only here: they are their reviewer's words,
changed or withdrawn only by them (verdict services), and removed only with their span. Skips
are read-only too: a reviewer's own decision, which no service undoes. Invitations are made on
the project's members page, the one place that shows the link (only its hash is stored).
Appearances and match decisions are read-only: a member links and unlinks spans, and decisions
are a record; selected appearances of one claim can be split off into a new claim (claim_split).
Links between claims of different projects are made by an editor of both (API, claim page); here
they are listed and removed (claim_link_delete). Claim comments are read-only: their author's
words.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from annotate.claims import services as claim_services
from annotate.claims.selectors import with_first_appearance
from annotate.models import (
    Adjudication,
    Appearance,
    Assignment,
    Claim,
    ClaimComment,
    ClaimLink,
    Comment,
    Invitation,
    Job,
    MatchDecision,
    Membership,
    Project,
    Skip,
    Source,
    Span,
    Verdict,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from annotate.projects import services as project_services
from annotate.review import selectors, services
from annotate.review.status import SpanStatus
from corpus.admin import ArticleAdmin
from corpus.models import Article

# Changelists show articles by title only: their bodies are large and never needed there.
_ARTICLE_TEXT = ("article__body", "article__raw_text")


def quote_in_context(span: Span):
    """The quote marked up between its stored prefix and suffix (all escaped)."""
    return format_html("…{}<mark>{}</mark>{}…", span.prefix, span.quote, span.suffix)


def _refusal_message(refusal: ValidationError | PermissionDenied) -> str:
    return " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)


class DeletesThroughServices:
    """delete_model and the bulk "delete selected" action call `delete_service(<model>=...,
    actor=...)` row by row; a refusal is reported, the other rows still go."""

    delete_service = None  # set by the admin: e.g. services.comment_delete
    delete_argument = ""  # the service's keyword for the row, e.g. "comment"

    def delete_model(self, request, obj):
        self._delete(request, obj)

    def delete_queryset(self, request, queryset):
        for row in queryset:
            self._delete(request, row)

    def get_deleted_objects(self, objs, request):
        # The service decides who may remove the row with what goes with it (a span's verdicts
        # and sources, whose admins are read-only): no per-model permission veto here.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def _delete(self, request, row) -> None:
        try:
            type(self).delete_service(**{self.delete_argument: row}, actor=request.user)
        except (ValidationError, PermissionDenied) as refusal:
            self.message_user(request, _refusal_message(refusal), messages.ERROR)


class ReadOnlyAdmin:
    """View only: the rows are written elsewhere, through the services (see the module's doc)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("user", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # members are managed on the Membership admin, through the service


@admin.register(Project)
class ProjectAdmin(DeletesThroughServices, admin.ModelAdmin):
    list_display = ("name", "slug", "scale_preset", "reviews_per_claim", "blind_review")
    search_fields = ("name", "slug", "description")
    list_filter = ("scale_preset", "blind_review", "sources_required")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("articles",)
    inlines = (MembershipInline,)
    delete_service = services.project_delete
    delete_argument = "project"

    def save_model(self, request, obj, form, change):
        # The form has validated; a refusal of the service (permission) is an error page.
        project_services.project_save(project=obj, actor=request.user, changed=form.changed_data)


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

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("project", "user"):
            self._set_role(request, membership, None)

    def _set_role(self, request, membership: Membership, role: str | None) -> None:
        # The service holds the rules (editors only, never the last editor): report its refusal.
        try:
            saved = project_services.membership_set_role(
                project=membership.project, actor=request.user, user=membership.user, role=role
            )
        except (ValidationError, PermissionDenied) as refusal:
            self.message_user(request, _refusal_message(refusal), messages.ERROR)
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


class VerdictInline(ReadOnlyAdmin, admin.TabularInline):
    model = Verdict
    extra = 0
    can_delete = False
    fields = ("reviewer", "label", "status", "confidence", "version", "rationale", "source_list")
    readonly_fields = fields
    show_change_link = True

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


class CommentInline(ReadOnlyAdmin, admin.TabularInline):
    model = Comment
    extra = 0
    fields = ("author", "body", "parent", "created_at")
    readonly_fields = fields
    can_delete = False  # on the Comment admin, through comment_delete


@admin.register(Span)
class SpanAdmin(DeletesThroughServices, SimpleHistoryAdmin):
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
    delete_service = services.span_delete
    delete_argument = "span"

    def save_model(self, request, obj, form, change):
        # Also the door of a history "revert": span_update writes claimant and note only.
        try:
            services.span_update(span=obj, actor=request.user, claimant=obj.claimant, note=obj.note)
        except (ValidationError, PermissionDenied) as refusal:
            self.message_user(request, _refusal_message(refusal), messages.ERROR)

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


class SourceInline(ReadOnlyAdmin, admin.TabularInline):
    model = Source
    extra = 0
    fields = ("position", "url", "title", "excerpt", "stance", "accessed_on")
    readonly_fields = fields
    can_delete = False


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
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

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a verdict goes with its span (span_delete) or is withdrawn by its reviewer


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("title_or_url", "stance", "verdict", "accessed_on")
    list_filter = ("stance", ("verdict__span__project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("url", "title", "excerpt")
    list_select_related = ("verdict",)
    readonly_fields = ("verdict", "position", "url", "title", "excerpt", "stance", "accessed_on")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # removed by the verdict's reviewer (source_remove): a verdict may need it

    @admin.display(description="source")
    def title_or_url(self, source: Source) -> str:
        return str(source)


@admin.register(Comment)
class CommentAdmin(DeletesThroughServices, ReadOnlyAdmin, admin.ModelAdmin):
    # Read-only: a comment is its author's words; moderation removes it (comment_delete).
    list_display = ("__str__", "author", "span", "created_at")
    list_filter = (("span__project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("body", "author__username")
    list_select_related = ("author", "span")
    readonly_fields = ("span", "author", "parent", "body", "created_at")
    delete_service = services.comment_delete
    delete_argument = "comment"


@admin.register(Adjudication)
class AdjudicationAdmin(DeletesThroughServices, ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("span", "label", "editor", "decided_at", "updated_at")
    list_filter = (("span__project", admin.RelatedOnlyFieldListFilter), "label")
    search_fields = ("label", "rationale", "span__quote")
    list_select_related = ("span", "editor")
    readonly_fields = ("span", "editor", "label", "rationale", "considered_verdicts", "decided_at")
    delete_service = services.adjudication_delete
    delete_argument = "adjudication"


@admin.register(Assignment)
class AssignmentAdmin(DeletesThroughServices, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("span", "reviewer", "created_at")
    list_filter = (("span__project", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("span", "reviewer")
    readonly_fields = ("span", "reviewer", "created_at")
    delete_service = services.assignment_delete
    delete_argument = "assignment"


class InvitationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state, state) for state in ("open", "accepted", "revoked", "expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        states = {
            "open": dict(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now),
            "accepted": dict(accepted_at__isnull=False),
            "revoked": dict(revoked_at__isnull=False),
            "expired": dict(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now),
        }
        return queryset.filter(**states[self.value()]) if self.value() in states else queryset


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    # Read-only: the token's hash means nothing to edit, and a new link is shown only once, on
    # the project's members page. Revoking goes through invitation_revoke (editors of the
    # project); deleting would lose who invited whom, so there is no delete.
    list_display = (
        "__str__",
        "project",
        "email",
        "role",
        "state",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_by",
    )
    list_filter = (("project", admin.RelatedOnlyFieldListFilter), "role", InvitationStateFilter)
    search_fields = ("email", "project__name", "invited_by__username", "accepted_by__username")
    list_select_related = ("project", "invited_by", "accepted_by")
    readonly_fields = (
        "project",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )
    exclude = ("token_hash",)
    actions = ("revoke",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="state")
    def state(self, invitation: Invitation) -> str:
        if invitation.accepted_at is not None:
            return "accepted"
        if invitation.revoked_at is not None:
            return "revoked"
        return "expired" if invitation.expires_at <= timezone.now() else "open"

    @admin.action(description="Revoke selected invitations", permissions=["view"])
    def revoke(self, request, queryset):
        revoked = 0
        for invitation in queryset.select_related("project"):
            try:
                project_services.invitation_revoke(invitation=invitation, actor=request.user)
            except (ValidationError, PermissionDenied) as refusal:
                self.message_user(
                    request, f"{invitation}: {_refusal_message(refusal)}", messages.ERROR
                )
            else:
                revoked += 1
        if revoked:
            self.message_user(request, f"Revoked {revoked} invitation(s).", messages.SUCCESS)


@admin.register(Skip)
class SkipAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    # Read-only: a reviewer's own pass on a claim; no service takes it back.
    list_display = ("span", "reviewer", "reason", "created_at")
    list_filter = (("span__project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("reason", "reviewer__username", "span__quote")
    list_select_related = ("span", "reviewer")
    readonly_fields = ("span", "reviewer", "reason", "created_at")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AppearanceInline(ReadOnlyAdmin, admin.TabularInline):
    model = Appearance
    extra = 0
    fields = ("span", "link_method", "linked_by", "score", "linked_at")
    readonly_fields = fields
    can_delete = False  # unlinking is a member's act (appearance_unlink), in the API
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("span", "linked_by")


@admin.register(Claim)
class ClaimAdmin(DeletesThroughServices, SimpleHistoryAdmin):
    """Claims across articles: text, claimant and language change through claim_update, a
    delete goes through claim_delete; links and verdicts are made in the API."""

    list_display = ("__str__", "project", "language", "verdict_label", "first_appearance_on")
    list_filter = ("project", "language", "verdict_origin")
    search_fields = ("text", "claimant")
    list_select_related = ("project",)
    readonly_fields = (
        "project",
        "verdict_label",
        "verdict_rationale",
        "verdict_origin",
        "verdict_adjudication",
        "verdict_set_by",
        "verdict_set_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    fields = ("text", "claimant", "language", *readonly_fields)
    inlines = (AppearanceInline,)
    delete_service = claim_services.claim_delete
    delete_argument = "claim"

    def get_queryset(self, request):
        return with_first_appearance(super().get_queryset(request))

    def has_add_permission(self, request) -> bool:
        return False  # a claim is founded on a span (claim_create), in the API

    def save_model(self, request, obj, form, change):
        try:
            claim_services.claim_update(
                actor=request.user,
                claim=obj,
                text=obj.text,
                claimant=obj.claimant,
                language=obj.language,
            )
        except (ValidationError, PermissionDenied) as refusal:
            self.message_user(request, _refusal_message(refusal), messages.ERROR)

    @admin.display(description="first appearance", ordering="first_appearance_on")
    def first_appearance_on(self, claim: Claim):
        return claim.first_appearance_on


@admin.register(Appearance)
class AppearanceAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("__str__", "claim", "link_method", "linked_by", "score", "linked_at")
    list_filter = ("link_method", ("claim__project", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("claim", "span", "linked_by")
    readonly_fields = ("span", "claim", "link_method", "linked_by", "score", "linked_at")
    actions = ("split_off",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # unlinked by a member (appearance_unlink) or with its claim

    @admin.action(description="Split the selected appearances off into a new claim")
    def split_off(self, request, queryset):
        claim_ids = set(queryset.values_list("claim_id", flat=True))
        if len(claim_ids) != 1:
            self.message_user(request, "Select appearances of one claim.", messages.ERROR)
            return
        (claim_id,) = claim_ids
        try:
            new = claim_services.claim_split(
                actor=request.user,
                claim=Claim.objects.get(pk=claim_id),
                span_ids=list(queryset.values_list("span_id", flat=True)),
            )
        except (ValidationError, PermissionDenied) as refusal:
            self.message_user(request, _refusal_message(refusal), messages.ERROR)
        else:
            self.message_user(request, f"Split off into claim #{new.pk}.", messages.SUCCESS)


@admin.register(ClaimLink)
class ClaimLinkAdmin(ReadOnlyAdmin, DeletesThroughServices, SimpleHistoryAdmin):
    """Claims of different projects linked as the same statement: made by an editor of both
    (API, claim page), removed here through claim_link_delete."""

    list_display = ("__str__", "claim_low", "claim_high", "created_by", "created_at")
    list_select_related = ("claim_low", "claim_high", "created_by")
    readonly_fields = ("claim_low", "claim_high", "created_by", "created_at")
    delete_service = claim_services.claim_link_delete
    delete_argument = "link"


@admin.register(ClaimComment)
class ClaimCommentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    # Read-only: their author's words.
    list_display = ("__str__", "author", "created_at")
    list_filter = (("claim__project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("body",)
    list_select_related = ("author",)
    readonly_fields = ("claim", "author", "body", "created_at")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MatchDecision)
class MatchDecisionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The labelled pairs that will calibrate the thresholds: a record, never edited."""

    list_display = ("__str__", "decision", "decided_by", "score", "created_at")
    list_filter = ("decision", ("claim__project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("span_text", "claim_text")
    list_select_related = ("decided_by",)
    readonly_fields = (
        "span",
        "claim",
        "span_text",
        "claim_text",
        "scores",
        "decision",
        "decided_by",
        "created_at",
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="score")
    def score(self, decision: MatchDecision):
        return decision.scores.get("score")


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


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Background jobs, read-only: they change through their runner and the cancel door."""

    list_display = ("pk", "kind", "project", "created_by", "status", "done", "total", "created_at")
    list_filter = ("status", "kind")
    list_select_related = ("project", "created_by")
    search_fields = ("project__name", "created_by__username")
    readonly_fields = (
        "kind",
        "project",
        "created_by",
        "params",
        "status",
        "done",
        "total",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "cancel_requested",
        "attempts",
        "result",
        "result_file",
        "files_expired_at",
        "error",
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Webhook endpoints, read-only and without their secret (editors manage them on the
    project's Webhooks page or the API, and see the secret there)."""

    list_display = ("pk", "url", "project", "active", "consecutive_failures", "created_at")
    list_filter = ("active",)
    list_select_related = ("project",)
    search_fields = ("url", "project__name")
    fields = readonly_fields = (
        "project",
        "url",
        "description",
        "events",
        "active",
        "created_by",
        "created_at",
        "updated_at",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "started_at",
        "status_code",
        "latency_ms",
        "response_excerpt",
        "error",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The delivery log, read-only; redelivery is the Webhooks page's or the API's."""

    list_display = ("pk", "endpoint", "event", "status", "attempts", "created_at")
    list_filter = ("status",)
    list_select_related = ("endpoint", "event")
    search_fields = ("endpoint__url", "subject")
    inlines = [WebhookAttemptInline]
    readonly_fields = (
        "endpoint",
        "event",
        "subject",
        "status",
        "attempts",
        "redelivery",
        "created_at",
        "next_attempt_at",
        "locked_until",
        "finished_at",
        "last_status_code",
        "last_error",
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
