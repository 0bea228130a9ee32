"""Claims (a canonical statement with a final verdict), their appearances (spans linked to
them) and the match decisions that calibrate the thresholds (ClaimReview's Claim/appearance)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from annotate.limits import model_text_limits_check
from annotate.projects.models import Project
from annotate.review.models import Adjudication, Span


class Claim(models.Model):
    """One statement, made in one or more articles of a project, checked once.

    Its first appearance is derived (claims.selectors.with_first_appearance), never stored.
    Claims belong to one project; claims of several projects that are the same statement are
    joined by ClaimLinks.
    """

    class VerdictOrigin(models.TextChoices):
        ADJUDICATION = "adjudication", _("From an adjudication of an appearance")
        EDITOR = "editor", _("Set by an editor")
        REUSED = "reused", _("Reused from an earlier check")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="claims")
    text = models.TextField(help_text="The canonical wording, editable by editors.")
    claimant = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=35, help_text="BCP 47 tag, e.g. en or pt-BR.")
    # PostgreSQL's text search configuration for `language` (claims.matching.search_config_for),
    # set by the services: the full-text index reads it (migration 0009). Unused on SQLite.
    search_config = models.CharField(max_length=20, default="simple", editable=False)
    verdict_label = models.CharField(
        max_length=100, blank=True, help_text="The final verdict: a label of the project's scale."
    )
    verdict_rationale = models.TextField(blank=True)
    verdict_origin = models.CharField(max_length=20, choices=VerdictOrigin.choices, blank=True)
    verdict_adjudication = models.ForeignKey(
        Adjudication,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        help_text="The adjudication the final verdict was taken from, if any.",
    )
    verdict_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim_verdicts_set",
    )
    verdict_set_at = models.DateTimeField(null=True, blank=True)
    # A settled claim's appearances are not handed out by the review queue (they cost no new k
    # reviews) unless an editor asks for fresh reviews here.
    fresh_reviews = models.BooleanField(
        default=False,
        help_text="Ask for fresh reviews of its appearances although it is settled.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]  # not "project": that would join projects to order by their name
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_blank"),
            models.CheckConstraint(
                condition=Q(verdict_origin__in=["", "adjudication", "editor", "reused"]),
                name="claim_verdict_origin_valid",
            ),
            # A verdict is whole (label, origin, when) or absent.
            models.CheckConstraint(
                condition=Q(verdict_label="", verdict_origin="", verdict_set_at__isnull=True)
                | (~Q(verdict_label="") & ~Q(verdict_origin="") & Q(verdict_set_at__isnull=False)),
                name="claim_verdict_whole_or_absent",
            ),
        ]
        indexes = [models.Index(fields=["project", "language"], name="claim_project_lang_idx")]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"“{text}”"

    def clean(self) -> None:
        model_text_limits_check(self)

    @property
    def has_verdict(self) -> bool:
        return bool(self.verdict_label)


class Appearance(models.Model):
    """A span linked to a claim: where and how the claim was said. A span has at most one claim;
    unlinking deletes the row and its history keeps the record."""

    class LinkMethod(models.TextChoices):
        CREATED = "created", _("Founded the claim")
        CONFIRMED = "confirmed", _("Confirmed by a member")
        AUTO = "auto", _("Linked automatically")
        IMPORTED = "imported", _("Imported")

    span = models.OneToOneField(Span, on_delete=models.CASCADE, related_name="appearance")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    link_method = models.CharField(max_length=10, choices=LinkMethod.choices)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appearances_linked",
        help_text="Empty for automatic links.",
    )
    score = models.FloatField(null=True, blank=True, help_text="The match score, 0 to 1.")
    linked_at = models.DateTimeField(default=timezone.now)
    # An editor closed this appearance with the claim's final verdict (appearance_verdict_reuse):
    # who and when; the span carries it as its adjudication.
    verdict_reused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim_verdicts_reused",
    )
    verdict_reused_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_id", "linked_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(link_method__in=["created", "confirmed", "auto", "imported"]),
                name="appearance_link_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="appearance_score_0_to_1",
            ),
            # Automatic links say by how much; people's links say who.
            models.CheckConstraint(
                condition=~Q(link_method="auto") | Q(score__isnull=False, linked_by__isnull=True),
                name="appearance_auto_has_score",
            ),
            models.CheckConstraint(
                condition=~Q(link_method__in=["created", "confirmed"]) | Q(linked_by__isnull=False),
                name="appearance_confirmed_has_user",
            ),
            models.CheckConstraint(
                condition=Q(verdict_reused_by__isnull=True, verdict_reused_at__isnull=True)
                | Q(verdict_reused_by__isnull=False, verdict_reused_at__isnull=False),
                name="appearance_reuse_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"span #{self.span_id} → claim #{self.claim_id} ({self.link_method})"


class MatchDecision(models.Model):
    """One labelled pair: a claim suggested for a span and what became of it (shown, confirmed,
    rejected, auto-linked), with both texts as they were and the stage scores."""

    class Decision(models.TextChoices):
        SHOWN = "shown", _("Shown")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        AUTO_LINKED = "auto_linked", _("Linked automatically")

    # SET_NULL: the pair's texts are kept here, so the calibration data outlives a deleted span.
    span = models.ForeignKey(
        Span, on_delete=models.SET_NULL, null=True, related_name="match_decisions"
    )
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="match_decisions")
    span_text = models.TextField()
    claim_text = models.TextField()
    scores = models.JSONField(
        default=dict, blank=True, help_text='{"score": fused, "words": .., "trigram": .., ...}'
    )
    decision = models.CharField(max_length=12, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="match_decisions",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["shown", "confirmed", "rejected", "auto_linked"]),
                name="match_decision_valid",
            ),
        ]
        indexes = [models.Index(fields=["span", "claim"], name="match_decision_pair_idx")]

    def __str__(self) -> str:
        return f"{self.decision}: span #{self.span_id} ~ claim #{self.claim_id}"


class ClaimLink(models.Model):
    """Two claims of different projects that make the same statement, linked by someone who
    edits both projects. Stored once per pair, the smaller pk first (claims.services
    .claim_link_create orders them), so a pair cannot be linked twice in either order."""

    claim_low = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_low")
    claim_high = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links_high")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_links_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_low_id", "claim_high_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim_low__lt=F("claim_high")), name="claim_link_ordered_pair"
            ),
            models.UniqueConstraint(fields=["claim_low", "claim_high"], name="claim_link_once"),
        ]
        indexes = [models.Index(fields=["claim_high"], name="claim_link_high_idx")]

    def __str__(self) -> str:
        return f"claim #{self.claim_low_id} = claim #{self.claim_high_id}"


class ClaimComment(models.Model):
    """A note of an editor or reviewer on a claim's page (plain text, shown escaped)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_comments"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["claim_id", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="claim_comment_body_not_blank"),
        ]

    def __str__(self) -> str:
        return f"comment #{self.pk} on claim #{self.claim_id}"

    def clean(self) -> None:
        model_text_limits_check(self)


