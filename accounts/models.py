"""Personal API tokens: shown once, stored as a SHA-256 digest, named, revocable."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiToken(models.Model):
    """A user's key for tools. The key is 40 random bytes, so a fast digest is enough to store it
    (a slow password hash would only slow every API request); `prefix` finds the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The key's first characters, shown in lists."
    )
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["digest"], name="apitoken_unique_digest"),
            models.UniqueConstraint(fields=["prefix"], name="apitoken_unique_prefix"),
            models.CheckConstraint(condition=~Q(name=""), name="apitoken_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Profile(models.Model):
    """A user's own settings. `preferred_language` is a code of settings.LANGUAGES, or empty for
    "the browser's language" (the switcher's cookie, then Accept-Language). No `choices`: adding a
    language to LANGUAGES must not need a migration; the service checks the code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    preferred_language = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"
