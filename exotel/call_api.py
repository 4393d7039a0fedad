"""Exotel's Call Details API (Voice v1): the only code that speaks HTTP to it (recordings, fetched
with the same credentials, are in `recordings.py`). Credentials are the API key and token, never
the ExoBridge token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from django.conf import settings

from . import errors, http
from .call_statuses import leg_status, normalize_status
from .ids import is_exotel_id
from .phones import normalize_phone
from .times import parse_exotel_time

BULK_LIMIT = 100  # Sids per bulk request and calls per page, both Exotel's maxima
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Voice v1 filters: IST wall time, no offset


@dataclass(frozen=True)
class CallRecord:
    sid: str
    from_number: str
    to_number: str
    status: str
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None
    talk_duration: int | None
    price: str
    direction: str
    recording_url: str
    custom_field: str | None
    raw: dict[str, Any]
    # How each leg ended (`Details.Leg1Status`, `Leg2Status`); empty until it has.
    leg1_status: str = ""
    leg2_status: str = ""


API = "Call API"
CREDENTIALS = "EXOTEL_API_KEY and EXOTEL_API_TOKEN"
_session = http.PerProcess(requests.Session)


def _calls_url(suffix: str) -> str:
    base = settings.EXOTEL_CALLS_URL.rstrip("/")
    return f"{base}/v1/Accounts/{quote(settings.EXOTEL_ACCOUNT_SID, safe='')}/Calls{suffix}"


def get_call(sid: str) -> CallRecord:
    """One call's details.

    Exotel: "Call Details", GET /v1/Accounts/<sid>/Calls/<CallSid>.json?details=true
    (developer.exotel.com/api/call-details).
    """
    body = _get_json(_calls_url(f"/{quote(sid, safe='')}.json"), {"details": "true"})
    call = body.get("Call") if isinstance(body, dict) else None
    return parse_call(call)


def get_calls(sids: Sequence[str]) -> list[CallRecord]:
    """Details of many calls, one request per 100 SIDs; SIDs Exotel does not know are absent.

    Exotel: "Bulk Call Details", GET /v1/Accounts/<sid>/Calls.json?Sid=a,b,…
    (developer.exotel.com/api/call-details-bulk).
    """
    records: list[CallRecord] = []
    unique = list(dict.fromkeys(sids))
    for start in range(0, len(unique), BULK_LIMIT):
        chunk = unique[start : start + BULK_LIMIT]
        params = {"Sid": ",".join(chunk), "PageSize": str(BULK_LIMIT), "details": "true"}
        records += _parse_page(_get_json(_calls_url(".json"), params))[0]
    return records


def list_calls(*, phone_number: str, since: datetime, until: datetime) -> list[CallRecord]:
    """Every call to or from `phone_number` created between `since` and `until`, all pages.

    Exotel: "Bulk Call Details" with `PhoneNumber` and `DateCreated` filters; follows
    `Metadata.NextPageUri` until it is null.
    """
    zone = ZoneInfo(settings.EXOTEL_TIME_ZONE)
    window = (
        f"gte:{since.astimezone(zone):{TIME_FORMAT}};lte:{until.astimezone(zone):{TIME_FORMAT}}"
    )
    url: str | None = _calls_url(".json")
    params: dict[str, str] | None = {
        "PhoneNumber": phone_number,
        "DateCreated": window,
        "PageSize": str(BULK_LIMIT),
        "details": "true",
    }
    records: list[CallRecord] = []
    while url:
        page, next_uri = _parse_page(_get_json(url, params))
        records += page
        url = _absolute(next_uri) if next_uri else None
        params = None  # the next page's URI carries every filter
    return records


def _absolute(uri: str) -> str:
    return (
        uri
        if uri.startswith(("http://", "https://"))
        else settings.EXOTEL_CALLS_URL.rstrip("/") + uri
    )


# --- HTTP -----------------------------------------------------------------------------------


def _get_json(url: str, params: dict[str, str] | None) -> Any:
    return http.json_body(send(url, params), api=API)


def send(
    url: str,
    params: dict[str, str] | None,
    *,
    headers: dict[str, str] | None = None,
    stream: bool = False,
) -> requests.Response:
    return http.send(
        _session,
        url,
        api=API,
        auth=(settings.EXOTEL_API_KEY, settings.EXOTEL_API_TOKEN),
        credentials=CREDENTIALS,
        error_message=_error_message,
        params=params,
        headers=headers,
        stream=stream,
    )


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
        message = body["RestException"]["Message"]
        if isinstance(message, str) and message:
            return message
    except (ValueError, KeyError, TypeError):
        pass
    return http.snippet(response.text)


# --- parsing --------------------------------------------------------------------------------


def _parse_page(body: Any) -> tuple[list[CallRecord], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("Calls"), list):
        raise errors.BadResponse("bulk call body has no `Calls` list")
    metadata: dict[str, Any] = body["Metadata"] if isinstance(body.get("Metadata"), dict) else {}
    next_uri = metadata.get("NextPageUri")
    return [parse_call(call) for call in body["Calls"]], next_uri if isinstance(
        next_uri, str
    ) and next_uri else None


def parse_call(call: Any) -> CallRecord:
    """A `CallRecord` from one `Call` object, or `BadResponse`."""
    if not isinstance(call, dict):
        raise errors.BadResponse("call body is not an object")
    sid = call.get("Sid")
    if not isinstance(sid, str) or not sid.strip():
        raise errors.BadResponse("`Sid` is missing")
    if not is_exotel_id(sid.strip()):
        raise errors.BadResponse("`Sid` is not an ID of letters, digits, '_' or '-'")
    status = normalize_status(str(call.get("Status") or ""))
    details: dict[str, Any] = call["Details"] if isinstance(call.get("Details"), dict) else {}
    custom_field = call.get("CustomField")
    recording_url = call.get("RecordingUrl")
    return CallRecord(
        sid=sid.strip(),
        from_number=_number(call.get("From")),
        to_number=_number(call.get("To")),
        status=status,
        start_time=_time(call.get("StartTime"), "StartTime"),
        end_time=_time(call.get("EndTime"), "EndTime"),
        duration=_seconds(call.get("Duration"), "Duration"),
        talk_duration=_seconds(details.get("ConversationDuration"), "ConversationDuration"),
        price=_price(call.get("Price")),
        direction=str(call.get("Direction") or ""),
        recording_url=recording_url
        if isinstance(recording_url, str) and recording_url.startswith(("http://", "https://"))
        else "",
        custom_field=custom_field if isinstance(custom_field, str) else None,
        raw=call,
        leg1_status=leg_status(details.get("Leg1Status")),
        leg2_status=leg_status(details.get("Leg2Status")),
    )


def _number(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise errors.BadResponse("a phone number is not a string")
    return normalize_phone(value) or value.strip()


def _time(value: Any, field: str) -> datetime | None:
    try:
        return parse_exotel_time(value)
    except ValueError:
        raise errors.BadResponse(f"`{field}` is not a timestamp") from None


def _seconds(value: Any, field: str) -> int | None:
    if value in (None, "", "null"):
        return None
    try:
        seconds = int(float(value))
    except (TypeError, ValueError):
        raise errors.BadResponse(f"`{field}` is not a number of seconds") from None
    if seconds < 0:
        raise errors.BadResponse(f"`{field}` is negative")
    return seconds


def _price(value: Any) -> str:
    if value in (None, "", "null"):
        return ""
    try:
        return str(Decimal(str(value)))
    except InvalidOperation:
        raise errors.BadResponse("`Price` is not a number") from None
