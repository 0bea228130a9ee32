"""What every door answers while the database cannot be reached: 503 with `Retry-After`, in the
API's error shape under /api/ and as a page elsewhere, never Django's bare "Server Error (500)".

A lost or refused connection (Django's OperationalError or InterfaceError) is an outage, not a
bug: the app recovers without a restart once the database is back, so clients should retry. The
API's exception handler answers it for DRF views; `DatabaseUnavailable` for every other view;
`server_error` (handler500) for what fails outside a view, e.g. a session saved by a middleware.
"""

import logging
import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views import defaults

from config.api.errors import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_S,
    error_body,
    is_database_unavailable,
)

logger = logging.getLogger(__name__)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 for an API path in the error shape, else the styled page; both say when to retry."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(503, DATABASE_UNAVAILABLE), status=503)
    else:
        # Rendered without the request: its context processors (user, messages) would ask the
        # database again.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class DatabaseUnavailable:
    """Answers a view's lost database connection with 503 instead of a 500 and a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning(
            "database unavailable, answered 503: %s %s: %s", request.method, request.path, exception
        )
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 if the error in flight is a lost database, JSON 500 for the API."""
    error = sys.exc_info()[1]  # Django calls handler500 inside its `except` block
    if is_database_unavailable(error):
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(500, gettext("Server error.")), status=500)
    return defaults.server_error(request)
