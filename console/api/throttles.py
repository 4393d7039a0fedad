"""Per-token throttling, one rate per scope (`API_THROTTLE_TRACK`, `API_THROTTLE_READ`),
counted for the whole deployment in Redis or the database (like the search limit), so
spreading requests over web processes gains nothing."""

from __future__ import annotations

import math
import re
import time
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from exotel.coordination import coordinator

from ..models import ApiToken

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"\s*([0-9]+)\s*/\s*([smhd])[a-z]*\s*", re.IGNORECASE)
RATE_SETTINGS = {"track": "API_THROTTLE_TRACK", "read": "API_THROTTLE_READ"}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"600/min"` into (600, 60): requests per period in seconds. DRF's spelling: a number,
    a slash, and a period starting with s, m, h or d."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise ValueError(f"{rate!r} is not a rate such as '600/min' (per s, min, hour or day)")
    return int(match.group(1)), PERIODS[match.group(2).lower()]


class TokenScopeThrottle(BaseThrottle):
    """The view's `throttle_scope` ("track" or "read") at its setting's rate, per token, in
    fixed windows; the 429 says when the window ends (`Retry-After`)."""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True  # not authenticated: refused before this counts anything
        scope = view.throttle_scope
        limit, period = parse_rate(getattr(settings, RATE_SETTINGS[scope]))
        now = time.time()
        window = int(now // period)
        count = coordinator().increment(f"api:{scope}:{token.pk}:{window}", period + 1)
        if count <= limit:
            return True
        self.retry_after = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return None if self.retry_after is None else max(1, math.ceil(self.retry_after))
