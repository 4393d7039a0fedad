"""Exotel's call-event payloads, in their three shapes, mapped onto one `ParsedEvent`.

- Voice status callbacks (`CallSid`, `Status`, `EventType`, …), form-encoded or JSON;
- GreenPin call events (`call_sid`, `greenpin_id`, `call_type`, …), JSON;
- plain lifecycle events (initiated, ringing, answered, completed), which arrive in either
  of the above with the lifecycle name as `EventType`/`Status`.
Unknown fields stay in the stored payload and are ignored here. A call's total duration is
taken from the Call API only (events' duration fields mean different legs in each shape); an
event's talk time (ConversationDuration, on_call_duration) fills in until the pull.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exotel.call_statuses import TERMINAL_STATUSES, leg_status, normalize_status
from exotel.ids import MAX_ID_LENGTH, is_exotel_id
from exotel.phones import normalize_phone
from exotel.times import parse_exotel_time

# GreenPin's `call_type` and `dial_call_status` words, onto the Voice statuses.
GREENPIN_CALL_TYPES = {
    "call-attempt": "ringing",
    "client-hangup": "canceled",
    "completed": "completed",
}
EVENT_TYPE_STATUSES = {
    "initiated": "initiated",
    "ringing": "ringing",
    "answered": "in-progress",
    "in-progress": "in-progress",
}


class MalformedEvent(ValueError):
    """The delivery cannot be a call event (no call SID, not an object)."""


@dataclass(frozen=True)
class ParsedEvent:
    call_sid: str
    shape: str
    event_type: str
    status: str
    greenpin_id: str = ""
    from_number: str = ""
    to_number: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    sent_at: datetime | None = None
    talk_duration: int | None = None
    recording_url: str = ""
    custom_field: str | None = None
    # GreenPin events carry the order reference itself, not the custom field.
    order_reference: str = ""
    # The party the caller was bridged to, where the event names it (GreenPin's `to`).
    bridged_to: str = ""
    leg1_status: str = ""
    leg2_status: str = ""


# Column widths of what is kept from an event: longer values are cut, never a database error.
MAX_TEXT = 64


def parse_event(payload: dict[str, Any]) -> ParsedEvent:
    """The event in `payload`, or `MalformedEvent` when it names no call."""
    if not isinstance(payload, dict):
        raise MalformedEvent("the body is not an object")
    greenpin = bool(_first(payload, "call_sid")) and not _first(payload, "CallSid", "CallSID")
    event = _parse_greenpin(payload) if greenpin else _parse_voice(payload)
    if not event.call_sid:
        raise MalformedEvent("no call SID in the event")
    # IDs end up in URLs and headers: only the shape Exotel issues is accepted.
    if not is_exotel_id(event.call_sid):
        raise MalformedEvent(
            f"the call SID is not {MAX_ID_LENGTH} or fewer letters, digits, '_' or '-'"
        )
    if event.greenpin_id and not is_exotel_id(event.greenpin_id):
        raise MalformedEvent(
            f"the GreenPin ID is not {MAX_ID_LENGTH} or fewer letters, digits, '_' or '-'"
        )
    return event


def _parse_voice(payload: dict[str, Any]) -> ParsedEvent:
    sid = _first(payload, "CallSid", "CallSID", "Sid")
    event_type = _first(payload, "EventType").lower()
    status = normalize_status(_first(payload, "Status"))
    if not status or status in EVENT_TYPE_STATUSES:
        status = EVENT_TYPE_STATUSES.get(event_type, status)
    return ParsedEvent(
        call_sid=sid,
        shape="voice",
        event_type=(event_type or status)[:32],
        status=status[:16],
        greenpin_id=_first(payload, "GreenPinId", "greenpin_id"),
        from_number=_phone(_first(payload, "From")),
        to_number=_phone(_first(payload, "To")),
        start_time=_time(_first(payload, "StartTime")),
        end_time=_time(_first(payload, "EndTime")),
        sent_at=_time(_first(payload, "DateUpdated", "DateCreated")),
        talk_duration=_seconds(_first(payload, "ConversationDuration")),
        recording_url=_url(_first(payload, "RecordingUrl")),
        custom_field=payload.get("CustomField") if "CustomField" in payload else None,
        leg1_status=_leg(payload, 0),
        leg2_status=_leg(payload, 1),
    )


def _parse_greenpin(payload: dict[str, Any]) -> ParsedEvent:
    sid = _first(payload, "call_sid")
    call_type = _first(payload, "call_type").lower()
    dial_status = normalize_status(_first(payload, "dial_call_status"))
    if call_type == "incomplete":
        status = dial_status if dial_status in TERMINAL_STATUSES else "no-answer"
    else:
        status = GREENPIN_CALL_TYPES.get(call_type, normalize_status(call_type))
    if call_type == "call-attempt" and dial_status in EVENT_TYPE_STATUSES.values():
        status = dial_status
    order_reference = _first(payload, "transaction_id", "transation_id")
    return ParsedEvent(
        call_sid=sid,
        shape="greenpin",
        event_type=call_type[:32],
        status=status[:16],
        greenpin_id=_first(payload, "greenpin_id"),
        from_number=_phone(_first(payload, "from")),
        to_number=_phone(_first(payload, "vn", "to")),
        start_time=_time(_first(payload, "start_time")),
        sent_at=_time(_first(payload, "current_time")),
        talk_duration=_seconds(_first(payload, "on_call_duration")),
        recording_url=_url(_first(payload, "recording_url")),
        order_reference=order_reference[:256],
        bridged_to=_phone(_first(payload, "to")),
        # "Second leg status": the call out to the other party.
        leg2_status=leg_status(_first(payload, "dial_call_status")),
    )


def _first(payload: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = payload.get(key)
        if isinstance(value, list):  # a form field sent twice
            value = value[-1] if value else None
        if value is not None and not isinstance(value, dict | list):
            text = str(value).strip()
            if text and text.lower() not in {"null", "none"}:
                return text
    return ""


def _leg(payload: dict[str, Any], index: int) -> str:
    """The end status of leg `index` in a status callback's `Legs` (JSON only: the form
    encoding has no room for a list)."""
    legs = payload.get("Legs")
    if not isinstance(legs, list) or len(legs) <= index or not isinstance(legs[index], dict):
        return ""
    return leg_status(legs[index].get("Status"))


def _phone(value: str) -> str:
    return normalize_phone(value) or "" if value else ""


def _time(value: str) -> datetime | None:
    try:
        return parse_exotel_time(value)
    except ValueError:
        return None  # a late detail; the Call API pull brings the real one


def _seconds(value: str) -> int | None:
    try:
        return max(0, int(float(value))) if value else None
    except ValueError:
        return None


def _url(value: str) -> str:
    return value if value.startswith(("http://", "https://")) and len(value) <= 1000 else ""
