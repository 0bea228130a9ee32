"""Refuse oversized API requests with 413 before anything reads their body."""

from django.conf import settings
from django.http import JsonResponse

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
