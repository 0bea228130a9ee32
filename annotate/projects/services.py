"""Projects, their articles, their members and the invitations to join them."""

import logging
import smtplib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from annotate.access import Role, forget_roles, require_editor, require_moderator
from annotate.models import Invitation, Membership, Project
from annotate.projects.invitations import DEFAULT_INVITATION_ROLE, invitation_token_new
from annotate.projects.scales import PRESETS
from annotate.projects.selectors import invitation_by_token
from annotate.review.services.review import queue_refresh
from annotate.review.services.status import span_status_refresh
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.models import Article
from corpus.services import ImportReport, ImportResult, ResultHandler, import_articles

# Stored articles join the project this many at a time, as the import service stores them.
JOIN_EVERY = 500

logger = logging.getLogger(__name__)


def may_create_projects(actor) -> bool:
    """Staff, or anyone granted the admin's add-project permission: every door asks this."""
    return actor.is_authenticated and (actor.is_staff or actor.has_perm("annotate.add_project"))


@transaction.atomic
def project_create(
    *,
    actor,
    name: str,
    slug: str,
    description: str = "",
    scale_preset: str = "plain",
    scale: list[dict] | None = None,
    scale_is_ordinal: bool | None = None,
    reviews_per_claim: int = 2,
    blind_review: bool = True,
    sources_required: bool = True,
    fever_mapping: dict[str, str] | None = None,
) -> Project:
    """A new project with a preset or custom scale; its creator becomes its first editor."""
    if not may_create_projects(actor):
        raise PermissionDenied(gettext("Only staff may create projects."))
    if scale is None:
        preset = PRESETS.get(scale_preset)
        if preset is None:
            raise ValidationError(
                {
                    "scale_preset": (
                        gettext("Unknown preset; choose one of %(join)s.")
                        % {"join": ", ".join(PRESETS)}
                    )
                }
            )
        scale = preset.as_scale()
        scale_is_ordinal = preset.ordinal if scale_is_ordinal is None else scale_is_ordinal
    else:
        scale_preset = ""
        scale = [
            {
                "label": str(entry.get("label", "")).strip(),
                "description": str(entry.get("description", "")),
                "needs_sources": bool(entry.get("needs_sources", True)),
            }
            for entry in scale
            if isinstance(entry, dict)
        ]
    project = Project(
        name=name.strip(),
        slug=slug,
        description=description,
        scale_preset=scale_preset,
        scale=scale,
        scale_is_ordinal=bool(scale_is_ordinal),
        reviews_per_claim=reviews_per_claim,
        blind_review=blind_review,
        sources_required=sources_required,
        fever_mapping=fever_mapping or {},
    )
    project.full_clean()
    project.save()
    Membership.objects.create(project=project, user=actor, role=Role.EDITOR)
    return project


@transaction.atomic
def project_save(*, project: Project, actor, changed: Iterable[str] = ()) -> Project:
    """Save a project edited as a whole (the admin's form). A new one gets its creator as first
    editor, as project_create does; a changed reviews_per_claim reopens or closes queue slots."""
    is_new = project.pk is None
    if is_new:
        if not may_create_projects(actor):
            raise PermissionDenied(gettext("Only staff may create projects."))
    else:
        require_moderator(
            project, actor, "annotate.change_project", gettext_lazy("edit the project")
        )
    project.full_clean()
    project.save()
    if is_new:
        Membership.objects.create(project=project, user=actor, role=Role.EDITOR)
    elif "reviews_per_claim" in changed:
        queue_refresh(project=project)
        span_status_refresh(project=project)  # agreed needs k submitted verdicts
    return project


@transaction.atomic
def project_articles_add(*, project: Project, actor, articles: Iterable[Article]) -> None:
    """Put articles chosen by id in the project (an article may be in several projects)."""
    require_editor(project, actor, gettext_lazy("add articles to the project"))
    articles = list(articles)
    if not actor.is_staff:
        # Editors take articles from the shared corpus or from their own projects. One of a
        # project they cannot read is refused as if it did not exist, in the words a missing id
        # gets: which ids exist there is not theirs to learn.
        allowed = set(
            Article.objects.filter(pk__in=[a.pk for a in articles])
            .filter(Q(projects__isnull=True) | Q(projects__memberships__user=actor))
            .values_list("pk", flat=True)
        )
        if refused := sorted(a.pk for a in articles if a.pk not in allowed):
            raise ValidationError(
                {"articles": [gettext("No such article: %(refused)s") % {"refused": refused}]}
            )
    project.articles.add(*articles)


@transaction.atomic
def project_articles_import(*, project: Project, actor, articles: Iterable[Article]) -> None:
    """Put articles whose full text the actor has just sent (an import) in the project.

    Holding an article's text is the right to it: a text already stored, even only in projects
    the actor cannot read, brings that article into this project. Refusing it instead would
    answer with what the actor may not know: that article's id and whereabouts.
    """
    require_editor(project, actor, gettext_lazy("add articles to the project"))
    project.articles.add(*articles)


def project_import_articles(
    *,
    project: Project,
    actor,
    items: Iterable[ArticleDraft | ImportFailure],
    dry_run: bool = False,
    on_result: ResultHandler | None = None,
) -> ImportReport:
    """Import articles (corpus's import service) and put every one stored, new or already there,
    in the project: the import of the command, the upload page and the URL form.

    Not one transaction: like the corpus import, each batch is stored on its own, and the
    articles stored so far join the project as the import goes, so an import cut short keeps
    what it stored in the project and a rerun completes it.
    """
    require_editor(project, actor, gettext_lazy("add articles to the project"))
    waiting: list[int] = []

    def join_waiting() -> None:
        if waiting:
            project_articles_import(
                project=project,
                actor=actor,
                articles=Article.objects.filter(pk__in=waiting).only("pk"),
            )
            waiting.clear()

    def collect(result: ImportResult) -> None:
        if result.article_id is not None and not dry_run:
            waiting.append(result.article_id)
            if len(waiting) >= JOIN_EVERY:
                join_waiting()
        if on_result is not None:
            on_result(result)

    report = import_articles(items=items, dry_run=dry_run, on_result=collect)
    join_waiting()
    return report


