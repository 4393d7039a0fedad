"""Typed errors raised by the Exotel clients.

Each knows whether retrying can help: permanent errors (bad credentials, no permission, not
found, a rejected request) are never retried; transient ones (throttling, server errors,
timeouts, bodies that do not parse) are retried with backoff a bounded number of times.
Messages never contain credentials.
"""

from __future__ import annotations


class ExotelError(Exception):
    kind = "error"
    permanent = False
    # False for errors raised without asking Exotel (an open circuit): retrying at once in the
    # same process cannot help.
    retry_in_process = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        prefix = f"HTTP {self.status}: " if self.status else ""
        return f"{prefix}{self.message}"


class AuthenticationFailed(ExotelError):
    """401: the deployment's credentials are wrong; every further request would fail too."""

    kind = "unauthorized"
    permanent = True


class PermissionDenied(ExotelError):
    """403: this object belongs to someone else or the feature is off for the account."""

    kind = "forbidden"
    permanent = True


class NotFound(ExotelError):
    """404: no such object under this account."""

    kind = "not_found"
    permanent = True


class RequestRejected(ExotelError):
    """Another 4xx: the request itself is wrong (bad parameter, conflict)."""

    kind = "rejected"
    permanent = True


class RateLimited(ExotelError):
    """429: over the account's request budget; `retry_after` says when to come back."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, status: int = 429):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ServerError(ExotelError):
    """5xx or 499: Exotel failed; worth retrying later."""

    kind = "server_error"


class Timeout(ExotelError):
    kind = "timeout"


class ConnectionFailed(ExotelError):
    kind = "connection_failed"


class BadResponse(ExotelError):
    """A 2xx whose body does not parse or does not validate: nothing of it is stored."""

    kind = "bad_response"


def error_for_status(
    status: int, message: str, *, retry_after: str | None = None, credentials: str
) -> ExotelError:
    """The typed error for an HTTP status Exotel answered with. `credentials` names the
    settings to check on a 401; `retry_after` is the raw Retry-After header of a 429."""
    if status == 401:
        return AuthenticationFailed(
            f"authentication failed; check {credentials} ({message})", status=status
        )
    if status == 403:
        return PermissionDenied(message, status=status)
    if status == 404:
        return NotFound(message, status=status)
    if status == 429:
        try:
            wait: float | None = max(0.0, float(retry_after)) if retry_after else None
        except ValueError:
            wait = None
        return RateLimited(message, retry_after=wait, status=status)
    if status >= 500 or status == 499:
        return ServerError(message, status=status)
    if 300 <= status < 400:
        return RequestRejected("redirect refused", status=status)
    return RequestRejected(message, status=status)
