from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from corpus.fields import WebURLField
from corpus.language import language_direction

# Undated articles last on every database (PostgreSQL would put NULLs first when descending).
NEWEST_FIRST = (F("published_on").desc(nulls_last=True), "title", "pk")


class Article(models.Model):
    """A news article whose canonical `body` spans point into (code-point offsets, FORMATS.md)."""

    title = models.CharField(max_length=500)
    subtitle = models.CharField(max_length=500, blank=True)
    authors = models.JSONField(default=list, blank=True, help_text="Names, in byline order.")
    publisher = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(
        null=True, blank=True, help_text="Only when the source states it; never guessed."
    )
    source_url = WebURLField(max_length=2000, blank=True)
    language = models.CharField(max_length=35, help_text="BCP 47 tag, e.g. en or pt-BR.")
    language_confidence = models.FloatField(
        null=True,
        blank=True,
        help_text="The detector's probability when the language was detected; empty when the "
        "source stated it (or it is the default).",
    )
    body = models.TextField(help_text="Canonical text: NFC, paragraphs split by one blank line.")
    raw_text = models.TextField(help_text="The input exactly as received.")
    content_hash = models.CharField(max_length=64, editable=False)
    origin = models.CharField(max_length=1000, blank=True, help_text="File name or URL.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Body revisions (and metadata edits) are audited; bulk imports create no history rows.
    history = HistoricalRecords(excluded_fields=["raw_text"])

    class Meta:
        ordering = NEWEST_FIRST
        constraints = [
            models.UniqueConstraint(fields=["content_hash"], name="article_unique_content_hash"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_blank"),
            models.CheckConstraint(condition=~Q(body=""), name="article_body_not_blank"),
        ]
        indexes = [
            models.Index(fields=["publisher"], name="article_publisher_idx"),
            models.Index(fields=["published_on"], name="article_published_on_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("corpus:article-detail", args=[self.pk])

    @property
    def direction(self) -> str:
        """ "rtl" or "ltr", from the article's language: its text's `dir`, whatever the UI's."""
        return language_direction(self.language)

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n")
