"""Writes the console makes on behalf of a person: reveals and links by hand (audited),
preferences, the search's throttle and audit, and asking Exotel about an allocation the mirror
lacks."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from allocations.models import Allocation
from allocations.services import allocation_track_from_exotel
from audit.models import AccessLog
from audit.services import access_log_record, access_log_record_many
from calls.models import Call
from calls.services import call_link
from exotel import errors
from exotel.coordination import BudgetSpent, coordinator
from exotel.request_guard import CircuitOpen

from .middleware import SESSION_KEY as TIME_ZONE_SESSION_KEY
from .models import Profile
from .selectors import SearchTerms

REVEAL_SECONDS = 5 * 60
REVEAL_SESSION_KEY = "console_revealed"
REVEALS = {
    "pin": ("allocations.view_pin", AccessLog.Action.REVEAL_PIN),
    "numbers": ("allocations.view_full_number", AccessLog.Action.REVEAL_NUMBER),
}


def reveal_grant(
    *,
    session: SessionBase,
    user: Any,
    ip_address: str | None,
    what: str,
    object_type: str,
    object_id: str,
) -> None:
    """Show `what` ("pin" or "numbers") of one object to this person (`user`, in `session`)
    for a few minutes, and write it to the audit trail. The caller has checked the
    permission."""
    _, action = REVEALS[what]
    access_log_record(
        user=user,
        ip_address=ip_address,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )
    grants = session.get(REVEAL_SESSION_KEY, {})
    now = time.time()
    grants = {key: at for key, at in grants.items() if now - at < REVEAL_SECONDS}
    grants[f"{object_type}:{object_id}:{what}"] = now
    session[REVEAL_SESSION_KEY] = grants


def revealed(
    *, session: SessionBase, user: Any, object_type: str, object_id: str
) -> dict[str, bool]:
    """Which of "pin" and "numbers" this person revealed for the object within the window."""
    left = reveal_seconds_left(
        session=session, user=user, object_type=object_type, object_id=object_id
    )
    return {what: seconds > 0 for what, seconds in left.items()}


def reveal_seconds_left(
    *, session: SessionBase, user: Any, object_type: str, object_id: str
) -> dict[str, int]:
    """How many whole seconds each of "pin" and "numbers" stays shown (0: hidden), for the
    page's "visible for 4:59"."""
    grants = session.get(REVEAL_SESSION_KEY, {})
    now = time.time()
    left = {}
    for what, (permission, _) in REVEALS.items():
        remaining = REVEAL_SECONDS - (now - grants.get(f"{object_type}:{object_id}:{what}", 0))
        allowed = remaining > 0 and user.has_perm(permission)
        left[what] = max(1, int(remaining)) if allowed else 0
    return left


def reveal_withdraw(*, session: SessionBase, what: str, object_type: str, object_id: str) -> None:
    """Hide what this person revealed before its time is up ("Hide"). Not audited: it shows
    nothing."""
    grants = dict(session.get(REVEAL_SESSION_KEY, {}))
    if grants.pop(f"{object_type}:{object_id}:{what}", None) is not None:
        session[REVEAL_SESSION_KEY] = grants


def search_take_slot(*, user_id: int, searches: int = 1) -> bool:
    """Count `searches` (one) by this person; False once they are over
    SEARCH_RATE_LIMIT_PER_MINUTE in the current minute. Counted for the whole deployment, not
    per process, so spreading requests over web processes gains nothing."""
    count = coordinator().increment(f"search:{user_id}", 60, searches)
    return count <= settings.SEARCH_RATE_LIMIT_PER_MINUTE


def search_record_numbers(
    *, user: Any, ip_address: str | None, searches: Iterable[SearchTerms]
) -> None:
    """Put every phone number, and every number's last digits, that was searched for in the
    audit trail (one write for a whole bulk lookup): with the throttle, what makes guessing a
    masked number's hidden digits slow and visible."""
    numbers = [("phone", terms.phone) for terms in searches if terms.phone]
    numbers += [("phone suffix", terms.suffix) for terms in searches if terms.suffix]
    if numbers:
        access_log_record_many(
            user=user,
            ip_address=ip_address,
            action=AccessLog.Action.SEARCH_NUMBER,
            objects=numbers,
        )


# Asking Exotel about an unknown ID spends the deployment's shared request budget: one person
# may do it this often a minute, however many searches they may run.
EXOTEL_LOOKUPS_PER_MINUTE = 10
# Exotel's "no such allocation" is remembered this long, so searching the same ID again
# answers at once and spends nothing.
EXOTEL_MISS_MEMORY_SECONDS = 300


