"""Reads of projects: the caller's projects with their role, members, a project's articles and
"the articles of my projects" (what corpus cannot know)."""

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
)

from annotate.access import remember_role, role_in
from annotate.models import (
    Membership,
    Project,
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
