"""Every request to Exotel passes through here: the credentials alert, the circuit breaker
and the deployment-wide request budget, with the outcome recorded for the health page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from . import errors
from .coordination import BudgetSpent, coordinator, hour_counter_add, wait_for_request_slot
from .metrics import exotel_request_observed
from .models import ProviderError, ProviderState

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A trial request that has not reported back in this long is presumed lost; another may go.
TRIAL_TIMEOUT = timedelta(seconds=60)
# How often a healthy API's "last success" is written: every request would be a write each.
SUCCESS_WRITE_INTERVAL = timedelta(seconds=10)


class CircuitOpen(errors.ExotelError):
    """Exotel has been failing: requests fail fast without being sent until the cool-down ends."""

    kind = "circuit_open"
    retry_in_process = False


# Errors that hold for every request of the deployment, raised without changing any row: a
# run meeting one stops, and its work stays due for a later run.
DEPLOYMENT_WIDE = (errors.AuthenticationFailed, CircuitOpen, BudgetSpent)


def exotel_request(api: str, request: Callable[[], T]) -> T:
    """Send `request` (a client call) to Exotel's `api` if the deployment may, and note how
    it went. Raises `AuthenticationFailed` while the credentials alert stands and
    `CircuitOpen` while the circuit is open, both without sending anything."""
    trial = _may_send(api)
    try:
        wait_for_request_slot()
    except BudgetSpent:
        if trial is not None:
            _give_back_trial(api, trial)  # nothing was sent: another request may try at once
        raise
    hour_counter_add("exotel_requests")
    try:
        result = request()
    except errors.AuthenticationFailed as error:
        exotel_request_observed(api, error.kind)
        _record_auth_failure(api, error)
        raise
    except errors.RateLimited as error:
        exotel_request_observed(api, error.kind)
        coordinator().block_requests(error.retry_after or settings.EXOTEL_BACKOFF_BASE * 10)
        # Exotel answered, so it is up and took the credentials: the trial (if this was one)
        # succeeded, and the 429 is the budget's business, not the breaker's.
        _record_success(api, answered_only=True)
        _log_error(api, error)
        raise
    except errors.ExotelError as error:
        exotel_request_observed(api, error.kind)
        if error.permanent:
            _record_success(api)  # Exotel answered sensibly about one object: it is up
        else:
            _record_failure(api, error)
        raise
    exotel_request_observed(api, "ok")
    _record_success(api)
    return result


def _may_send(api: str) -> datetime | None:
    """Raise unless a request may go now; the time of the trial claim when it is the trial."""
    state = ProviderState.objects.filter(api=api).first()
    if state is None or not (state.circuit_open_until or state.auth_failed_at):
        return None
    now = timezone.now()
    if state.circuit_open_until and state.circuit_open_until > now:
        if state.auth_failed_at:
            raise errors.AuthenticationFailed(
                f"Exotel refused the credentials at {state.auth_failed_at:%H:%M:%S} UTC; "
                f"requests resume with one trial at {state.circuit_open_until:%H:%M:%S} UTC"
            )
        raise CircuitOpen(
            f"{state.consecutive_failures} failures in a row; requests resume with one "
            f"trial at {state.circuit_open_until:%H:%M:%S} UTC"
        )
    # The cool-down is over: exactly one process sends a trial request.
    claimed = (
        ProviderState.objects.filter(api=api)
        .filter(Q(trial_started_at__isnull=True) | Q(trial_started_at__lt=now - TRIAL_TIMEOUT))
        .update(trial_started_at=now)
    )
    if not claimed:
        raise CircuitOpen("a trial request is under way; waiting for its outcome")
    return now


def _give_back_trial(api: str, claimed_at: datetime) -> None:
    ProviderState.objects.filter(api=api, trial_started_at=claimed_at).update(trial_started_at=None)


def _record_success(api: str, *, answered_only: bool = False) -> None:
    """Exotel answered: close the circuit, clear the credentials alert and end any trial.
    `answered_only` (a 429) leaves "last success" alone: nothing was fetched."""
    now = timezone.now()
    stale = Q(consecutive_failures__gt=0) | Q(circuit_open_until__isnull=False)
    stale |= Q(auth_failed_at__isnull=False) | Q(trial_started_at__isnull=False)
    values: dict[str, object] = {
        "consecutive_failures": 0,
        "circuit_open_until": None,
        "trial_started_at": None,
        "auth_failed_at": None,
    }
    if not answered_only:
        stale |= Q(last_success_at__isnull=True)
        stale |= Q(last_success_at__lt=now - SUCCESS_WRITE_INTERVAL)
        values["last_success_at"] = now
    ProviderState.objects.filter(api=api).filter(stale).update(**values)


def _record_failure(api: str, error: errors.ExotelError) -> None:
    now = timezone.now()
    ProviderState.objects.get_or_create(api=api)
    ProviderState.objects.filter(api=api).update(
        consecutive_failures=F("consecutive_failures") + 1,
        last_error=str(error)[:2000],
        last_error_kind=error.kind,
        last_failure_at=now,
    )
    state = ProviderState.objects.get(api=api)
    was_trial = state.trial_started_at is not None
    if was_trial or state.consecutive_failures >= settings.EXOTEL_CIRCUIT_THRESHOLD:
        opened_until = now + timedelta(seconds=settings.EXOTEL_CIRCUIT_COOLDOWN)
        ProviderState.objects.filter(api=api).update(
            circuit_open_until=opened_until, trial_started_at=None
        )
        logger.error("%s circuit open until %s: %s", api, opened_until, error)
    _log_error(api, error)


def _record_auth_failure(api: str, error: errors.ExotelError) -> None:
    now = timezone.now()
    ProviderState.objects.get_or_create(api=api)
    ProviderState.objects.filter(api=api).update(
        auth_failed_at=now,
        circuit_open_until=now + timedelta(seconds=settings.EXOTEL_AUTH_RETRY_INTERVAL),
        trial_started_at=None,
        last_error=str(error)[:2000],
        last_error_kind=error.kind,
        last_failure_at=now,
    )
    logger.error("%s refused the credentials: %s", api, error)
    _log_error(api, error)


def _log_error(api: str, error: errors.ExotelError) -> None:
    ProviderError.objects.create(api=api, kind=error.kind, message=str(error)[:2000])


def alerts() -> list[ProviderState]:
    """APIs with a standing credentials alert or an open circuit, for the banner."""
    now = timezone.now()
    return list(
        ProviderState.objects.filter(
            Q(auth_failed_at__isnull=False) | Q(circuit_open_until__gt=now)
        ).order_by("api")
    )
