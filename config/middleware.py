"""Refuse oversized API requests and page uploads with 413 before anything reads their body;
throttle refused API credentials per client IP; answer a domain's not-found with 404 on pages, as
the API's exception handler does."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, ngettext

from config.api.errors import error_body
from config.api.throttling import FailedAuthentications


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiRequestSizeLimit:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            limit = (
                settings.API_MAX_BULK_BYTES
                if request.path.rstrip("/").endswith(("/bulk", "/imports"))
                else settings.API_MAX_REQUEST_BYTES
            )
            length = _content_length(request)
            if length > limit:
                detail = gettext(
                    "Request body of %(length)s bytes exceeds the limit of %(limit)s bytes."
                ) % {"length": length, "limit": limit}
                return JsonResponse(error_body(413, detail), status=413)
        return self.get_response(request)


class PageUploadSizeLimit:
    """Files sent to a page (multipart forms outside /api/) beyond UPLOAD_MAX_BYTES: 413 before
    the CSRF check or the view parses the body, which would spool it all to disk first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not request.path.startswith("/api/")
            and request.content_type == "multipart/form-data"
            and _content_length(request) > settings.UPLOAD_MAX_BYTES
        ):
            limit = f"{settings.UPLOAD_MAX_BYTES / 1e6:g} MB"
            page = render_to_string("413.html", {"limit": limit})
            return HttpResponse(page, status=413)
        return self.get_response(request)


class FailedAuthenticationLimit:
    """Throttle guessing API credentials, per client IP, at every door under /api/.

    DRF authenticates before it throttles, so a refused token is answered 401 before any view
    throttle counts it. This middleware counts those 401s of requests that carried credentials
    (an Authorization header) and, once the rate is spent, answers every request from that IP
    that carries credentials with 429 and Retry-After before they are checked: a right guess
    must look the same as a wrong one. Requests without credentials (a browser's session) are
    neither counted nor refused, so a guesser behind the same address locks no one else out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (request.path.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META):
            return self.get_response(request)
        failures = FailedAuthentications()
        if (seconds := failures.retry_after(request)) is not None:
            detail = ngettext(
                "Too many refused credentials from your address; try again in %(seconds)s s.",
                "Too many refused credentials from your address; try again in %(seconds)s s.",
                seconds,
            ) % {"seconds": seconds}
            return JsonResponse(
                error_body(429, detail), status=429, headers={"Retry-After": str(seconds)}
            )
        response = self.get_response(request)
        if response.status_code == 401:
            failures.record_failure(request)
        return response


class DomainNotFound:
    """A page view that lets a domain's not-found error through (an ObjectDoesNotExist carrying
    `status_code = 404`, e.g. raised by an access_* function) answers 404 like Http404: the pages
    map it as config.api.errors maps it for the API. Other DoesNotExist stay errors (500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        domain_not_found = getattr(exception, "status_code", None) == 404
        if isinstance(exception, ObjectDoesNotExist) and domain_not_found:
            raise Http404(str(exception)) from exception
        return None
