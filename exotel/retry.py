"""Bounded in-process retries of one Exotel request."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from .errors import ExotelError, RateLimited

T = TypeVar("T")


def backoff_delay(attempt: int, *, base: float | None = None, cap: float = 60.0) -> float:
    """Full-jitter exponential backoff for the `attempt`-th retry (1-based)."""
    base = settings.EXOTEL_BACKOFF_BASE if base is None else base
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


def call_with_retries(
    request: Callable[[], T],
    *,
    attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `request`, retrying transient Exotel errors.

    Permanent errors are raised at once. A 429 is waited out when its Retry-After is at most
    EXOTEL_MAX_RETRY_AFTER seconds; a longer one is raised so the caller can reschedule.
    After the last attempt the last error is raised.
    """
    attempts = attempts or settings.EXOTEL_MAX_ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            return request()
        except ExotelError as error:
            if error.permanent or not error.retry_in_process or attempt == attempts:
                raise
            if isinstance(error, RateLimited):
                wait = (
                    error.retry_after if error.retry_after is not None else backoff_delay(attempt)
                )
                if wait > settings.EXOTEL_MAX_RETRY_AFTER:
                    raise
            else:
                wait = backoff_delay(attempt)
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
