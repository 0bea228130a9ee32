"""Project membership pages: the Members page (roles, invitations) and an invitation's link."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from annotate.access import (
    Need,
    access_invitation,
    access_project,
    capabilities,
)
from annotate.errors import InvitationRefused
from annotate.projects import selectors as project_selectors
from annotate.projects import services as project_services
from annotate.web.forms import (
    InvitationAcceptForm,
    MemberForm,
    attach_errors,
)

# The upload page lists at most this many imported inputs (all failures are listed).
IMPORTED_ROWS_SHOWN = 200


@login_required
@never_cache  # the answer to an invitation carries its link: no cache may keep a copy
def members(request: HttpRequest, project_pk: int) -> HttpResponse:
    need = Need.MANAGE if request.method == "POST" else Need.READ
    project = access_project(request.user, project_pk, need=need)
    form = MemberForm(request.POST or None)
    invitation = link = None
    if request.method == "POST" and form.is_valid():
        invitee, role = form.cleaned_data["invitee"].strip(), form.cleaned_data["role"]
        user = get_user_model().objects.filter(username=invitee).first() if invitee else None
        try:
            if user is not None:
                removing = "remove" in request.POST
                project_services.membership_set_role(
                    project=project, actor=request.user, user=user, role=None if removing else role
                )
            elif "remove" in request.POST or (invitee and "@" not in invitee):
                form.add_error("invitee", _("No user with this name."))
            else:
                invitation, link = project_services.invitation_create(
                    project=project,
                    actor=request.user,
                    role=role,
                    email=invitee,
                    accept_url=lambda token: request.build_absolute_uri(
                        reverse("annotate:invitation", args=[token])
                    ),
                )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error("invitee" if field == "email" else field, errors)
        else:
            if user is not None:
                messages.success(request, _("Members updated."))
                return redirect("annotate:members", project.pk)
            if invitation is not None:
                # The link is rendered into this response only (no redirect, no session).
                form = MemberForm()
    return render(
        request,
        "annotate/members.html",
        {
            "project": project,
            "capabilities": capabilities(project, request.user),
            "members": project_selectors.project_members(project=project, user=request.user),
            "invitations": project_selectors.project_pending_invitations(
                project=project, user=request.user
            ),
            "form": form,
            "invitation": invitation,
            "invitation_link": link,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, project_pk: int, invitation_pk: int) -> HttpResponse:
    invitation = access_invitation(request.user, project_pk, invitation_pk)
    try:
        project_services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation is revoked: its link no longer works."))
    return redirect("annotate:members", invitation.project_id)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: a new person makes an account, a logged-in user joins; a link that
    cannot be used says why (404 unknown, 410 revoked, used or expired)."""
    try:
        invitation = project_selectors.invitation_by_token(token=token)
    except InvitationRefused as refused:
        return render(
            request,
            "annotate/invitation_refused.html",
            {"reason": refused.http_detail},
            status=refused.http_status,
        )
    member = request.user.is_authenticated
    form = None if member else InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and (member or form.is_valid()):
        try:
            membership = project_services.invitation_accept(
                token=token,
                user=request.user if member else None,
                username="" if member else form.cleaned_data["username"],
                password="" if member else form.cleaned_data["password"],
            )
        except InvitationRefused as refused:
            return render(
                request,
                "annotate/invitation_refused.html",
                {"reason": refused.http_detail},
                status=refused.http_status,
            )
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
            else:
                attach_errors(error, form)
        else:
            if not member:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                (
                    _("Welcome to “%(name)s”: you joined as %(lower)s.")
                    % {
                        "name": invitation.project.name,
                        "lower": membership.get_role_display().lower(),
                    }
                ),
            )
            return redirect("annotate:project", invitation.project_id)
    return render(
        request,
        "annotate/invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if form is not None and form.errors else 200,
    )
