"""The circuit breaker's trial request: whatever Exotel answers settles it at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exotel import errors
from exotel import greenpin as client
from exotel.models import ProviderState
from exotel.request_guard import CircuitOpen, exotel_request

pytestmark = pytest.mark.django_db


def fetch(greenpin_id: str = "gp_trial"):
    return exotel_request("greenpin", lambda: client.get_allocation(greenpin_id))


def cool_down_over(after: str) -> None:
    """The circuit was open (or the credentials alert stood) and its wait is over."""
    past = timezone.now() - timedelta(seconds=1)
    ProviderState.objects.update_or_create(
        api="greenpin",
        defaults={
            "consecutive_failures": 5,
            "circuit_open_until": past,
            "auth_failed_at": past if after == "credentials alert" else None,
        },
    )


@pytest.fixture(params=["cool-down", "credentials alert"])
def after(request, standin, settings):
    settings.EXOTEL_READ_TIMEOUT = 0.3
    standin.add_allocation(greenpin_id="gp_trial")
    standin.add_allocation(greenpin_id="gp_other")
    cool_down_over(request.param)
    return request.param


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        ({"status": 429, "retry_after": 1}, errors.RateLimited),
        ({"status": 404}, errors.NotFound),
        ({"status": 403}, errors.PermissionDenied),
    ],
    ids=["429", "404", "403"],
)
def test_an_answer_from_exotel_to_the_trial_closes_the_circuit(after, standin, answer, raised):
    standin.script("gp_trial", [answer])

    with pytest.raises(raised):
        fetch()

    state = ProviderState.objects.get(api="greenpin")
    assert (state.circuit_open_until, state.trial_started_at, state.auth_failed_at) == (
        None,
        None,
        None,
    )
    # The next request goes to Exotel (after a 429's Retry-After) instead of failing with
    # "a trial request is under way".
    assert fetch("gp_other").greenpin_id == "gp_other"
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 2


def test_a_401_to_the_trial_keeps_the_credentials_alert(after, standin):
    standin.script("gp_trial", [{"status": 401}])

    with pytest.raises(errors.AuthenticationFailed):
        fetch()

    state = ProviderState.objects.get(api="greenpin")
    assert state.auth_failed_at is not None
    assert state.circuit_is_open
    assert state.trial_started_at is None
    with pytest.raises(errors.AuthenticationFailed, match="refused the credentials"):
        fetch("gp_other")
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 1


@pytest.mark.parametrize(
    "answer", [{"status": 500}, {"status": 503}, {"delay": 1.0}], ids=["500", "503", "timeout"]
)
def test_a_failed_trial_opens_the_circuit_again(after, standin, answer):
    standin.script("gp_trial", [answer])

    with pytest.raises(errors.ExotelError):
        fetch()

    state = ProviderState.objects.get(api="greenpin")
    assert state.circuit_is_open
    assert state.trial_started_at is None
    # Until the next trial everything fails fast, for the reason that stands (an unanswered
    # trial cannot clear a credentials alert), never "a trial request is under way".
    expected = errors.AuthenticationFailed if after == "credentials alert" else CircuitOpen
    with pytest.raises(expected, match="resume with one trial"):
        fetch("gp_other")
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 1


def test_a_trial_that_never_left_for_a_spent_budget_is_given_back(after, standin, settings):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 1
    settings.EXOTEL_MAX_RETRY_AFTER = 0.1
    from exotel.coordination import coordinator

    coordinator().take_request_slot()  # someone else took the only slot

    with pytest.raises(errors.ExotelError, match="budget"):
        fetch()

    assert ProviderState.objects.get(api="greenpin").trial_started_at is None
    assert standin.counts()["by_endpoint"].get("greenpin.get", 0) == 0
