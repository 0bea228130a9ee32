"""The user's language preference: which codes are shipped, and where a session keeps the
preference so that pages need no query to honour it (accounts.middleware.PreferredLanguage)."""

from django.conf import settings

# Django's own session key of the chosen language is gone since 4.0; this one is ours.
SESSION_KEY = "preferred_language"


def shipped_language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}