@dataclass(frozen=True)
class ExotelAnswer:
    """What asking Exotel about a GreenPin ID the mirror lacks came to: the allocation, now
    mirrored and tracked, or why there is none, in words for the search page."""

    greenpin_id: str
    allocation: Allocation | None = None
    kind: str = ""  # "not_found", "limit", or the Exotel error's kind
    message: str = ""


def exotel_lookup(*, user_id: int, greenpin_id: str) -> ExotelAnswer:
    """Ask Exotel once for `greenpin_id` because a search for it found nothing mirrored;
    mirror and track it when Exotel has it. Exotel's "no such allocation" is remembered for a
    few minutes, and each person may ask EXOTEL_LOOKUPS_PER_MINUTE times a minute."""
    if (age := exotel_miss_recent(greenpin_id=greenpin_id)) is not None:
        return _no_such_allocation(greenpin_id, asked_ago=age)
    if coordinator().increment(f"exotel-lookup:{user_id}", 60) > EXOTEL_LOOKUPS_PER_MINUTE:
        return ExotelAnswer(
            greenpin_id,
            kind="limit",
            message=(
                f"You have asked Exotel about {EXOTEL_LOOKUPS_PER_MINUTE} unknown GreenPin IDs "
                f"in the last minute, so {greenpin_id} was not looked up. Wait a minute, then "
                "search again."
            ),
        )
    try:
        allocation = allocation_track_from_exotel(greenpin_id=greenpin_id)
    except errors.NotFound:
        coordinator().mark(f"exotel-miss:{greenpin_id}")
        return _no_such_allocation(greenpin_id)
    except errors.ExotelError as error:
        return ExotelAnswer(greenpin_id, kind=error.kind, message=_failing(greenpin_id, error))
    return ExotelAnswer(greenpin_id, allocation=allocation)


def exotel_miss_recent(*, greenpin_id: str) -> float | None:
    """Seconds since Exotel said it has no allocation `greenpin_id`, if it said so lately."""
    age = coordinator().age(f"exotel-miss:{greenpin_id}")
    return age if age is not None and age < EXOTEL_MISS_MEMORY_SECONDS else None


def _no_such_allocation(greenpin_id: str, *, asked_ago: float | None = None) -> ExotelAnswer:
    when = "" if asked_ago is None else f" (asked {max(1, round(asked_ago / 60))} min ago)"
    return ExotelAnswer(
        greenpin_id,
        kind="not_found",
        message=f"Exotel has no allocation {greenpin_id}{when}. Check the ID for a typing "
        "mistake, or ask the order system which GreenPin ID it was given.",
    )


def _failing(greenpin_id: str, error: errors.ExotelError) -> str:
    cannot = f"so {greenpin_id} could not be looked up"
    if isinstance(error, errors.AuthenticationFailed):
        return f"Exotel is refusing our credentials, {cannot}. An admin must fix them."
    if isinstance(error, CircuitOpen):
        return (
            f"Exotel has been failing, {cannot}: the console waits a few minutes before "
            "asking again. Search again later."
        )
    if isinstance(error, BudgetSpent):
        return (
            f"The console's Exotel request budget for this minute is spent, {cannot}. "
            "Search again in a minute."
        )
    if isinstance(error, errors.PermissionDenied):
        return f"Exotel refused to show allocation {greenpin_id} to this account (403)."
    return f"Exotel did not answer properly ({error}), {cannot}. Search again in a minute."


def profile_update(*, user_id: int, session: SessionBase, time_zone: str) -> Profile:
    """Save this person's time zone and use it from their next request on."""
    profile, _ = Profile.objects.update_or_create(
        user_id=user_id, defaults={"time_zone": time_zone}
    )
    session[TIME_ZONE_SESSION_KEY] = time_zone
    return profile


@transaction.atomic
def call_link_audited(*, call: Call, allocation_id: int, user: Any, ip_address: str | None) -> Call:
    """Link an unlinked call to one of its possible allocations (`call_link`) and write it to
    the audit trail, both or neither. The caller has checked the permission."""
    linked = call_link(call=call, allocation_id=allocation_id, user=user)
    allocation = linked.allocation
    assert allocation is not None
    order = f" (order {allocation.order_id})" if allocation.order_id else ""
    access_log_record(
        user=user,
        ip_address=ip_address,
        action=AccessLog.Action.LINK_CALL,
        object_type="call",
        object_id=linked.sid,
        detail=f"linked to allocation {allocation.greenpin_id}{order}",
    )
    return linked
