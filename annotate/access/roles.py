"""Who may do what in a project: one place for the role rules every service and selector uses."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from annotate.models import Membership, Project

Role = Membership.Role
WRITERS = frozenset({Role.EDITOR, Role.REVIEWER})

User = AbstractBaseUser | AnonymousUser


# Roles read in the same query as the project (see caller_role), kept on that Project object
# for the rest of the request: {user pk: role or None}.
_KNOWN_ROLES = "_caller_roles"


def role_in(project: Project, user: User) -> str | None:
    """The user's role in the project, or None for non-members (staff included)."""
    if not user.is_authenticated:
        return None
    known = project.__dict__.get(_KNOWN_ROLES, {})
    if user.pk in known:
        return known[user.pk]
    return (
        Membership.objects.filter(project=project, user=user)
        .order_by()
        .values_list("role", flat=True)
        .first()
    )


def caller_role(user: User, project_ref: str = "project") -> Subquery:
    """The user's role in the row's project, as an annotation (NULL for non-members), so that a
    selector reads a row and the caller's right to it in one query. Pair with remember_role."""
    roles = Membership.objects.filter(project=OuterRef(project_ref), user_id=user.pk)
    return Subquery(roles.order_by().values("role")[:1])


def remember_role(project: Project, user: User, role: str | None) -> None:
    """Keep a role read with the project (by caller_role) on that object: role_in then asks no
    query for it. Membership services forget it (forget_roles) when they change a role."""
    project.__dict__.setdefault(_KNOWN_ROLES, {})[user.pk] = role


def forget_roles(project: Project) -> None:
    project.__dict__.pop(_KNOWN_ROLES, None)


def require_role(
    project: Project, user: User, roles: frozenset[str] | set[str], action: str
) -> str:
    """The user's role if it is one of `roles`; otherwise PermissionDenied naming the action."""
    role = role_in(project, user)
    if role not in roles:
        # Whole sentences per role set, so that translators never assemble English fragments.
        if set(roles) == {Role.EDITOR}:
            message = _("Only a project editor may %(action)s.")
        else:
            message = _("Only a project editor or reviewer may %(action)s.")
        raise PermissionDenied(message % {"action": action})
    return role


def require_writer(project: Project, user: User, action: str) -> str:
    return require_role(project, user, WRITERS, action)


def require_editor(project: Project, user: User, action: str) -> str:
    return require_role(project, user, {Role.EDITOR}, action)


def require_moderator(project: Project, actor: User, perm: str, action: str) -> None:
    """Project editors may; so may active staff holding the model's admin permission (e.g.
    `annotate.delete_comment`), who need not be members: the admin is their door."""
    if actor.is_active and actor.is_staff and actor.has_perm(perm):
        return
    require_editor(project, actor, action)
