"""The tokens page: a user's personal API tokens, a form to create one and revoke buttons; the
page of a login refused by the throttle (django-axes)."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import ApiTokenCreateForm


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