@transaction.atomic
def membership_set_role(*, project: Project, actor, user, role: str | None) -> Membership | None:
    """Give `user` a role in the project, change it, or (role None) remove them.

    Editors manage members; a superuser may too, so that a project can get its first editor.
    The last editor cannot be demoted or removed: a project without one cannot be managed.
    """
    if not actor.is_superuser:
        require_editor(project, actor, gettext_lazy("manage members"))
    if role is not None and role not in Role.values:
        raise ValidationError(
            {"role": gettext("Choose one of %(join)s.") % {"join": ", ".join(Role.values)}}
        )
    # Lock the project's memberships so two editors demoting each other cannot both succeed.
    editors = list(
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.EDITOR)
        .values_list("user_id", flat=True)
    )
    if editors == [user.pk] and role != Role.EDITOR:
        raise ValidationError({"role": gettext("A project needs at least one editor.")})
    forget_roles(project)
    if role is None:
        Membership.objects.filter(project=project, user=user).delete()
        return None
    membership, _ = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def invitation_create(
    *,
    project: Project,
    actor,
    role: str = DEFAULT_INVITATION_ROLE,
    email: str = "",
    accept_url: Callable[[str], str],
) -> tuple[Invitation, str]:
    """An invitation to join the project with `role`, and its link (`accept_url(token)`): the
    only time the link exists, since only the token's hash is stored. With an email, the link is
    mailed too (after commit) and an earlier pending invitation to that address is revoked, so
    one address holds one live link."""
    require_editor(project, actor, gettext_lazy("invite people"))
    if role not in Role.values:
        raise ValidationError(
            {"role": gettext("Choose one of %(join)s.") % {"join": ", ".join(Role.values)}}
        )
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": gettext("Enter a valid email address.")}) from None
    now = timezone.now()
    if email:
        Invitation.objects.filter(
            project=project,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
    token, token_hash = invitation_token_new()
    invitation = Invitation(
        project=project,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=actor,
        expires_at=now + settings.INVITATION_MAX_AGE,
    )
    invitation.full_clean()
    invitation.save()
    link = accept_url(token)
    if email:
        transaction.on_commit(lambda: _invitation_mail(invitation, link))
    return invitation, link


def _invitation_mail(invitation: Invitation, link: str) -> None:
    """Mail the link; a mail server that refuses costs the invitee the mail, not the editor the
    invitation: the page shows the link to share by other means."""
    inviter = (
        invitation.invited_by.get_username() if invitation.invited_by else gettext("An editor")
    )
    body = gettext(
        "%(inviter)s invites you to the project “%(project)s” on the fact-check workbench, "
        "as %(role)s.\n\nOpen this link to join (it works once, until %(expires_at)s UTC):\n"
        "%(link)s\n"
    ) % {
        "inviter": inviter,
        "project": invitation.project.name,
        "role": invitation.get_role_display().lower(),
        "expires_at": format(invitation.expires_at, "%d %b %Y, %H:%M"),
        "link": link,
    }
    try:
        send_mail(
            gettext("Invitation to “%(project)s”") % {"project": invitation.project.name},
            body,
            None,  # DEFAULT_FROM_EMAIL
            [invitation.email],
        )
    except (OSError, smtplib.SMTPException):
        logger.warning("invitation #%s: the mail to its address failed", invitation.pk)


@transaction.atomic
def invitation_accept(
    *, token: str, user=None, username: str = "", password: str = ""
) -> Membership:
    """Join the project an invitation names, with its role: as `user` (logged in) or as a new
    account with `username` and `password`. The invitation is used up; a revoked, used or
    expired one is refused (InvitationRefused), as is a user already in the project."""
    invitation = invitation_by_token(token=token, for_update=True)
    project = invitation.project
    if user is None:
        user = _invited_user_create(invitation, username=username, password=password)
    else:
        role = (
            Membership.objects.filter(project=project, user=user)
            .values_list("role", flat=True)
            .first()
        )
        if role is not None:
            raise ValidationError(
                gettext(
                    "You are already a member of “%(name)s”, as %(role)s; this "
                    "invitation stays open for whom it was meant."
                )
                % {"name": project.name, "role": role}
            )
    membership = Membership.objects.create(project=project, user=user, role=invitation.role)
    forget_roles(project)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _invited_user_create(invitation: Invitation, *, username: str, password: str):
    User = get_user_model()
    username = User.normalize_username(username.strip())
    candidate = User(username=username, email=invitation.email)
    try:
        candidate.full_clean(exclude=["password"])  # the username's rules, uniqueness included
    except ValidationError as error:
        raise ValidationError(
            {"username": error.message_dict.get("username", error.messages)}
        ) from None
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    candidate.set_password(password)
    candidate.save()
    return candidate


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    """Void an invitation's link (editors, or staff with the admin's change permission). One
    already accepted stays: remove the member."""
    require_moderator(
        invitation.project, actor, "annotate.change_invitation", gettext_lazy("revoke invitations")
    )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(
            gettext("This invitation was already accepted; remove the member instead.")
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation
