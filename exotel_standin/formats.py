"""Wire formats: times, phone numbers and the JSON bodies the two Exotel APIs answer with.

Pure functions over the state's records, so the HTTP handler, the webhook pusher and the
Python API all render the same thing.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from .state import Allocation, Call

# India has had no DST since 1945, so a fixed offset is exact and needs no tzdata.
IST = timezone(timedelta(hours=5, minutes=30), "IST")
PLAIN_FORMAT = "%Y-%m-%d %H:%M:%S"
ORDER_ID_KEY = "order_id"


class _Absent:
    """Marker type for a custom_field whose key is left out of the response altogether."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT = _Absent()


def now_utc() -> datetime:
    """The stand-in's wall clock (aware UTC)."""
    return datetime.now(UTC)


def ist_iso(dt: datetime) -> str:
    """`2024-06-15T10:30:00+05:30`: the seed's timestamp format."""
    return dt.astimezone(IST).isoformat(timespec="seconds")


def ist_plain(dt: datetime) -> str:
    """`2024-06-15 10:30:00`: Voice v1 / classic GreenPin format, IST without an offset."""
    return dt.astimezone(IST).strftime(PLAIN_FORMAT)


def parse_ist_plain(text: str) -> datetime:
    """Parse `YYYY-MM-DD HH:MM:SS` as IST; raises ValueError."""
    return datetime.strptime(text.strip(), PLAIN_FORMAT).replace(tzinfo=IST)


def aware(dt: datetime) -> datetime:
    """Naive datetimes given to the Python API are taken as IST, like Exotel's own."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=IST)


def parse_datetime(text: str) -> datetime:
    """ISO 8601 or `YYYY-MM-DD HH:MM:SS` (naive → IST); raises ValueError."""
    return aware(datetime.fromisoformat(text.strip()))


def normalise_number(raw: str) -> str | None:
    """E.164 for the forms Indian numbers arrive in (`+91…`, `91…`, `0…`, 10 digits), else None."""
    text = raw.strip()
    for ch in " -().":
        text = text.replace(ch, "")
    if text.startswith("+"):
        digits = text[1:]
        return text if digits.isdigit() and 8 <= len(digits) <= 15 else None
    if not text.isdigit():
        return None
    if len(text) == 10:
        return "+91" + text
    if len(text) == 11 and text.startswith("0"):
        return "+91" + text[1:]
    if len(text) == 12 and text.startswith("91"):
        return "+" + text
    return None


def without_country_code(number: str) -> str:
    """`+919900012345` → `9900012345`, as the classic GreenPin docs show numbers."""
    if number.startswith("+91") and len(number) == 13:
        return number[3:]
    return number.lstrip("+")


def _sid_hash(sid: str) -> int:
    return int.from_bytes(hashlib.sha256(sid.encode()).digest()[:4], "big")


def display_from(call: Call) -> str:
    """The caller as Exotel shows it: national with a leading 0 for about half the calls."""
    fmt = call.from_format
    if fmt == "auto":
        fmt = "national" if _sid_hash(call.sid) % 2 else "e164"
    if fmt == "national" and call.from_.startswith("+91") and len(call.from_) == 13:
        return "0" + call.from_[3:]
    return call.from_


def order_reference(custom_field: object, key: str = ORDER_ID_KEY) -> str | None:
    """The order reference in a custom_field: the `key=` value, or the whole field otherwise."""
    if not isinstance(custom_field, str):
        return None
    if "=" not in custom_field:
        return custom_field
    for pair in custom_field.split("&"):
        name, _, value = pair.partition("=")
        if unquote_plus(name) == key:
            return unquote_plus(value)
    return custom_field


# --- GreenPin -----------------------------------------------------------------------------


def seed_allocation(a: Allocation, now: datetime) -> dict[str, Any]:
    """The seed's `response` object, keys in the seed's order."""
    body: dict[str, Any] = {
        "greenpin_id": a.greenpin_id,
        "virtual_number": a.virtual_number,
        "pin": a.pin,
        "from": list(a.from_),
        "to": list(a.to),
        "status": a.status_at(now),
        "created_at": ist_iso(a.created_at),
        "expires_at": ist_iso(a.expires_at),
        "call_count": a.call_count,
    }
    if a.custom_field is not ABSENT:
        body["custom_field"] = a.custom_field
    return body


def classic_allocation(a: Allocation, now: datetime) -> dict[str, Any]:
    """The classic docs' `data` object for the same allocation."""
    state = a.status_at(now)
    ends = a.deleted_at if state == "deleted" and a.deleted_at else a.expires_at
    return {
        "transaction_id": order_reference(a.custom_field),
        "greenpin_id": a.greenpin_id,
        "a": {
            "vns": [a.virtual_number],
            "numbers": [without_country_code(n) for n in a.from_],
            "pin": a.pin,
        },
        "b": {"vns": [a.virtual_number], "numbers": [without_country_code(n) for n in a.to]},
        "usage": "twoway",
        "state": state,
        "deallocation_time": ist_plain(ends),
    }


