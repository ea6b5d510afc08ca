from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class UpdatedCursorPagination(CursorPagination):
    """Pages ordered by (updated_at, id): a partner that follows `next` from its last cursor, or asks
    `updated_since`, sees every change once; a row changed meanwhile comes again, at the end."""

    ordering = ("updated_at", "id")
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:  # DRF says 404; the page exists, the cursor sent is what is wrong
            raise ValidationError(
                {"cursor": ["Invalid cursor: send back the `next` link (or its cursor) as it came."]}
            ) from None
