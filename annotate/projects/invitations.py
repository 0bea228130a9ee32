"""Invitation tokens: what the link carries and how a stored invitation is found by it.

The link carries a random token signed with SECRET_KEY (django.core.signing, its own salt): a
tampered or made-up link is refused before any query, and rotating the key voids every link,
as it voids password reset links. The database keeps only the token's SHA-256, so a copy of
the database opens no invitation.
"""

import hashlib
import secrets

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotate.errors import InvitationRefused
from annotate.projects.models import Invitation, Membership

# Whom an editor invites, unless they choose: most people join a desk to review.
DEFAULT_INVITATION_ROLE = Membership.Role.REVIEWER

_SALT = "annotate.projects.invitation"
UNKNOWN = gettext_lazy("This invitation link is not valid. Check that you copied all of it.")


def invitation_token_new() -> tuple[str, str]:
    """(the signed token for the link, the hash to store)."""
    token = secrets.token_urlsafe(32)
    return signing.Signer(salt=_SALT).sign(token), invitation_token_hash(token)


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token_unsign(signed: str) -> str:
    """The random token inside a link's signed token; InvitationRefused if it was not ours."""
    try:
        return signing.Signer(salt=_SALT).unsign(signed)
    except signing.BadSignature:
        raise InvitationRefused(UNKNOWN, gone=False) from None


def invitation_usable_check(invitation: Invitation) -> None:
    """InvitationRefused, saying why, unless the invitation can still be accepted."""
    if invitation.revoked_at is not None:
        raise InvitationRefused(
            _("This invitation was revoked by an editor of the project. Ask them for a new one."),
            gone=True,
        )
    if invitation.accepted_at is not None:
        raise InvitationRefused(
            _("This invitation has already been used. Log in, or ask an editor for a new one."),
            gone=True,
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(
            (
                _(
                    "This invitation expired on %(expires_at)s UTC. Ask an editor of "
                    "the project for a new one."
                )
                % {"expires_at": format(invitation.expires_at, "%d %b %Y, %H:%M")}
            ),
            gone=True,
        )
