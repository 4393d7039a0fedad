"""Writes the console makes on behalf of a person: reveals (audited) and preferences."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from audit.models import AccessLog
from audit.services import access_log_record
from exotel.coordination import coordinator

from .middleware import SESSION_KEY as TIME_ZONE_SESSION_KEY
from .models import Profile

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


def search_take_slot(*, user_id: int) -> bool:
    """Count one search by this person; False once they are over SEARCH_RATE_LIMIT_PER_MINUTE
    in the current minute. Counted for the whole deployment, not per process, so spreading
    requests over web processes gains nothing."""
    count = coordinator().increment(f"search:{user_id}", 60)
    return count <= settings.SEARCH_RATE_LIMIT_PER_MINUTE


def profile_update(*, user_id: int, session: SessionBase, time_zone: str) -> Profile:
    """Save this person's time zone and use it from their next request on."""
    profile, _ = Profile.objects.update_or_create(
        user_id=user_id, defaults={"time_zone": time_zone}
    )
    session[TIME_ZONE_SESSION_KEY] = time_zone
    return profile
