"""The user's preferred language wins over the switcher's cookie and Accept-Language, which
Django's LocaleMiddleware has already weighed by the time this runs (after authentication)."""

from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.preferences import SESSION_KEY, shipped_language_codes
from accounts.selectors import preferred_language_of
from config.unavailable import is_database_unavailable


class PreferredLanguage:
    """Activate the preference kept in the session: no query per page (it is read at login and
    written when the user changes it), so page query counts stay as they were."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            language = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        except Exception as error:
            # A lost database: the view meets it again and DatabaseUnavailable answers 503; an
            # exception raised here, outside any view, would end as a 500.
            if not is_database_unavailable(error):
                raise
            language = None
        if language and language in shipped_language_codes():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="accounts.preferred_language_at_login")
def remember_preferred_language(sender, request, user, **kwargs) -> None:
    # A signal because every login door (the login page, an invitation's account creation,
    # the admin) calls django.contrib.auth.login, and only it knows the new session.
    if request is None or not hasattr(request, "session"):
        return
    language = preferred_language_of(user=user)
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)