class ClaimVector(models.Model):
    """A claim's sentence embedding: float32 bytes with the model that made them, its dimension
    and a digest of the text it was computed from. A vector of another model, or of an older
    text, is stale: search skips it and the claim-embeddings job replaces it. Editing a claim's
    text retires its vector (empty bytes and digest, a new version) until the job has run."""

    claim = models.OneToOneField(
        Claim, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    # Denormalised from the claim so that a project's vectors load with one indexed query.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100, help_text="Package and version that computed it.")
    dimension = models.PositiveSmallIntegerField()
    text_sha256 = models.CharField(max_length=64)
    vector = models.BinaryField(help_text="float32, little-endian, unit length.")
    computed_at = models.DateTimeField(default=timezone.now)
    # The project's ClaimVectorStamp.version of the transaction that stored it: versions follow
    # commit order (the stamp's row lock), so a process that read up to version v has seen
    # every vector stored before and needs only those after.
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["claim_id"]
        indexes = [
            models.Index(fields=["project", "model", "version"], name="claim_vector_project_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(dimension__gt=0), name="claim_vector_dimension"),
        ]

    def __str__(self) -> str:
        return f"vector of claim #{self.claim_id} ({self.model})"


class ClaimVectorStamp(models.Model):
    """A project's count of vector writes: every transaction storing vectors takes this row's
    lock and the next version (claims.matching.vectors reads what changed since its copy)."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"claim vectors of project #{self.project_id}: version {self.version}"
