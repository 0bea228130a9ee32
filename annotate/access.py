"""Who may do what in a project: one place for the role rules every service and selector uses."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

from annotate.models import Membership, Project

Role = Membership.Role
WRITERS = frozenset({Role.EDITOR, Role.REVIEWER})

User = AbstractBaseUser | AnonymousUser


def role_in(project: Project, user: User) -> str | None:
    """The user's role in the project, or None for non-members (staff included)."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    )


def require_role(
    project: Project, user: User, roles: frozenset[str] | set[str], action: str
) -> str:
    """The user's role if it is one of `roles`; otherwise PermissionDenied naming the action."""
    role = role_in(project, user)
    if role not in roles:
        needed = " or ".join(sorted(roles))
        raise PermissionDenied(f"Only a project {needed} may {action}.")
    return role


def require_writer(project: Project, user: User, action: str) -> str:
    return require_role(project, user, WRITERS, action)


def require_editor(project: Project, user: User, action: str) -> str:
    return require_role(project, user, {Role.EDITOR}, action)
