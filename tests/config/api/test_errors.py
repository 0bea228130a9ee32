"""The shared error handler knows no app: a domain exception carries its own status."""

from django.core.exceptions import ValidationError

from annotate.errors import VersionConflict
from config.api.errors import CarriesStatus, exception_handler


class Locked(Exception):
    """A made-up domain error, unknown to config.api, answering 423 with one extra member."""

    http_status = 423
    http_detail = "The thing is locked."

    def http_extra(self) -> dict:
        return {"locked_by": "ada"}


class StaleField(ValidationError):
    http_status = 409
    http_detail = "Stale."

    def http_extra(self) -> dict:
        return {}


def test_an_exception_unknown_to_the_handler_answers_with_its_own_status():
    response = exception_handler(Locked(), context={})
    assert response.status_code == 423
    assert response.data == {
        "type": "error",
        "detail": "The thing is locked.",
        "errors": {},
        "locked_by": "ada",
    }


def test_a_validation_error_carrying_a_status_keeps_its_field_messages():
    response = exception_handler(StaleField({"version": ["Reload."]}), context={})
    assert response.status_code == 409
    assert response.data["type"] == "conflict"
    assert response.data["errors"] == {"version": ["Reload."]}


def test_version_conflict_carries_409_and_the_current_version():
    conflict = VersionConflict(current_version=3)
    assert isinstance(conflict, CarriesStatus)
    response = exception_handler(conflict, context={})
    assert response.status_code == 409
    assert response.data["current_version"] == 3
    assert response.data["detail"] == "The resource changed meanwhile."
    assert list(response.data["errors"]) == ["version"]