def render_allocation(shape: str, a: Allocation, now: datetime) -> dict[str, Any]:
    """The allocation object in the configured shape (without the envelope)."""
    return classic_allocation(a, now) if shape == "classic" else seed_allocation(a, now)


def greenpin_ok(shape: str, status: int, data: Any) -> dict[str, Any]:
    """Success envelope for either shape."""
    if shape == "classic":
        return {"success": True, "status": status, "code": None, "message": None, "data": data}
    return {"response": data}


def greenpin_error_body(shape: str, status: int, code: int | None, message: str) -> dict[str, Any]:
    """Error envelope for either shape."""
    if shape == "classic":
        return {"success": False, "status": status, "code": code, "message": message, "data": None}
    return {"error": {"status": status, "code": code, "message": message}}


def calls_error_body(status: int, message: str) -> dict[str, Any]:
    """Voice v1 error envelope. No public list of Exotel's codes exists; Code echoes the status."""
    return {"RestException": {"Status": status, "Message": message, "Code": status}}


# --- Calls --------------------------------------------------------------------------------


def price(call: Call) -> str:
    """INR, 0.60 a started minute for connected calls."""
    if call.status != "completed":
        return "0.00"
    return f"{max(1, math.ceil(call.duration / 60)) * 0.60:.2f}"


# Where a call's RecordingUrl points: one of the stand-in's two buckets (Exotel's own, and the
# one the Call API's documented example names), or any other URL as given.
RECORDING_BUCKETS = ("exotelrecordings", "exorecordings")


def recording_url(
    base_url: str, account_sid: str, sid: str, where: str = "exotelrecordings"
) -> str:
    """Where the stand-in says a call's recording is (`where`: a bucket it serves, or a URL)."""
    if where not in RECORDING_BUCKETS:
        return where
    return f"{base_url}/{where}/{account_sid}/{sid}.wav"


LEG_STATUSES = {
    "completed": ("completed", "completed"),
    "busy": ("completed", "busy"),
    "no-answer": ("completed", "no-answer"),
    "failed": ("completed", "failed"),
}


def call_json(
    call: Call, account_sid: str, base_url: str, mono: float, details: bool
) -> dict[str, Any]:
    """The `Call` object of the Call Details API as visible at monotonic time `mono`."""
    done = call.is_complete(mono)
    end = call.start_time + timedelta(seconds=call.total)
    body: dict[str, Any] = {
        "Sid": call.sid,
        "ParentCallSid": None,
        "DateCreated": ist_plain(call.start_time),
        "DateUpdated": ist_plain(end if done else call.start_time),
        "AccountSid": account_sid,
        "To": call.to,
        "From": display_from(call),
        "PhoneNumberSid": call.to,
        "Status": call.status if done else "in-progress",
        "StartTime": ist_plain(call.start_time),
        "EndTime": ist_plain(end) if done else None,
        "Duration": str(call.total) if done else None,
        "Price": price(call) if done else None,
        "Direction": "inbound",
        "AnsweredBy": None,
        "ForwardedFrom": None,
        "CallerName": None,
        "Uri": f"/v1/Accounts/{account_sid}/Calls/{call.sid}.json",
        "RecordingUrl": (
            recording_url(base_url, account_sid, call.sid, call.recording_at)
            if call.recording_available(mono)
            else None
        ),
        "CustomField": None if call.custom_field is ABSENT else call.custom_field,
    }
    if details:
        leg1, leg2 = LEG_STATUSES[call.status] if done else ("in-progress", "in-progress")
        talk = call.duration if done and call.status == "completed" else 0
        body["Details"] = {
            "ConversationDuration": talk,
            "Leg1Status": leg1,
            "Leg2Status": leg2,
            "Legs": [
                {"Leg": {"Id": 1, "OnCallDuration": call.total if done else 0}},
                {"Leg": {"Id": 2, "OnCallDuration": talk}},
            ],
        }
    return body
