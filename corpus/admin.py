from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from corpus.models import Article


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ("title", "publisher", "published_on", "language", "created_at")
    list_filter = ("publisher", ("published_on", admin.DateFieldListFilter), "language")
    search_fields = ("title", "subtitle", "publisher", "origin")
    date_hierarchy = "published_on"
    list_per_page = 50
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Spans point into the body by offset, so it is never edited in place (revisions come later).
    readonly_fields = ("body", "raw_text", "content_hash", "origin", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "subtitle", "authors", "publisher", "published_on")}),
        ("Source", {"fields": ("source_url", "language", "language_confidence", "origin")}),
        ("Text", {"fields": ("body",)}),
        (
            "Provenance",
            {
                "classes": ("collapse",),
                "fields": ("raw_text", "content_hash", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body", "raw_text")

    def has_add_permission(self, request) -> bool:
        # Articles enter through the import service, which canonicalises and deduplicates them.
        return False
