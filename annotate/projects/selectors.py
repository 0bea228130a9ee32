"""Reads of projects: the caller's projects with their role, members, a project's articles and
"the articles of my projects" (what corpus cannot know)."""

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
)
from django.utils import timezone

from annotate.access import WRITERS, remember_role, role_in
from annotate.errors import InvitationRefused
from annotate.models import (
    Invitation,
    Membership,
    Project,
)
from annotate.projects.invitations import (
    UNKNOWN,
    invitation_token_hash,
    invitation_token_unsign,
    invitation_usable_check,
)
from corpus.models import Article
from corpus.selectors import article_catalogue


def projects_for_user(*, user) -> QuerySet[Project]:
    """The projects the user is a member of, with the user's role as `role`."""
    if not user.is_authenticated:
        return Project.objects.none()
    return (
        Project.objects.filter(memberships__user=user)
        .annotate(role=F("memberships__role"))
        .order_by("name", "pk")
    )


def project_for_user(*, user, pk: int) -> Project:
    """One project the user belongs to; Project.DoesNotExist otherwise, so others' look absent."""
    project = projects_for_user(user=user).get(pk=pk)
    remember_role(project, user, project.role)
    return project


def project_members(*, project: Project, user) -> QuerySet[Membership]:
    """The project's members with their users, for any member to read."""
    if role_in(project, user) is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(project=project)
        .select_related("user")
        .order_by("role", "user__username", "pk")
    )


def project_pending_invitations(*, project: Project, user) -> QuerySet[Invitation]:
    """Invitations of the project not yet accepted, revoked or expired, newest first, for any
    member to read (one query, whatever their number)."""
    if role_in(project, user) is None:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(
            project=project,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def invitation_by_token(*, token: str, for_update: bool = False) -> Invitation:
    """The usable invitation a link's token opens, with its project; InvitationRefused saying
    why otherwise (unknown, revoked, used, expired)."""
    invitations = Invitation.objects.select_related("project", "invited_by")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    try:
        invitation = invitations.get(
            token_hash=invitation_token_hash(invitation_token_unsign(token))
        )
    except Invitation.DoesNotExist:
        raise InvitationRefused(UNKNOWN, gone=False) from None
    invitation_usable_check(invitation)
    return invitation


def project_reviewers(*, project: Project, user) -> list[tuple[int, str]]:
    """The members who may review (editors and reviewers) as (user id, username), for choosing
    whom to filter by or assign claims to; for any member to read."""
    members = project_members(project=project, user=user).filter(role__in=WRITERS)
    return [(m.user_id, m.user.get_username()) for m in members.order_by("user__username")]


def articles_visible_to(*, user, with_body: bool = True) -> QuerySet[Article]:
    """Articles of the user's projects (staff: every article), newest first, each once."""
    articles = article_catalogue(with_body=with_body)
    if user.is_staff:
        return articles
    member_of = Project.articles.through.objects.filter(project__memberships__user=user)
    return articles.filter(pk__in=member_of.values("article_id"))


def project_articles(*, project: Project) -> QuerySet:
    """The project's articles (without their text) with how many spans each has."""
    return (
        project.articles.defer("body", "raw_text")
        .annotate(
            span_count=Count("spans", filter=Q(spans__project=project, spans__orphaned=False))
        )
        .order_by(F("published_on").desc(nulls_last=True), "title", "pk")
    )


def project_first_editor(project: Project):
    """The project's longest-standing editor: the actor of imports (None if it has none)."""
    membership = (
        Membership.objects.filter(project=project, role=Membership.Role.EDITOR)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership else None
