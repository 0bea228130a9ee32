"""Refuse oversized API requests with 413 before anything reads their body; answer a domain's
not-found with 404 on pages, as the API's exception handler does."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, JsonResponse

from config.api.errors import error_body


class ApiRequestSizeLimit:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            limit = (
                settings.API_MAX_BULK_BYTES
                if request.path.rstrip("/").endswith("/bulk")
                else settings.API_MAX_REQUEST_BYTES
            )
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                detail = f"Request body of {length} bytes exceeds the limit of {limit} bytes."
                return JsonResponse(error_body(413, detail), status=413)
        return self.get_response(request)


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
