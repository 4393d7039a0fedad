"""The one way to Exotel over HTTP: a session per process, connect and read timeouts, no
redirect followed (a 3xx is an error), an answer's status turned into a typed error, and the
backoff both in-process retries and rescheduled work use.

Nothing here knows the domain: the clients above pass their credentials and how their API
words an error."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import requests
from django.conf import settings

from . import errors

T = TypeVar("T")


class PerProcess(Generic[T]):
    """One object per process: a client's HTTP session must never be shared across a fork
    (Celery's prefork workers, gunicorn workers), but should be reused within a process."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._pid: int | None = None

    def get(self) -> T:
        if self._value is None or self._pid != os.getpid():
            self._value = self._factory()
            self._pid = os.getpid()
        return self._value


def send(
    session: PerProcess[requests.Session],
    url: str,
    *,
    api: str,
    auth: tuple[str, str],
    credentials: str,
    error_message: Callable[[requests.Response], str],
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    stream: bool = False,
) -> requests.Response:
    """GET `url` and return a 2xx answer, or raise the typed error for what happened.

    `api` names the API in messages, `credentials` the settings to check on a 401, and
    `error_message` reads the API's own wording of an error out of a failed answer."""
    try:
        response = session.get().get(
            url,
            params=params,
            headers={"Accept": "application/json", **(headers or {})},
            auth=auth,
            timeout=(settings.EXOTEL_CONNECT_TIMEOUT, settings.EXOTEL_READ_TIMEOUT),
            allow_redirects=False,
            stream=stream,
        )
    except requests.Timeout as exc:
        raise errors.Timeout(f"{api} did not answer in time ({type(exc).__name__})") from None
    except requests.ConnectionError:
        raise errors.ConnectionFailed(f"could not connect to the {api}") from None
    if response.status_code >= 300:
        error = errors.error_for_status(
            response.status_code,
            error_message(response),
            retry_after=response.headers.get("Retry-After"),
            credentials=credentials,
        )
        response.close()
        raise error
    return response


def json_body(response: requests.Response, *, api: str) -> Any:
    """The answer's JSON, or `BadResponse`."""
    try:
        return response.json()
    except ValueError:
        # Not quoted: a body cut off mid-way may hold a PIN and phone numbers, and this
        # message is logged and shown on the page.
        raise errors.BadResponse(
            f"{api} answered {response.status_code} with a body that is not JSON "
            f"({len(response.content)} bytes)",
            status=response.status_code,
        ) from None


def snippet(text: str, limit: int = 120) -> str:
    """The start of an error body on one line, for a message."""
    text = " ".join((text or "").split())
    return text[:limit] + ("…" if len(text) > limit else "") if text else "empty body"


def backoff_delay(
    attempt: int,
    *,
    base: float | None = None,
    cap: float = 60.0,
    spread: tuple[float, float] = (0.0, 1.0),
) -> float:
    """Exponential backoff for the `attempt`-th retry (1-based): `base` doubled per attempt,
    at most `cap`, times a random factor within `spread`. The default spread is full jitter
    (in-process retries); work rescheduled for later keeps close to its step with (0.8, 1.2)."""
    base = settings.EXOTEL_BACKOFF_BASE if base is None else base
    return min(cap, base * 2 ** (attempt - 1)) * random.uniform(*spread)


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
        except errors.ExotelError as error:
            if error.permanent or not error.retry_in_process or attempt == attempts:
                raise
            if isinstance(error, errors.RateLimited):
                wait = (
                    error.retry_after if error.retry_after is not None else backoff_delay(attempt)
                )
                if wait > settings.EXOTEL_MAX_RETRY_AFTER:
                    raise
            else:
                wait = backoff_delay(attempt)
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
