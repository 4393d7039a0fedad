"""The GreenPin (LeadAssist / ExoBridge) API: the only code that speaks HTTP to it.

Exotel's documentation shows two envelopes for an allocation, the current
`{"response": {...}}` and the classic `{"success": ..., "data": {...}}`; both are accepted and
mapped to one `AllocationRecord`. Every field is validated, so a body that does not validate
raises `BadResponse` and nothing of it is written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from . import errors, http
from .ids import is_exotel_id
from .phones import normalize_phone
from .times import parse_exotel_time

STATUSES = {"active", "expired", "deleted"}
# The classic envelope names states differently; these are the names seen in its docs.
CLASSIC_STATES = {
    "active": "active",
    "allocated": "active",
    "expired": "expired",
    "deallocated": "expired",
    "deleted": "deleted",
}


@dataclass(frozen=True)
class AllocationRecord:
    greenpin_id: str
    virtual_number: str
    pin: str
    a_numbers: tuple[str, ...]
    b_numbers: tuple[str, ...]
    status: str
    created_at: datetime | None
    expires_at: datetime | None
    call_count: int
    custom_field: str
    # The classic envelope carries the order reference here instead of in custom_field.
    transaction_id: str
    raw: dict[str, Any]


API = "GreenPin API"
CREDENTIALS = "EXOTEL_ACCOUNT_SID and EXOTEL_EXOBRIDGE_TOKEN"
_session = http.PerProcess(requests.Session)


def get_allocation(greenpin_id: str) -> AllocationRecord:
    """Fetch one allocation.

    Exotel: "Get Pin Allocation Details",
    GET https://leadassist.exotel.in/v1/tenants/<tenant_id>/greenpin/<greenpin_id>
    (developer.exotel.com/docs/lead-assist/api-reference).
    """
    base = settings.EXOTEL_GREENPIN_URL.rstrip("/")
    url = (
        f"{base}/v1/tenants/{quote(settings.EXOTEL_TENANT_ID, safe='')}"
        f"/greenpin/{quote(greenpin_id, safe='')}"
    )
    response = http.send(
        _session,
        url,
        api=API,
        auth=(settings.EXOTEL_ACCOUNT_SID, settings.EXOTEL_EXOBRIDGE_TOKEN),
        credentials=CREDENTIALS,
        error_message=_error_message,
    )
    return parse_allocation(http.json_body(response, api=API))


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return http.snippet(response.text)
    if isinstance(body, dict):
        nested: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else body
        message = nested.get("message")
        if isinstance(message, str) and message:
            return message
    return http.snippet(response.text)


# --- parsing --------------------------------------------------------------------------------


def parse_allocation(body: Any) -> AllocationRecord:
    """An `AllocationRecord` from either envelope, or `BadResponse`."""
    if not isinstance(body, dict):
        raise errors.BadResponse("allocation body is not a JSON object")
    if "response" in body:
        return _parse_response_envelope(body)
    if "data" in body or "success" in body:
        return _parse_classic_envelope(body)
    raise errors.BadResponse("allocation body has neither `response` nor `data`")


def _parse_response_envelope(body: dict[str, Any]) -> AllocationRecord:
    data = body["response"]
    if not isinstance(data, dict):
        raise errors.BadResponse("`response` is not an object")
    status = _text(data, "status").lower()
    if status not in STATUSES:
        raise errors.BadResponse(f"unknown allocation status {status!r}")
    custom_field = data.get("custom_field")
    if custom_field is not None and not isinstance(custom_field, str):
        raise errors.BadResponse("`custom_field` is not a string")
    return AllocationRecord(
        greenpin_id=_exotel_id(data, "greenpin_id"),
        virtual_number=_phone(data.get("virtual_number"), "virtual_number"),
        pin=_pin(data.get("pin")),
        a_numbers=_phones(data.get("from"), "from"),
        b_numbers=_phones(data.get("to", []), "to"),
        status=status,
        created_at=_time(data.get("created_at"), "created_at"),
        expires_at=_time(data.get("expires_at"), "expires_at"),
        call_count=_count(data.get("call_count", 0)),
        custom_field=custom_field or "",
        transaction_id="",
        raw=body,
    )


def _parse_classic_envelope(body: dict[str, Any]) -> AllocationRecord:
    if body.get("success") is False:
        given = body.get("status")
        raise errors.error_for_status(
            given if isinstance(given, int) else 500,
            str(body.get("message") or "") or "no details given",
            credentials=CREDENTIALS,
        )
    data = body.get("data")
    if not isinstance(data, dict):
        raise errors.BadResponse("`data` is not an object")
    a_side, b_side = data.get("a"), data.get("b")
    if not isinstance(a_side, dict) or not isinstance(b_side, dict):
        raise errors.BadResponse("`a` or `b` is not an object")
    vns = a_side.get("vns")
    if not isinstance(vns, list) or not vns:
        raise errors.BadResponse("`a.vns` is not a non-empty list")
    state = str(data.get("state") or "").lower()
    if state not in CLASSIC_STATES:
        raise errors.BadResponse(f"unknown allocation state {state!r}")
    transaction_id = data.get("transaction_id")
    if transaction_id is not None and not isinstance(transaction_id, str | int):
        raise errors.BadResponse("`transaction_id` is not a string")
    return AllocationRecord(
        greenpin_id=_exotel_id(data, "greenpin_id"),
        virtual_number=_phone(vns[0], "a.vns"),
        pin=_pin(a_side.get("pin")),
        a_numbers=_phones(a_side.get("numbers"), "a.numbers"),
        b_numbers=_phones(b_side.get("numbers", []), "b.numbers"),
        status=CLASSIC_STATES[state],
        created_at=_time(data.get("allocation_time"), "allocation_time"),
        expires_at=_time(data.get("deallocation_time"), "deallocation_time"),
        call_count=_count(data.get("call_count", 0)),
        custom_field="",
        transaction_id="" if transaction_id is None else str(transaction_id),
        raw=body,
    )


def _exotel_id(data: dict[str, Any], key: str) -> str:
    value = _text(data, key)
    if not is_exotel_id(value):
        raise errors.BadResponse(f"`{key}` is not an ID of letters, digits, '_' or '-'")
    return value


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise errors.BadResponse(f"`{key}` is missing or not a string")
    return value.strip()


def _pin(value: Any) -> str:
    # A PIN is text: "0482" must keep its zero. An integer has already lost it, so refuse it.
    if not isinstance(value, str) or not value.strip().isdigit():
        raise errors.BadResponse("`pin` is missing or not a string of digits")
    return value.strip()


def _phone(value: Any, field: str) -> str:
    number = normalize_phone(value) if isinstance(value, str) else None
    if number is None:
        raise errors.BadResponse(f"`{field}` is not a phone number")
    return number


def _phones(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise errors.BadResponse(f"`{field}` is not a list")
    numbers: list[str] = []
    for item in value:
        number = _phone(item, field)
        if number not in numbers:
            numbers.append(number)
    return tuple(numbers)


def _time(value: Any, field: str) -> datetime | None:
    try:
        return parse_exotel_time(value)
    except ValueError:
        raise errors.BadResponse(f"`{field}` is not a timestamp") from None


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise errors.BadResponse("`call_count` is not a number")
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise errors.BadResponse("`call_count` is not a number") from None
    if count < 0:
        raise errors.BadResponse("`call_count` is negative")
    return count
