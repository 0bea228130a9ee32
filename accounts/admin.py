"""Admin for personal API tokens. Creating and revoking go through the services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html

from accounts import services
from accounts.models import ApiToken


class TokenStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "active"), ("revoked", "revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (TokenStatusFilter,)
    search_fields = ("user__username", "user__email", "name", "prefix")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    actions = ("revoke_tokens",)
    # A token is a credential: once created nothing about it changes but its revocation.
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def get_fields(self, request, obj=None):
        return ("user", "name") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only
        token, key = services.token_create(user=obj.user, name=obj.name)
        # The admin goes on with `obj` (history log, response): make it the created row.
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding, obj._state.db = False, token._state.db
        obj.key_shown_once = key

    def response_add(self, request, obj, post_url_continue=None):
        # Render the key in this response, not after a redirect: a message that waited for the
        # next request would sit in the messages cookie or the session. Never stored, never cached.
        self.message_user(
            request,
            format_html(
                "Token “{}” created for {}. Copy its key now, it is shown this once: "
                '<code>{}</code> <a href="{}">Back to the tokens</a>',
                obj.name,
                obj.user,
                obj.key_shown_once,
                reverse("admin:accounts_apitoken_changelist"),
            ),
            messages.WARNING,
        )
        response = TemplateResponse(
            request,
            "admin/base_site.html",
            {
                **self.admin_site.each_context(request),
                "title": "API token created",
                "content": "The key is not stored: if it is lost, revoke the token and add one.",
                "opts": self.opts,
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        revoked, refused = 0, 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            try:
                services.token_revoke(token=token, actor=request.user)
            except PermissionDenied:
                refused += 1
            else:
                revoked += 1
        self.message_user(request, f"Revoked {revoked} token{'s' if revoked != 1 else ''}.")
        if refused:
            self.message_user(
                request,
                f"{refused} token{'s' if refused != 1 else ''} not revoked: only the owner or a "
                "superuser may revoke a token.",
                messages.ERROR,
            )
