from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from corpus import services
from corpus.language import language_tag_clean
from corpus.models import Article


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["language"]  # the admin passes its fieldsets' fields

    def clean_language(self) -> str:
        try:
            return language_tag_clean(self.cleaned_data["language"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["language"]) from None


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = ("title", "publisher", "published_on", "language", "created_at")
    list_filter = ("publisher", ("published_on", admin.DateFieldListFilter), "language")
    search_fields = ("title", "subtitle", "publisher", "origin")
    date_hierarchy = "published_on"
    list_per_page = 50
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Spans point into the body by offset, so it is never edited in place (revisions come later).
    readonly_fields = (
        "body",
        "raw_text",
        "content_hash",
        "origin",
        "language_confidence",
        "created_at",
        "updated_at",
    )
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

    def save_model(self, request, obj, form, change) -> None:
        if not (change and "language" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        # A language set by a person goes through the service (it clears the detector's
        # confidence); the other fields are saved as the admin always does.
        stated = obj.language
        if set(form.changed_data) - {"language"}:
            obj.language = form.initial["language"]
            super().save_model(request, obj, form, change)
        services.article_language_change(article=obj, language=stated, actor=request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body", "raw_text")

    def has_add_permission(self, request) -> bool:
        # Articles enter through the import service, which canonicalises and deduplicates them.
        return False
