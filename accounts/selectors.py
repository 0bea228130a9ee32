"""Reads of API tokens and of a user's profile."""

import hmac

from django.db.models import QuerySet

from accounts.models import ApiToken, Profile
from accounts.services import PREFIX_CHARS, token_digest


def tokens_for_user(*, user) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they say when)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "pk")


def active_token_for_key(*, key: str) -> ApiToken | None:
    """The unrevoked token this key belongs to, with its user, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=key[:PREFIX_CHARS], revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, token_digest(key)):
        return None
    return token


def preferred_language_of(*, user) -> str:
    """The user's preferred language code, or "" if they leave it to the browser."""
    return (
        Profile.objects.filter(user=user).values_list("preferred_language", flat=True).first() or ""
    )
