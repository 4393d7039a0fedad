"""How the API reads requests: JSON only, strictly, never a 5xx for a hostile body; and
answers in JSON whatever the client says it accepts."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """DRF's JSON parser (NaN and Infinity refused), with a body nested deeper than Python's
    recursion limit (`[[[[…`) a 400 too, not an error of the server. The body's size is
    bounded by DATA_UPLOAD_MAX_MEMORY_SIZE before it gets here (a 400)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Every answer is JSON: the API has one renderer, and a client asking for something
    else still gets an answer it can read, not a 406."""

    def select_parser(self, request, parsers):
        content_type = request.content_type.split(";", 1)[0].strip().lower()
        for parser in parsers:
            if parser.media_type == content_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
