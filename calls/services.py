"""Every write to calls and call events: ingesting webhooks, applying events and Call API
records, linking calls to allocations, pulling due calls and backfilling missed ones."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from allocations.models import Allocation
from allocations.services import allocation_track_and_refresh
from exotel import call_api, errors, recordings
from exotel.call_api import CallRecord
from exotel.call_statuses import STATUS_RANK, TERMINAL_STATUSES
from exotel.coordination import (
    BudgetSpent,
    coordinator,
    hour_counter_add,
    rows_claim,
    rows_release,
)
from exotel.custom_field import parse_order_id
from exotel.http import backoff_delay, call_with_retries
from exotel.request_guard import DEPLOYMENT_WIDE, exotel_request

from .events import ParsedEvent, parse_event
from .models import Call, CallEvent, LinkState, RecordingProblem
from .selectors import (
    allocation_candidates_for_call,
    allocation_list_possible_for_call,
    call_list_to_relink,
)

logger = logging.getLogger(__name__)

# How soon to pull a call again while Exotel still fills in its late fields.
PULL_BACKOFF_START = 30
PULL_BACKOFF_CAP = 600
# A call that never reaches a terminal state in this long is left alone.
PULL_GIVE_UP_AFTER = timedelta(days=1)
BACKFILL_WINDOW = timedelta(days=30)


# --- webhook events ----------------------------------------------------------------------


def call_event_ingest(*, payload: dict[str, Any]) -> tuple[CallEvent, bool]:
    """Store one webhook delivery as it came, unless it is a redelivery; apply it later.

    Returns the event and whether it is new. Raises `MalformedEvent` when it names no call.
    """
    parsed = parse_event(payload)
    fingerprint = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()
    # get_or_create also settles two identical deliveries racing each other.
    event, created = CallEvent.objects.get_or_create(
        fingerprint=fingerprint,
        defaults={
            "call_sid": parsed.call_sid,
            "shape": parsed.shape,
            "event_type": parsed.event_type,
            "status": parsed.status,
            "sent_at": parsed.sent_at,
            "payload": payload,
        },
    )
    if created:
        from .tasks import apply_call_event

        # robust: with the broker down the event is still stored (and answered 200); the next
        # sync pass applies it.
        transaction.on_commit(lambda: apply_call_event.delay(event.pk), robust=True)
    return event, created


@transaction.atomic
def call_event_apply(*, event: CallEvent) -> Call | None:
    """Fold one stored event into its call. Applying an event twice changes nothing."""
    event = CallEvent.objects.select_for_update().get(pk=event.pk)
    if event.applied_at is not None:
        return None
    parsed = parse_event(event.payload)
    call = _call_for_update(parsed.call_sid)
    _merge_event(call, parsed)
    now = timezone.now()
    pull_now = call.is_terminal and not call.is_complete_for_pull
    if pull_now:
        call.next_pull_at = now
    elif not call.is_complete_for_pull and call.next_pull_at is None:
        # Mid-call: the pass pulls it (in bulk with others) once the call has had time to end.
        call.next_pull_at = now + timedelta(seconds=PULL_BACKOFF_START)
    _note_recording_refusal(call, now)
    call.save()
    _link(call)
    event.call = call
    event.applied_at = now
    event.apply_error = ""
    event.save(update_fields=["call", "applied_at", "apply_error"])
    if pull_now:
        from .tasks import pull_calls

        transaction.on_commit(lambda: pull_calls.delay([call.pk]), robust=True)
    return call


def call_event_record_failure(*, event: CallEvent, error: Exception) -> None:
    """Note why an event could not be applied; after MAX_APPLY_ATTEMPTS it is left alone."""
    CallEvent.objects.filter(pk=event.pk).update(
        apply_error=f"{type(error).__name__}: {error}"[:2000],
        apply_attempts=F("apply_attempts") + 1,
    )


# --- Call API records --------------------------------------------------------------------


@transaction.atomic
def call_apply_record(*, record: CallRecord) -> Call:
    """Upsert a call from the Call API, whose values win over what events said."""
    call = _call_for_update(record.sid)
    _advance_status(call, record.status)
    fields = ("from_number", "to_number", "direction", "price", "recording_url")
    for name in (*fields, "leg1_status", "leg2_status"):
        value = getattr(record, name)
        if value:
            setattr(call, name, value)
    for name in ("start_time", "end_time", "duration", "talk_duration"):
        value = getattr(record, name)
        if value is not None:
            setattr(call, name, value)
    if record.custom_field is not None:
        call.custom_field = record.custom_field
        call.order_id = parse_order_id(record.custom_field) or call.order_id
    now = timezone.now()
    call.raw_payload = record.raw
    call.last_synced_at = now
    call.last_sync_error = ""
    call.pull_attempts = 0 if call.is_complete_for_pull else call.pull_attempts + 1
    call.next_pull_at = _next_pull(call, now)
    _note_recording_refusal(call, now)
    call.save()
    _link(call)
    # After commit: the counter's row lock must not be held for the rest of this transaction.
    transaction.on_commit(lambda: hour_counter_add("calls_pulled"))
    return call


@dataclass
class PullReport:
    pulled: int = 0
    failed: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)


def calls_pull(*, calls: list[Call], owner: str | None = None) -> PullReport:
    """Pull these calls from the Call API: one request for one call, else 100 per request.

    A 401 is raised (the caller stops); any other failure is recorded on the calls, which keep
    their data and are tried again later with backoff. A spent request budget is raised too,
    after making the calls not yet pulled due when it frees (`BudgetSpent.free_in`).
    """
    report = PullReport()
    token = _claim_for_pull(calls, owner or uuid.uuid4().hex)
    claimed = Call.objects.filter(pull_claim=token)
    by_sid = {call.sid: call for call in claimed}
    try:
        _pull_claimed(by_sid, report)
    finally:
        rows_release(
            claimed, owner=token, owner_field="pull_claim", until_field="pull_claimed_until"
        )
    return report


def _claim_for_pull(calls: list[Call], token: str) -> str:
    """Claim the calls no other owner is pulling (a task delivered again keeps its claim)."""
    rows_claim(
        Call.objects.filter(pk__in=[call.pk for call in calls]),
        owner=token,
        owner_field="pull_claim",
        until_field="pull_claimed_until",
    )
    return token


def _pull_claimed(by_sid: dict[str, Call], report: PullReport) -> None:
    sids = list(by_sid)
    for start in range(0, len(sids), call_api.BULK_LIMIT):
        chunk = sids[start : start + call_api.BULK_LIMIT]
        report.requests += 1
        try:
            if len(chunk) == 1:
                one = partial(call_api.get_call, chunk[0])
                records = [call_with_retries(partial(exotel_request, "calls", one))]
            else:
                many = partial(call_api.get_calls, chunk)
                records = call_with_retries(partial(exotel_request, "calls", many))
        except BudgetSpent as error:
            _reschedule_pulls(
                [by_sid[sid].pk for sid in sids[start:]],
                at=timezone.now() + timedelta(seconds=error.free_in),
            )
            raise
        except DEPLOYMENT_WIDE:
            raise
        except errors.ExotelError as error:
            logger.warning("pulling %d calls failed: %s", len(chunk), error, exc_info=True)
            for sid in chunk:
                _record_pull_failure(by_sid[sid], str(error))
            report.failed += len(chunk)
            report.errors.append(str(error))
            continue
        seen = set()
        for record in records:
            if record.sid in by_sid:
                call_apply_record(record=record)
                seen.add(record.sid)
        for sid in chunk:
            if sid not in seen:
                _record_pull_failure(by_sid[sid], "the Call API does not know this call (yet)")
        report.pulled += len(seen)
        report.failed += len(chunk) - len(seen)


def _reschedule_pulls(call_ids: list[int], *, at: datetime) -> None:
    """These calls (claimed by this pull, never asked for) are due at `at`, not before."""
    Call.objects.filter(pk__in=call_ids, next_pull_at__lt=at).update(next_pull_at=at)


def allocation_backfill_calls(*, allocation: Allocation) -> int:
    """Find calls Exotel counted for `allocation` that no event told us about.

    Lists the calls on its virtual number within its lifetime (in windows of at most 30 days,
    Exotel's limit) and applies each; the linking rule decides which are this allocation's.
    Returns how many calls were applied. A failure is recorded on the allocation and raised.
    """
    if allocation.created_at is None:
        raise ValueError("an allocation never fetched has no lifetime to search")
    now = timezone.now()
    ended = allocation.ended_at
    until = (min(ended, now) if ended else now) + timedelta(minutes=1)
    applied = 0
    try:
        since = allocation.created_at
        while since < until:
            window_end = min(until, since + BACKFILL_WINDOW)
            listing = partial(
                call_api.list_calls,
                phone_number=allocation.virtual_number,
                since=since,
                until=window_end,
            )
            records = call_with_retries(partial(exotel_request, "calls", listing))
            for record in records:
                call_apply_record(record=record)
            applied += len(records)
            since = window_end
    except DEPLOYMENT_WIDE:
        raise  # nothing was asked of Exotel; the backfill stays due
    except errors.ExotelError as error:
        Allocation.objects.filter(pk=allocation.pk).update(
            calls_checked_at=now, calls_check_error=str(error)[:2000]
        )
        raise
    Allocation.objects.filter(pk=allocation.pk).update(calls_checked_at=now, calls_check_error="")
    return applied


# --- recordings ----------------------------------------------------------------------------


def call_recording_record_fetch(
    *, call: Call, problem: str = "", error: errors.ExotelError | None = None
) -> None:
    """Note how the last fetch of the call's recording went: `problem` (a RecordingProblem)
    with the `error` that caused it, or "" for a fetch that served it, which clears the last
    failure. A success with nothing to clear writes nothing (players fetch many ranges)."""
    if not problem and not call.recording_error:
        return
    if problem == RecordingProblem.REFUSED:
        detail = recordings.recording_folder(call.recording_url)
    elif error is not None:
        detail = _fetch_failure_words(error)
    else:
        detail = ""
    call.recording_error, call.recording_error_detail = problem, detail[:300]
    call.recording_checked_at = timezone.now()
    Call.objects.filter(pk=call.pk).update(
        recording_error=call.recording_error,
        recording_error_detail=call.recording_error_detail,
        recording_checked_at=call.recording_checked_at,
    )


def _fetch_failure_words(error: errors.ExotelError) -> str:
    # Exotel's own message is S3's XML or a proxy's page: the status says enough, and nothing
    # from the answer's body reaches a page.
    if isinstance(error, errors.Timeout):
        return "no answer in time"
    if isinstance(error, errors.ConnectionFailed):
        return "could not connect"
    if error.status:
        return f"HTTP {error.status}"
    return error.kind.replace("_", " ")


def _note_recording_refusal(call: Call, now: datetime) -> None:
    """Mark a recording URL the settings refuse as soon as it arrives, so /health/ shows it
    before anyone presses play; a refusal the settings no longer make is cleared."""
    refused = bool(call.recording_url) and not recordings.recording_origin_allowed(
        call.recording_url
    )
    if refused and call.recording_error != RecordingProblem.REFUSED:
        call.recording_error = RecordingProblem.REFUSED
        call.recording_error_detail = recordings.recording_folder(call.recording_url)
        call.recording_checked_at = now
    elif not refused and call.recording_error == RecordingProblem.REFUSED:
        call.recording_error, call.recording_error_detail = "", ""
        call.recording_checked_at = now


# --- linking -------------------------------------------------------------------------------


class CallLinkRefused(Exception):
    """A link by hand that cannot be made; `reason` says which rule refused it."""

    ALREADY_LINKED = "already_linked"
    NOT_POSSIBLE = "not_possible"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@transaction.atomic
def call_link(*, call: Call, allocation_id: int, user: Any) -> Call:
    """Link an unlinked call to one of the allocations it may have gone through (its virtual
    number, a lifetime containing its start), as `user` decided; the automatic rule never
    overrides it. Raises CallLinkRefused for a call already linked (also by someone else a
    moment ago) or an allocation it cannot have gone through. The caller audits it."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.allocation_id is not None:
        raise CallLinkRefused(
            CallLinkRefused.ALREADY_LINKED, "This call is already linked to an allocation."
        )
    allocation = allocation_list_possible_for_call(call=call).filter(pk=allocation_id).first()
    if allocation is None:
        raise CallLinkRefused(
            CallLinkRefused.NOT_POSSIBLE,
            "That allocation cannot have taken this call: it is not on the call's virtual "
            "number, or its lifetime does not contain the call's start.",
        )
    call.allocation, call.link_state = allocation, LinkState.MANUAL
    call.linked_by, call.linked_at = user, timezone.now()
    call.save(update_fields=["allocation", "link_state", "linked_by", "linked_at"])
    return call


def call_link_manually(*, call: Call, allocation: Allocation | None, user: Any = None) -> Call:
    """An admin's decision (any allocation, or none to hand the call back to the automatic
    rule), which automatic linking never overrides."""
    call.allocation = allocation
    call.link_state = LinkState.MANUAL if allocation else LinkState.PENDING
    call.linked_by, call.linked_at = (user, timezone.now()) if allocation else (None, None)
    call.save(update_fields=["allocation", "link_state", "linked_by", "linked_at"])
    if allocation is None:
        _link(call)
    return call


def call_relink(*, call: Call) -> Call:
    """Run the automatic linking rule again (admin action), unless an admin linked it."""
    if call.link_state != LinkState.MANUAL:
        call.link_state = LinkState.PENDING
        call.allocation = None
        _link(call)
    return call


def calls_relink_unmatched(*, limit: int = 500) -> int:
    """Run the linking rule again for unmatched calls that a newly synced allocation may fit."""
    relinked = 0
    for call in call_list_to_relink(limit=limit):
        with transaction.atomic():
            _link(call)
        relinked += call.allocation_id is not None
    return relinked


def _link(call: Call) -> None:
    """Link to the allocation named by the call's GreenPin ID, else to the one candidate of
    `allocation_candidates_for_call`. Runs on every change, since later details (the custom field,
    the start time) can change which allocation fits; only an admin's link is left alone."""
    if call.link_state == LinkState.MANUAL:
        return
    if call.greenpin_id:
        allocation = Allocation.objects.filter(greenpin_id=call.greenpin_id).first()
        if allocation is None:
            if not auto_track_take_slot():
                # Over this minute's share: the call waits, unlinked, and the next pass's
                # relinking tries again (link_checked_at stays empty).
                call.allocation, call.link_state, call.link_checked_at = (
                    None,
                    LinkState.PENDING,
                    None,
                )
                call.save(update_fields=["allocation", "link_state", "link_checked_at"])
                return
            # An allocation nobody imported: mirror it from now on.
            (allocation,) = allocation_track_and_refresh(greenpin_ids=[call.greenpin_id])
        call.allocation, call.link_state = allocation, LinkState.LINKED
    else:
        candidates = list(
            allocation_candidates_for_call(call=call).values_list("pk", flat=True)[:2]
        )
        if len(candidates) == 1:
            call.allocation_id, call.link_state = candidates[0], LinkState.LINKED
        else:
            call.allocation = None
            call.link_state = LinkState.AMBIGUOUS if candidates else LinkState.NO_CANDIDATE
    call.link_checked_at = timezone.now()
    call.save(update_fields=["allocation", "link_state", "link_checked_at"])


AUTO_TRACK_WINDOW = 60  # seconds


def auto_track_cap() -> int:
    """How many GreenPin IDs first seen in events may be tracked per AUTO_TRACK_WINDOW: each
    costs at least one GreenPin request, so a set share of the request budget."""
    return int(settings.EXOTEL_RATE_LIMIT_PER_MINUTE * settings.AUTO_TRACK_BUDGET_SHARE)


def auto_track_take_slot() -> bool:
    """Count one GreenPin ID first seen in an event; False when this window's share is spent.

    Counted by the deployment's coordination layer (Redis or the database), so every worker
    shares one cap. Invented IDs sent to the webhook can therefore never spend more than the
    share of the budget, nor create more than the cap of rows, per window."""
    return coordinator().increment("auto-track", AUTO_TRACK_WINDOW) <= auto_track_cap()


def auto_track_counts() -> tuple[int, int, int]:
    """(tracked, held back, cap) in the current window, for the health page."""
    seen, cap = coordinator().count("auto-track"), auto_track_cap()
    return min(seen, cap), max(0, seen - cap), cap


# --- helpers -------------------------------------------------------------------------------


def _call_for_update(sid: str) -> Call:
    # Locks the row, so two workers folding events into one call take turns.
    call, _ = Call.objects.select_for_update().get_or_create(sid=sid)
    return call


def _advance_status(call: Call, status: str) -> None:
    """A call never moves backwards, and a terminal status is final."""
    if not status or call.status in TERMINAL_STATUSES:
        return
    if STATUS_RANK.get(status, 0) > STATUS_RANK.get(call.status, 0):
        call.status = status


def _merge_event(call: Call, event: ParsedEvent) -> None:
    """Events fill what is still unknown; they never overwrite the Call API's values."""
    _advance_status(call, event.status)
    filled = ("greenpin_id", "from_number", "to_number", "recording_url", "bridged_to")
    for name in (*filled, "leg1_status", "leg2_status"):
        if not getattr(call, name) and getattr(event, name):
            setattr(call, name, getattr(event, name))
    for name in ("start_time", "end_time", "talk_duration"):
        if getattr(call, name) is None and getattr(event, name) is not None:
            setattr(call, name, getattr(event, name))
    if event.custom_field is not None and not call.custom_field:
        call.custom_field = event.custom_field
    if not call.order_id:
        call.order_id = event.order_reference or parse_order_id(call.custom_field)


def _next_pull(call: Call, now: datetime) -> datetime | None:
    if call.is_complete_for_pull:
        return None
    # A terminal call waits only for its recording, until the recording deadline.
    started = call.start_time or call.first_seen_at
    deadline = call.recording_deadline if call.is_terminal else started + PULL_GIVE_UP_AFTER
    if now >= deadline:
        return None
    delay = backoff_delay(
        min(call.pull_attempts, 10) + 1,
        base=PULL_BACKOFF_START,
        cap=PULL_BACKOFF_CAP,
        spread=(0.8, 1.2),
    )
    return min(deadline, now + timedelta(seconds=delay))


@transaction.atomic
def _record_pull_failure(call: Call, message: str) -> None:
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.pull_attempts += 1
    call.last_sync_error = message[:2000]
    call.next_pull_at = _next_pull(call, timezone.now())
    call.save(update_fields=["pull_attempts", "last_sync_error", "next_pull_at"])
