from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Keyset pages: the cost of page 1 000 is the cost of page 1, and no
    COUNT(*) runs over the table."""

    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 200
