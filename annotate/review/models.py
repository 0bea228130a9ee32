"""Spans (highlighted claims), predictions, review slots, verdicts with sources, comments and
adjudications."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from annotate.limits import model_text_limits_check
from annotate.projects.models import Project
from corpus.fields import WebURLField
from corpus.models import Article

_IS_HTTP_URL = Q(url__startswith="http://") | Q(url__startswith="https://")


class SpanStatus(models.TextChoices):
    """A span's review status, derived from verdicts, adjudication and k by the rule of
    annotate.review.status; stored only as `Span.review_status`, a copy the services keep."""

    OPEN = "open", _("open")
    IN_REVIEW = "in_review", _("in review")
    CONTESTED = "contested", _("contested")
    AGREED = "agreed", _("agreed")
    ADJUDICATED = "adjudicated", _("adjudicated")

    @classproperty
    def ALL(cls) -> tuple[str, ...]:  # the name callers used before the choices
        return tuple(cls.values)


class Span(models.Model):
    """A highlighted claim: [start, end) in code points of the article body (FORMATS.md §1)."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="spans")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    claimant = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    orphaned = models.BooleanField(
        default=False, help_text="The quote was not found after the body was revised."
    )
    anchor_errors = models.PositiveIntegerField(
        default=0, help_text="Edit errors of the last fuzzy re-anchoring; above 0 wants a look."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spans_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queue_open = models.BooleanField(
        default=True,
        db_default=True,  # rows written outside the ORM (COPY, raw SQL) start open too
        editable=False,
        help_text="May still hand out review slots: kept by the review services so that the "
        "queue reads only open spans; rechecked under a row lock before a slot is taken.",
    )
    review_status = models.CharField(
        max_length=16,
        choices=SpanStatus.choices,
        default=SpanStatus.OPEN,
        db_default=SpanStatus.OPEN,  # rows written outside the ORM (COPY) start open too
        editable=False,
        help_text="The status the rule of annotate.review.status gives the span (without blind "
        "review): a copy kept by the review services in the transaction of every write that "
        "changes it, so that the claims table filters and sorts by status off an index.",
    )
    history = HistoricalRecords(excluded_fields=["queue_open", "review_status"])

    class Meta:
        ordering = ["article", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="span_start_not_negative"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="span_end_after_start"),
            models.CheckConstraint(condition=~Q(quote=""), name="span_quote_not_blank"),
            # Orphaned spans keep their old offsets, which may be free for another span now.
            models.UniqueConstraint(
                fields=["project", "article", "start", "end"],
                condition=Q(orphaned=False),
                name="span_unique_per_project",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "article"], name="span_project_article_idx"),
            # The claims table's default order (reading order), orphaned spans included: its
            # first page is read off this index instead of sorting the project's claims.
            models.Index(fields=["project", "article", "start", "id"], name="span_table_order_idx"),
            # The claims table filtered or sorted by status: the first page is read off this
            # index (status, then reading order) instead of computing every claim's status.
            models.Index(
                fields=["project", "review_status", "article", "start", "id"],
                name="span_status_order_idx",
            ),
            # The review queue: open spans of a project in reading order, and nothing else.
            models.Index(
                fields=["project", "article", "start", "id"],
                condition=Q(queue_open=True),
                name="span_review_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        quote = self.quote if len(self.quote) <= 60 else self.quote[:59] + "…"
        return f"“{quote}” [{self.start}, {self.end})"

    def clean(self) -> None:
        model_text_limits_check(self)


class Prediction(models.Model):
    """A machine pre-annotation: a proposed claim (and label) that a reviewer may accept."""

    class Decision(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="predictions")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="predictions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    label = models.CharField(max_length=100, blank=True, help_text="The model's suggested label.")
    model_name = models.CharField(max_length=200)
    score = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="predictions_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_span = models.ForeignKey(
        Span, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_predictions"
    )
    # A rejection is a decision kept with its author, so the prediction stops being offered.
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predictions_rejected",
    )

    class Meta:
        ordering = ["article", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_span__isnull=True) | Q(rejected_at__isnull=True),
                name="prediction_accepted_or_rejected",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="prediction_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="prediction_score_0_to_1",
            ),
            models.UniqueConstraint(
                fields=["project", "article", "start", "end", "model_name"],
                name="prediction_unique_per_model",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_name}: [{self.start}, {self.end})"

    @property
    def decision(self) -> str:
        """Open until a reviewer accepts it (a span) or rejects it."""
        if self.rejected_at is not None:
            return self.Decision.REJECTED
        if self.accepted_span_id is not None:
            return self.Decision.ACCEPTED
        return self.Decision.OPEN


class Assignment(models.Model):
    """A review slot of a reviewer on a span.

    The queue hands out `reviews_per_claim` of them per span. A reviewer who judges a span
    directly (from the reader) gets one too, beyond that count: as in Label Studio, the overlap
    setting steers distribution, it does not lock anyone out of a claim they can see.
    """

    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["span", "reviewer"], name="assignment_one_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"span #{self.span_id} → user #{self.reviewer_id}"


class Skip(models.Model):
    """A reviewer passed on a span in the queue: it is not offered to them again, and the slot
    they held goes back to the pool for others. Editors read the counts."""

    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="skips")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skips"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["span", "reviewer"], name="skip_one_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"span #{self.span_id} skipped by user #{self.reviewer_id}"

    def clean(self) -> None:
        model_text_limits_check(self)


class Verdict(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="verdicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verdicts"
    )
    label = models.CharField(max_length=100, blank=True)
    rationale = models.TextField(blank=True)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["span", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["span", "reviewer"], name="verdict_one_per_reviewer"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=5),
                name="verdict_confidence_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]), name="verdict_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | (~Q(label="") & Q(submitted_at__isnull=False)),
                name="verdict_submitted_has_label",
            ),
        ]
        indexes = [models.Index(fields=["span", "status"], name="verdict_span_status_idx")]

    def __str__(self) -> str:
        return f"{self.label or 'unlabelled'} ({self.status}, v{self.version})"

    def clean(self) -> None:
        model_text_limits_check(self)


class Source(models.Model):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", _("Supports")
        REFUTES = "refutes", _("Refutes")
        CONTEXT = "context", _("Context")

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField(default=0)
    url = WebURLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    excerpt = models.TextField(blank=True, help_text="The quoted evidence.")
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.CONTEXT)
    accessed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["verdict", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=_IS_HTTP_URL, name="source_url_http_or_https"),
            models.CheckConstraint(
                condition=Q(stance__in=["supports", "refutes", "context"]),
                name="source_stance_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def clean(self) -> None:
        model_text_limits_check(self)


class Comment(models.Model):
    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="span_comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["span", "created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_blank")]

    def __str__(self) -> str:
        return self.body if len(self.body) <= 60 else self.body[:59] + "…"

    def clean(self) -> None:
        model_text_limits_check(self)


class Adjudication(models.Model):
    """An editor's final label on a span; revisions overwrite it and live on in its history."""

    span = models.OneToOneField(Span, on_delete=models.CASCADE, related_name="adjudication")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications"
    )
    label = models.CharField(max_length=100)
    rationale = models.TextField(blank=True)
    considered_verdicts = models.ManyToManyField(Verdict, related_name="adjudications", blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[considered_verdicts])

    class Meta:
        ordering = ["span", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(label=""), name="adjudication_label_not_blank")
        ]

    def __str__(self) -> str:
        return f"{self.label} (span #{self.span_id})"

    def clean(self) -> None:
        model_text_limits_check(self)
