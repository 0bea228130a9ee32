import re

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

from config.api.fields import MAX_ID

# A key a cursor may hold: what encode_cursor writes for a primary key, and no more.
_ID_POSITION = re.compile(r"[1-9][0-9]{0,18}")


class PagePagination(PageNumberPagination):
    """Small lists: ?page=N&page_size=M (at most 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetPagination(CursorPagination):
    """Large lists (spans, verdicts): opaque cursors over the primary key, so a tool can walk
    millions of rows without OFFSET getting slower page by page."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "pk"

    def decode_cursor(self, request):
        """DRF's cursor, whose position must also be a key: DRF passes it to the query as
        given, so a tampered cursor ("p=abc", "p=\\0", "p=1e400") became a 500 there."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            position = cursor.position
            if not _ID_POSITION.fullmatch(position) or int(position) > MAX_ID:
                raise NotFound(self.invalid_cursor_message)
        return cursor
