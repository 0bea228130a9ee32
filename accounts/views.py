"""The tokens page: a user's personal API tokens, a form to create one and revoke buttons; the
settings page and the language switcher; the page of a login refused by the throttle
(django-axes)."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import selectors, services
from accounts.forms import ApiTokenCreateForm, ProfileSettingsForm
from accounts.preferences import SESSION_KEY, shipped_language_codes


@login_required
@never_cache  # the response to a create carries the key: no cache may keep a copy
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    created_token, created_key = None, None
    form = ApiTokenCreateForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            created_token, created_key = services.token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenCreateForm()
    # The key is rendered into this response only (no redirect, no session): it is never stored.
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": selectors.tokens_for_user(user=request.user),
            "created_token": created_token,
            "created_key": created_key,
            "me_url": request.build_absolute_uri(reverse("api:me")),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Other users' tokens are not in the selector's result, so their ids answer 404.
    token = get_object_or_404(selectors.tokens_for_user(user=request.user), pk=pk)
    services.token_revoke(token=token, actor=request.user)
    messages.success(
        request,
        (_("Revoked “%(name)s”: tools using it now get 401 Unauthorized.") % {"name": token.name}),
    )
    return redirect("accounts:token-list")


def _remember_language(request: HttpRequest, language: str) -> None:
    """Keep the preference in the session, where accounts.middleware reads it, and use it now."""
    if language:
        request.session[SESSION_KEY] = language
        translation.activate(language)
    else:
        request.session.pop(SESSION_KEY, None)
        # Back to the switcher's cookie and Accept-Language: this answer's message is in that
        # language, not in the preference just dropped (the next page is).
        translation.activate(translation.get_language_from_request(request))


@login_required
@require_http_methods(["GET", "POST"])
def profile_settings(request: HttpRequest) -> HttpResponse:
    """The user's own settings: the language of the pages."""
    if request.method == "POST":
        form = ProfileSettingsForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["preferred_language"]
            services.profile_language_set(user=request.user, language=language)
            _remember_language(request, language)
            messages.success(request, _("Your settings are saved."))
            return redirect("accounts:settings")
    else:
        language = selectors.preferred_language_of(user=request.user)
        form = ProfileSettingsForm(initial={"preferred_language": language})
    return render(request, "accounts/settings.html", {"form": form})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: Django's set_language (the cookie, then back to `next`),
    and for a logged-in user the preference too, so it follows them to other devices."""
    language = request.POST.get("language", "")
    if language not in shipped_language_codes():
        return HttpResponseBadRequest(_("Choose one of the languages offered."))
    if request.user.is_authenticated:
        services.profile_language_set(user=request.user, language=language)
        _remember_language(request, language)
    return set_language(request)


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: the login refused after too many failures, 429 with
    Retry-After and a page saying how long to wait (axes' own is a bare line of text)."""
    cool_off_s = int(settings.AXES_COOLOFF_TIME.total_seconds())
    page = render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cool_off_minutes": math.ceil(cool_off_s / 60),
        },
        status=429,
    )
    page["Retry-After"] = str(cool_off_s)
    return page
