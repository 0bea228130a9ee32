"""What a member may do in a project: the abilities doors ask for (`Need`) and the capabilities
object pages and serializers read, both derived from the one table of roles below."""

from dataclasses import asdict, dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from annotate.access.roles import Role, User, role_in
from annotate.models import Project


class Need(StrEnum):
    """An ability a door asks of the caller before it reads or writes."""

    READ = "read"  # see the project, its articles, spans and the verdicts blind review allows
    WRITE = "write"  # highlight claims, record verdicts, comment, accept predictions
    ADJUDICATE = "adjudicate"  # record final verdicts, list the contested claims
    MANAGE = "manage"  # members, the project's articles
    EXPORT = "export"  # download the dataset (with real names, too)
    SEE_QUALITY = "see_quality"  # agreement figures, which name reviewers
    SEE_HISTORY = "see_history"  # a claim's history, drafts included
    EDIT_CLAIMS = "edit_claims"  # claims across articles: edit, merge, delete, final verdicts
    MANAGE_WEBHOOKS = "manage_webhooks"  # webhook endpoints, their secrets and delivery logs


# The one table of who may do what; services check the same rules (annotate.access.roles).
NEEDS_BY_ROLE: dict[str, frozenset[Need]] = {
    Role.EDITOR: frozenset(Need),
    Role.REVIEWER: frozenset({Need.READ, Need.WRITE}),
    Role.VIEWER: frozenset({Need.READ}),
}

# What a door says when the role lacks the need (non-members never get here: they get NotFound).
REFUSALS: dict[Need, str] = {
    Need.READ: _("Only the project's members may see this."),
    Need.WRITE: _("Only a project editor or reviewer may change its annotations."),
    Need.ADJUDICATE: _("Only the project's editors adjudicate claims."),
    Need.MANAGE: _("Only the project's editors manage it."),
    Need.EXPORT: _("Only the project's editors export its data."),
    Need.SEE_QUALITY: _("Only the project's editors see its agreement figures."),
    Need.SEE_HISTORY: _("Only editors see a claim's history."),
    Need.EDIT_CLAIMS: _("Only the project's editors edit, merge or settle claims."),
    Need.MANAGE_WEBHOOKS: _("Only the project's editors manage its webhooks."),
}


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The caller's abilities in one project, computed once per request from the role and the
    project's settings; templates and serializers read these instead of comparing roles."""

    role: str | None
    may_read: bool
    may_write: bool
    may_adjudicate: bool
    # Offer deleting spans at all; the service narrows a reviewer to their own span before any
    # verdict on it is submitted. may_delete_any_span: any span, always (editors).
    may_delete_span: bool
    may_delete_any_span: bool
    # Others' submitted verdicts are shown without first submitting one's own.
    may_see_verdicts: bool
    may_see_orphaned: bool
    may_see_skips: bool  # how often reviewers passed on a claim in the queue
    may_see_contested: bool
    may_see_history: bool
    may_see_quality: bool
    may_manage_members: bool
    # Claims across articles: edit, merge and delete claims, set their final verdicts. Linking
    # spans to claims and founding claims is may_write.
    may_edit_claims: bool
    may_manage_articles: bool
    may_export: bool
    may_export_real_names: bool
    may_manage_webhooks: bool
    # Blind review applies: others' verdicts appear once the caller submitted theirs.
    is_blind_for_me: bool

    @classmethod
    def of(cls, role: str | None, *, blind_review: bool) -> "Capabilities":
        needs = NEEDS_BY_ROLE.get(role, frozenset()) if role else frozenset()
        editor = Need.MANAGE in needs
        blind_for_me = bool(blind_review) and role == Role.REVIEWER
        return cls(
            role=role,
            may_read=Need.READ in needs,
            may_write=Need.WRITE in needs,
            may_adjudicate=Need.ADJUDICATE in needs,
            may_delete_span=Need.WRITE in needs,
            may_delete_any_span=editor,
            may_see_verdicts=Need.READ in needs and not blind_for_me,
            may_see_orphaned=editor,
            may_see_skips=editor,
            may_see_contested=Need.ADJUDICATE in needs,
            may_see_history=Need.SEE_HISTORY in needs,
            may_see_quality=Need.SEE_QUALITY in needs,
            may_manage_members=editor,
            may_edit_claims=Need.EDIT_CLAIMS in needs,
            may_manage_articles=editor,
            may_export=Need.EXPORT in needs,
            may_export_real_names=Need.EXPORT in needs,
            may_manage_webhooks=Need.MANAGE_WEBHOOKS in needs,
            is_blind_for_me=blind_for_me,
        )

    def allows(self, need: Need) -> bool:
        return bool(self.role) and need in NEEDS_BY_ROLE.get(self.role, frozenset())

    def as_dict(self) -> dict[str, bool]:
        """The may_*/is_* flags, for serializers (the role is a field of its own)."""
        flags = asdict(self)
        flags.pop("role")
        return flags


def capabilities(project: Project, user: User) -> Capabilities:
    """The user's capabilities in the project. No query when the role was read with the project
    (access_project, access_span, projects_for_user + remember_role)."""
    return Capabilities.of(role_in(project, user), blind_review=project.blind_review)
