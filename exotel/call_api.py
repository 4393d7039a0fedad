"""Exotel's Call Details API (Voice v1) and its recordings: the only code that speaks HTTP to
them. Credentials are the API key and token, never the ExoBridge token."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from . import errors, http
from .call_statuses import normalize_status
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


class RecordingRefused(errors.ExotelError):
    """The recording URL's origin is not in RECORDING_ALLOWED_ORIGINS: nothing was fetched."""

    kind = "recording_refused"
    permanent = True


@dataclass
class RecordingStream:
    status: int
    headers: dict[str, str]
    response: requests.Response

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            yield from self.response.iter_content(size)
        finally:
            self.response.close()


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


def open_recording(url: str, *, range_header: str | None = None) -> RecordingStream:
    """Start streaming a recording, passing `Range` through.

    Exotel recordings are private (since October 2024): they are fetched with the API key and
    token. The request goes to the URL rebuilt from `recording_request_url`'s validated parts
    (never to the stored text), and redirects are not followed, so an event cannot make this
    server send the credentials, or any request, anywhere else.
    """
    checked = recording_request_url(
        url,
        allowed_origins=settings.RECORDING_ALLOWED_ORIGINS,
        path_prefix=_recording_path_prefix(),
    )
    if checked is None:
        raise RecordingRefused("recording URL refused: not a plain URL on an allowed origin")
    headers = {"Range": range_header} if range_header else {}
    response = _send(checked, None, headers=headers, stream=True)
    passed = {
        name: response.headers[name]
        for name in ("Content-Length", "Content-Range", "Accept-Ranges")
        if name in response.headers
    }
    # Only audio is served as what it claims to be: anything else is an opaque download, so
    # a hostile file can never run as a page on the console's origin.
    content_type = response.headers.get("Content-Type", "")
    passed["Content-Type"] = (
        content_type if content_type.startswith("audio/") else "application/octet-stream"
    )
    return RecordingStream(status=response.status_code, headers=passed, response=response)


def recording_origin_allowed(url: str) -> bool:
    """Whether `url` is one of this account's recordings on an allowed origin."""
    return (
        recording_request_url(
            url,
            allowed_origins=settings.RECORDING_ALLOWED_ORIGINS,
            path_prefix=_recording_path_prefix(),
        )
        is not None
    )


def _recording_path_prefix() -> str:
    # The allowed origins are shared S3 endpoints that host anyone's buckets, so the path must
    # also be under this account's recordings.
    return settings.RECORDING_ALLOWED_PATH_PREFIX.format(account_sid=settings.EXOTEL_ACCOUNT_SID)


# A plain `scheme://host[:port]/path`: no userinfo, query, fragment, backslash, whitespace,
# control or non-ASCII character can even reach the parser. Two parsers reading one URL
# differently (urlsplit against urllib3 on `\@`) is how a check passes one host while the
# request goes to another, so the text must be one every parser reads the same way.
_PLAIN_URL = re.compile(
    r"(?P<scheme>https?)://"
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<path>/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2}){0,900})"
)
# Escapes that would smuggle a dot segment, a separator or another escape past the path check.
_HOSTILE_ESCAPE = re.compile(r"%(?:2e|2f|5c|25|[01][0-9a-f]|7f)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def recording_request_url(
    url: str, *, allowed_origins: Iterable[str], path_prefix: str
) -> str | None:
    """The URL to request for the recording at `url`, rebuilt from validated parts, or None.

    None unless `url` is a plain `scheme://host[:port]/path` whose origin is one of
    `allowed_origins` and whose path is under `path_prefix`, with no dot segment in any
    spelling. The parts come from urllib3's parser, the one that sends the request.
    """
    plain = _PLAIN_URL.fullmatch(url) if isinstance(url, str) else None
    if plain is None or _HOSTILE_ESCAPE.search(url):
        return None
    try:
        parts = parse_url(url)
    except LocationParseError:
        return None
    if parts.auth or parts.query is not None or parts.fragment is not None:
        return None
    # The sending parser must read exactly what was checked (it also drops dot segments,
    # which is why they are looked for in the text, before it parses).
    scheme, host, path = plain["scheme"], plain["host"].lower(), plain["path"]
    if (parts.scheme, (parts.host or "").lower(), parts.path) != (scheme, host, path):
        return None
    origin = _normal_origin(scheme, host, parts.port)
    if origin not in {_allowed_origin(allowed) for allowed in allowed_origins}:
        return None
    if any(segment in ("", ".", "..") for segment in path.split("/")[1:]):
        return None
    if not path.startswith(path_prefix):
        return None
    return origin + path


def _normal_origin(scheme: str, host: str, port: int | None) -> str:
    shown_port = "" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}"
    return f"{scheme}://{host.lower()}{shown_port}"


def _allowed_origin(origin: str) -> str:
    try:
        parts = parse_url(origin.strip().rstrip("/"))
    except LocationParseError:
        return ""
    if parts.scheme not in _DEFAULT_PORTS or not parts.host:
        return ""
    return _normal_origin(parts.scheme, parts.host, parts.port)


def _absolute(uri: str) -> str:
    return (
        uri
        if uri.startswith(("http://", "https://"))
        else settings.EXOTEL_CALLS_URL.rstrip("/") + uri
    )


# --- HTTP -----------------------------------------------------------------------------------


def _get_json(url: str, params: dict[str, str] | None) -> Any:
    return http.json_body(_send(url, params), api=API)


def _send(
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
