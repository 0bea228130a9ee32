"""Creating and revoking API tokens; a user's profile settings."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import ApiToken, Profile
from accounts.preferences import shipped_language_codes

KEY_PREFIX = "fcw_"  # makes leaked keys easy to recognise (and to scan for)
PREFIX_CHARS = 12


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user and its key, which is shown this once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("Name the token after the tool that will use it.")})
    if len(name) > 100:
        raise ValidationError({"name": gettext("Keep the name under 100 characters.")})
    for _ in range(3):  # a prefix collision is astronomically rare; retry rather than fail
        key = KEY_PREFIX + secrets.token_urlsafe(40)
        token = ApiToken(user=user, name=name, prefix=key[:PREFIX_CHARS], digest=token_digest(key))
        try:
            with transaction.atomic():
                token.save()
        except IntegrityError:
            continue
        return token, key
    raise RuntimeError("could not generate a unique token prefix")


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token at once; only its owner (or a superuser) may."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(gettext("Only the token's owner may revoke it."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def profile_language_set(*, user, language: str) -> Profile:
    """Store the user's preferred language: a shipped code, or "" for the browser's choice."""
    if language and language not in shipped_language_codes():
        raise ValidationError(
            {"preferred_language": gettext("Choose one of the languages offered.")}
        )
    profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
    if profile.preferred_language != language:
        profile.preferred_language = language
        profile.full_clean()
        profile.save(update_fields=["preferred_language"])
    return profile
