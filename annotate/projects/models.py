"""Projects and their members: the labelling effort, its scale, its review settings, its people."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from annotate.limits import model_text_limits_check
from corpus.models import Article

FEVER_CLASSES = ("SUPPORTS", "REFUTES", "NOT ENOUGH INFO")


class Project(models.Model):
    """A labelling effort: a rating scale, review settings and the articles it covers."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)
    scale_preset = models.CharField(
        max_length=20, blank=True, help_text="The preset the scale was copied from, if any."
    )
    scale = models.JSONField(
        help_text='Ordered labels: [{"label", "description", "needs_sources"}], most true first.'
    )
    scale_is_ordinal = models.BooleanField(default=False)
    reviews_per_claim = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    blind_review = models.BooleanField(
        default=True, help_text="Reviewers see others' verdicts only after submitting their own."
    )
    sources_required = models.BooleanField(
        default=True,
        help_text="Submitted verdicts cite a source, except for labels that need none.",
    )
    fever_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text='For FEVER exports: {"scale label": "SUPPORTS" | "REFUTES" | "NOT ENOUGH INFO"}; '
        "labels not listed keep the preset's default mapping.",
    )
    # Claims across articles (annotate.claims): a candidate claim scoring at least the first is
    # suggested for a new span, at least the second is linked without asking (texts of more than
    # 8 words only). Measured on tests/fixtures/claims/pairs.jsonl; see README.
    match_suggest_threshold = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    match_autolink_threshold = models.FloatField(
        default=0.85, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    articles = models.ManyToManyField(Article, related_name="projects", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="project_unique_slug"),
            models.CheckConstraint(
                condition=Q(reviews_per_claim__gte=1), name="project_reviews_per_claim_positive"
            ),
            models.CheckConstraint(
                condition=Q(
                    match_suggest_threshold__gte=0,
                    match_suggest_threshold__lte=F("match_autolink_threshold"),
                    match_autolink_threshold__lte=1,
                ),
                name="project_match_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        model_text_limits_check(self)
        if not isinstance(self.scale, list) or not self.scale:
            raise ValidationError({"scale": _("A scale needs at least one label.")})
        labels = []
        for entry in self.scale:
            label = entry.get("label") if isinstance(entry, dict) else None
            if not isinstance(label, str) or not label.strip():
                raise ValidationError({"scale": _("Every scale entry needs a non-empty label.")})
            labels.append(label)
        if len(set(labels)) != len(labels):
            raise ValidationError({"scale": _("Scale labels must be unique.")})
        if self.match_suggest_threshold > self.match_autolink_threshold:
            raise ValidationError(
                {"match_suggest_threshold": _("Suggest at or below the auto-link threshold.")}
            )
        mapping = self.fever_mapping if isinstance(self.fever_mapping, dict) else None
        if mapping is None or any(
            label not in labels or target not in FEVER_CLASSES for label, target in mapping.items()
        ):
            raise ValidationError(
                {
                    "fever_mapping": _("Map labels of the scale to %(classes)s.")
                    % {"classes": ", ".join(FEVER_CLASSES)}
                }
            )

    @property
    def labels(self) -> list[str]:
        return [entry["label"] for entry in self.scale]

    def label_needs_sources(self, label: str) -> bool:
        return self.sources_required and any(
            entry["label"] == label and entry.get("needs_sources", True) for entry in self.scale
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        EDITOR = "editor", gettext_lazy("Editor")
        REVIEWER = "reviewer", gettext_lazy("Reviewer")
        VIEWER = "viewer", gettext_lazy("Viewer")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_one_per_user"),
            models.CheckConstraint(
                condition=Q(role__in=["editor", "reviewer", "viewer"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} #{self.user_id} in project #{self.project_id}"


class Invitation(models.Model):
    """A link that lets someone join the project with a role: a new person sets a username and
    password, a logged-in user accepts. Only the token's hash is stored; the link is shown (and
    mailed) once, when the invitation is made. Used once; revoked by an editor; expires."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, help_text="SHA-256 of the link's token, in hex.")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="invitation_unique_token_hash"),
            models.CheckConstraint(
                condition=Q(role__in=["editor", "reviewer", "viewer"]), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} invitation #{self.pk} to project #{self.project_id}"
