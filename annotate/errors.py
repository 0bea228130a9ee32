"""The domain errors doors translate: ValidationError by field (400), VersionConflict and
RevisionConflict (409), NotFound (404) and Forbidden (403), raised by the access_* functions
(annotate.access)."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext, gettext_lazy


class VersionConflict(ValidationError):
    """A write based on a stale version: someone else changed the verdict meanwhile."""

    # Read by the API's exception handler (config.api.errors.CarriesStatus): 409 with the
    # version to reload, without the shared plumbing knowing this class.
    http_status = 409
    http_detail = gettext_lazy("The resource changed meanwhile.")

    def __init__(self, *, current_version: int):
        super().__init__(
            {
                "version": [
                    gettext(
                        "This verdict was changed meanwhile and is now at version "
                        "%(version)s. Reload it and apply your change again."
                    )
                    % {"version": current_version}
                ]
            }
        )
        self.current_version = current_version

    def http_extra(self) -> dict:
        return {"current_version": self.current_version}


class RevisionConflict(ValidationError):
    """A body revision that would move or orphan claims of projects the reviser does not edit.

    Names only the projects the reviser is a member of; the others are "another project", so
    that the refusal does not tell who else holds the article.
    """

    http_status = 409

    def __init__(self, *, named: list[tuple[int, str]], unnamed: bool):
        places = [gettext("“%(name)s”") % {"name": name} for _, name in named]
        if unnamed:
            places.append(gettext("another project"))
        self.http_detail = gettext(
            "This revision would move or orphan claims of %(projects)s, which you do not "
            "edit. Ask an editor there to revise it."
        ) % {"projects": gettext(" and ").join(places)}
        super().__init__({"body": [self.http_detail]})
        self.named = named

    def http_extra(self) -> dict:
        return {"projects": [{"id": pk, "name": name} for pk, name in self.named]}


class NotFound(ObjectDoesNotExist):
    """What the user may not know exists (another project, its spans, a hidden verdict): every
    door answers 404, as for a row that does not exist."""

    status_code = 404


class Forbidden(PermissionDenied):
    """What the user may see but not do (a viewer writing, a reviewer adjudicating): 403."""

    status_code = 403


class InvitationRefused(ValidationError):
    """An invitation link that cannot be used: unknown or tampered with (404), or expired, used
    or revoked (410 Gone: it existed, and asking again will not help)."""

    def __init__(self, message: str, *, gone: bool):
        super().__init__({"token": [message]})
        self.http_status = 410 if gone else 404
        self.http_detail = message


class Gone(Exception):
    """What existed but was deleted on purpose and will not come back (a job's file past
    JOB_FILES_RETENTION_DAYS): 410 at the API."""

    http_status = 410

    def __init__(self, message: str):
        super().__init__(message)
        self.http_detail = message

    def http_extra(self) -> dict:
        return {}
