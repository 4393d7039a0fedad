"""Lists of the API come a page at a time, by position, never counted."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Pages by position, newest tracked first: no count, no offset, the same cost on the
    last page as on the first. A cursor that is not one of ours is a 400."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 100
    cursor_query_description = "Where the page starts: the cursor in the last page's `next`."
    page_size_query_description = (
        f"Allocations per page, 1 to {max_page_size} (default {page_size})."
    )

    def get_page_size(self, request) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not (_is_row_id(given) and 1 <= int(given) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [f"A number from 1 to {self.max_page_size}."]}
            )
        return int(given)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = False
        # The position is an allocation's row ID: anything else would reach the database.
        position = cursor.position if cursor else None
        if cursor is False or (position is not None and not _is_row_id(position)):
            raise ValidationError({"cursor": ["Not a cursor this API gave."]})
        return cursor


def _is_row_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) < 2**63
