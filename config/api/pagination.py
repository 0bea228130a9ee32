from rest_framework.pagination import CursorPagination, PageNumberPagination


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
