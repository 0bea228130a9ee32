"""Who may do what in a project, in one vocabulary for every door (STYLE §4).

- roles: the role rules services and selectors use (role_in, caller_role, require_*);
- capabilities: `Need` (what a door asks) and `Capabilities` (what pages and serializers read);
- lookups: access_project, access_span, access_claim, access_own_verdict,
  access_article_in_project, access_invitation, access_prediction, access_job: fetch and
  authorize, raising annotate.errors.NotFound (404) or Forbidden (403).
"""

# isort: off
from annotate.access.roles import (
    WRITERS,
    Role,
    User,
    caller_role,
    forget_roles,
    remember_role,
    require_editor,
    require_moderator,
    require_role,
    require_writer,
    role_in,
)
from annotate.access.capabilities import Capabilities, Need, capabilities

# Last: lookups reads annotate.review.selectors, which imports the names above from this package.
from annotate.access.lookups import (
    access_article_in_project,
    access_claim,
    access_invitation,
    access_job,
    access_own_verdict,
    access_prediction,
    access_project,
    access_span,
    access_webhook,
    access_webhook_delivery,
    authorize,
)
# isort: on

__all__ = [
    "WRITERS",
    "Capabilities",
    "Need",
    "Role",
    "User",
    "access_article_in_project",
    "access_claim",
    "access_invitation",
    "access_job",
    "access_own_verdict",
    "access_prediction",
    "access_project",
    "access_span",
    "access_webhook",
    "access_webhook_delivery",
    "authorize",
    "caller_role",
    "capabilities",
    "forget_roles",
    "remember_role",
    "require_editor",
    "require_moderator",
    "require_role",
    "require_writer",
    "role_in",
]
