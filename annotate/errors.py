"""The domain error doors translate: ValidationError by field (400), VersionConflict (409)."""

from django.core.exceptions import ValidationError


class VersionConflict(ValidationError):
    """A write based on a stale version: someone else changed the verdict meanwhile."""

    def __init__(self, *, current_version: int):
        super().__init__(
            {
                "version": [
                    f"This verdict was changed meanwhile and is now at version {current_version}."
                    " Reload it and apply your change again."
                ]
            }
        )
        self.current_version = current_version
