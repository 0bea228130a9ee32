"""One shape for every API error: {"type", "detail", "errors": {field: [messages]}}.

Shared plumbing: it knows no app. A domain exception that needs an answer other than Django's
(400 by field, 403, 404) carries its own status, as `CarriesStatus` describes."""

from typing import Protocol, runtime_checkable

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


@runtime_checkable
class CarriesStatus(Protocol):
    """A domain exception that names its own HTTP answer, e.g. 409 for a stale write.

    `http_detail` is the body's detail; `http_extra()` adds top-level members to the body
    (`current_version`). Field messages come from a Django ValidationError's `message_dict`
    when the exception is one. The domain need not import this: having the members is enough.
    """

    http_status: int
    http_detail: str

    def http_extra(self) -> dict: ...


_TYPES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}


# A lost or refused database connection is an outage, not a bug: 503, and when to try again
# (long enough for a database restart). config.unavailable answers it outside DRF's views.
RETRY_AFTER_S = 30
DATABASE_UNAVAILABLE = gettext_lazy("The database is unavailable; try again shortly.")


# PostgreSQL's SQLSTATEs of a connection, not a statement: class 08 (connection exception), the
# server shutting down or starting (57P01-57P03), out of connection slots (53300).
_OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite's result codes (extended ones start with these) of a file that cannot be used now: busy
# or locked by another writer past the timeout, not openable, failing I/O, a full disk.
_OUTAGE_SQLITE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR",
                        "SQLITE_FULL")  # fmt: skip


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` means the database cannot be used right now (retry later), as opposed
    to a statement that failed (a bug: 500). Django raises OperationalError for both; the
    driver's error it wraps tells them apart. SQLite's statement errors (no such table, an FTS5
    syntax error) are OperationalErrors too, and once answered 503 as an outage."""
    if isinstance(error, InterfaceError):  # the connection is closed
        return True
    if not isinstance(error, OperationalError):
        return False
    driver_error = error.__cause__
    if driver_error is None:  # raised by Django itself, connecting
        return True
    if (code := getattr(driver_error, "sqlite_errorname", None)) is not None:
        return code.startswith(_OUTAGE_SQLITE_CODES)
    if hasattr(driver_error, "sqlstate"):  # psycopg; None: failed on the client's side
        sqlstate = driver_error.sqlstate
        return sqlstate is None or sqlstate.startswith(_OUTAGE_SQLSTATES)
    return True


class ErrorOutput(serializers.Serializer):
    """The error shape, for the schema of endpoints that document their 4xx answers."""

    type = serializers.CharField(help_text="validation_error, not_found, conflict, ...")
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages by field, e.g. {"sources.0.url": ["Enter a valid URL."]}.',
    )


def error_body(status_code: int, detail: str, errors: dict | None = None, **extra) -> dict:
    return {
        "type": _TYPES.get(status_code, "error"),
        "detail": detail,
        "errors": errors or {},
        **extra,
    }


def exception_handler(exc, context):
    """DRF's handler, fed Django's exceptions too, with every body rewritten to one shape."""
    if is_database_unavailable(exc):
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        return Response(error_body(503, DATABASE_UNAVAILABLE), status=503, headers=headers)
    if isinstance(exc, CarriesStatus):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        body = error_body(exc.http_status, exc.http_detail, errors, **exc.http_extra())
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _as_field_errors(exc.detail)
        detail = gettext("Invalid input.")
    else:
        errors = {}
        detail = str(getattr(exc, "detail", "")) or response.status_text
    response.data = error_body(response.status_code, detail, errors)
    return response


def _as_field_errors(detail) -> dict[str, list[str]]:
    """Flatten DRF's nested error detail to {"field" or "field.0.sub": [messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if item:
                    walk(f"{prefix}.{index}" if prefix else str(index), item)
        else:
            flat.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return flat
