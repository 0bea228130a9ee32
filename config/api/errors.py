"""One shape for every API error: {"type", "detail", "errors": {field: [messages]}}."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotate.errors import VersionConflict

_TYPES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(status_code: int, detail: str, errors: dict | None = None, **extra) -> dict:
    return {
        "type": _TYPES.get(status_code, "error"),
        "detail": detail,
        "errors": errors or {},
        **extra,
    }


def exception_handler(exc, context):
    """DRF's handler, fed Django's exceptions too, with every body rewritten to one shape."""
    if isinstance(exc, VersionConflict):
        body = error_body(
            409,
            "The resource changed meanwhile.",
            exc.message_dict,
            current_version=exc.current_version,
        )
        return Response(body, status=status.HTTP_409_CONFLICT)
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
        detail = "Invalid input."
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
