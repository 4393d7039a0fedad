"""The Exotel endpoints: GreenPin CRUD, Call Details (single, bulk) and recordings.

Each handler takes the state and the parsed request and returns a `Response`; anything the
wire reports as an error is raised as `ApiError` and rendered by the server in the shape of
the API it belongs to. Auth, faults and counting happen before these run (server.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from . import audio
from .formats import (
    ABSENT,
    call_json,
    greenpin_error_body,
    greenpin_ok,
    ist_iso,
    ist_plain,
    normalise_number,
    now_utc,
    parse_ist_plain,
    render_allocation,
)
from .state import DEFAULT_VN, Allocation, ApiError, Call, State

MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 300, 14_688_000, 86_400
MAX_CUSTOM_FIELD = 256
MAX_BULK_UPDATE = 100
MAX_SIDS, MAX_NUMBERS, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 100, 5, 100, 50
# A recording lasts as long as the conversation (the demo's longest is ten minutes); the cap
# only bounds what one request can make the stand-in build.
RECORDING_SECONDS_CAP = 15 * 60


@dataclass
class Response:
    """What the handler writes back: status, body bytes, content type, extra headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON body with the given status."""
    return Response(status, json.dumps(obj).encode(), "application/json", dict(headers or {}))


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or ApiError 400 (code 5)."""
    try:
        data = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, 5, f"Request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, 5, "Request body must be a JSON object")
    return data


# --- GreenPin -----------------------------------------------------------------------------


def _numbers(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ApiError(400, 5, f"'{name}' must be a list of phone numbers")
    numbers = []
    for item in value:
        number = normalise_number(item) if isinstance(item, str) else None
        if number is None:
            raise ApiError(400, 16, f"Invalid phone number in '{name}': {item!r}")
        numbers.append(number)
    return numbers


def _duration(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, 5, "'duration' must be an integer number of seconds")
    if not MIN_DURATION <= value <= MAX_DURATION:
        raise ApiError(
            422, 5, f"'duration' must be between {MIN_DURATION} and {MAX_DURATION} seconds"
        )
    return value


def _custom_field(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ApiError(400, 5, "'custom_field' must be a string")
    if value is not None and len(value) > MAX_CUSTOM_FIELD:
        raise ApiError(400, 5, f"'custom_field' is longer than {MAX_CUSTOM_FIELD} characters")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ApiError(400, 5, f"'{name}' must be true or false")
    return value


def _pin_attempts(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiError(400, 5, "'max_pin_attempts' must be a positive integer")
    return value


def _check_sides(from_: list[str], to: list[str]) -> None:
    both = set(from_) & set(to)
    if both:
        raise ApiError(409, 14, f"Same number on both sides: {sorted(both)[0]}")


def greenpin_get(st: State, greenpin_id: str) -> Response:
    """GET /greenpin/<id>."""
    with st.lock:
        alloc = st.find_allocation(greenpin_id)
        data = render_allocation(st.shape, alloc, now_utc())
        return json_response(200, greenpin_ok(st.shape, 200, data))


def greenpin_create(st: State, body: bytes) -> Response:
    """POST /greenpin: validate like the docs say, generate the PIN and the ID."""
    data = parse_json_object(body)
    if data.get("from") in (None, [], ""):
        raise ApiError(400, 3, "'from' is required")
    from_ = _numbers(data["from"], "from")
    to = _numbers(data["to"], "to") if data.get("to") is not None else []
    vn_raw = data.get("caller_id_number", DEFAULT_VN)
    vn = normalise_number(vn_raw) if isinstance(vn_raw, str) else None
    if vn is None:
        raise ApiError(400, 16, f"Invalid 'caller_id_number': {vn_raw!r}")
    duration = _duration(data.get("duration", DEFAULT_DURATION))
    record = _bool(data.get("record", False), "record")
    attempts = _pin_attempts(data.get("max_pin_attempts", 3))
    custom = _custom_field(data["custom_field"]) if "custom_field" in data else ABSENT
    _check_sides(from_, to)
    with st.lock:
        alloc = st.add_allocation(
            greenpin_id=None,
            virtual_number=vn,
            pin=None,
            from_=from_,
            to=to,
            status="active",
            created_at=None,
            expires_at=None,
            duration=duration,
            call_count=0,
            custom_field=custom,
            tenant_id=None,
            record=record,
            max_pin_attempts=attempts,
        )
        rendered = render_allocation(st.shape, alloc, now_utc())
        return json_response(201, greenpin_ok(st.shape, 201, rendered))


UPDATABLE = {"from", "to", "duration", "custom_field", "record", "max_pin_attempts"}


def _apply_update(st: State, greenpin_id: str, data: dict[str, Any]) -> Allocation:
    """Validate everything first, then change the allocation in one go (caller holds lock)."""
    alloc = st.find_allocation(greenpin_id)
    now = now_utc()
    state = alloc.status_at(now)
    if state == "deleted":
        raise ApiError(409, 22, "GreenPin already deleted")
    if state == "expired":
        raise ApiError(409, 8, "GreenPin has expired")
    if not UPDATABLE & set(data):
        raise ApiError(400, 3, f"Nothing to update; give any of {sorted(UPDATABLE)}")
    from_ = alloc.from_
    if "from" in data:
        if data["from"] in (None, [], ""):
            raise ApiError(400, 3, "'from' cannot be empty")
        from_ = _numbers(data["from"], "from")
    to = _numbers(data["to"] or [], "to") if "to" in data else alloc.to
    _check_sides(from_, to)
    expires = alloc.expires_at
    if "duration" in data:
        expires = now + timedelta(seconds=_duration(data["duration"]))
    custom = _custom_field(data["custom_field"]) if "custom_field" in data else alloc.custom_field
    record = _bool(data["record"], "record") if "record" in data else alloc.record
    attempts = (
        _pin_attempts(data["max_pin_attempts"])
        if "max_pin_attempts" in data
        else alloc.max_pin_attempts
    )
    alloc.from_, alloc.to, alloc.expires_at = from_, to, expires
    alloc.custom_field, alloc.record, alloc.max_pin_attempts = custom, record, attempts
    return alloc


def greenpin_update(st: State, greenpin_id: str, body: bytes) -> Response:
    """PUT /greenpin/<id>."""
    data = parse_json_object(body)
    with st.lock:
        alloc = _apply_update(st, greenpin_id, data)
        rendered = render_allocation(st.shape, alloc, now_utc())
        return json_response(200, greenpin_ok(st.shape, 200, rendered))


def greenpin_bulk_update(st: State, body: bytes) -> Response:
    """PUT /greenpin: partial success, one result per item, 413 over 100 items."""
    data = parse_json_object(body)
    items = data.get("allocations")
    if items is None:
        raise ApiError(400, 3, "'allocations' is required")
    if not isinstance(items, list) or not items:
        raise ApiError(400, 5, "'allocations' must be a non-empty list")
    if len(items) > MAX_BULK_UPDATE:
        raise ApiError(413, 17, f"At most {MAX_BULK_UPDATE} allocations per request")
    results: list[dict[str, Any]] = []
    failed = 0
    with st.lock:
        shape = st.shape
        for item in items:
            gid = item.get("greenpin_id") if isinstance(item, dict) else None
            try:
                if not isinstance(gid, str) or not gid:
                    raise ApiError(400, 3, "'greenpin_id' is required in every item")
                fields = {k: v for k, v in item.items() if k != "greenpin_id"}
                alloc = _apply_update(st, gid, fields)
                rendered = render_allocation(shape, alloc, now_utc())
                results.append({"greenpin_id": gid, **greenpin_ok(shape, 200, rendered)})
                if shape == "seed":
                    results[-1]["status"] = 200
            except ApiError as err:
                failed += 1
                error = greenpin_error_body(shape, err.status, err.code, err.message)
                results.append({"greenpin_id": gid, **error})
                if shape == "seed":
                    results[-1]["status"] = err.status
    summary = {"results": results, "succeeded": len(results) - failed, "failed": failed}
    return json_response(200, greenpin_ok(shape, 200, summary))


def greenpin_delete(st: State, greenpin_id: str) -> Response:
    """DELETE /greenpin/<id>: 409 the second time."""
    with st.lock:
        alloc = st.find_allocation(greenpin_id)
        if alloc.status == "deleted":
            raise ApiError(409, 22, "GreenPin already deleted")
        alloc.status = "deleted"
        alloc.deleted_at = now_utc()
        if st.shape == "classic":
            data = {
                "greenpin_id": alloc.greenpin_id,
                "state": "deleted",
                "deallocation_time": ist_plain(alloc.deleted_at),
            }
        else:
            data = {
                "greenpin_id": alloc.greenpin_id,
                "status": "deleted",
                "deleted_at": ist_iso(alloc.deleted_at),
            }
        return json_response(200, greenpin_ok(st.shape, 200, data))


# --- Call Details ---------------------------------------------------------------------------


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def call_get(
    st: State, account_sid: str, base_url: str, sid: str, query: dict[str, str]
) -> Response:
    """GET /Calls/<sid>.json[?details=true]."""
    with st.lock:
        call = st.calls.get(sid)
        if call is None:
            raise ApiError(404, None, f"Call {sid} not found")
        body = call_json(
            call, account_sid, base_url, time.monotonic(), _truthy(query.get("details"))
        )
        return json_response(200, {"Call": body})


def _split(query: dict[str, str], name: str) -> list[str]:
    return [part.strip() for part in query.get(name, "").split(",") if part.strip()]


def _number_filter(query: dict[str, str], name: str) -> set[str] | None:
    values = _split(query, name)
    if not values:
        return None
    if len(values) > MAX_NUMBERS:
        raise ApiError(400, None, f"At most {MAX_NUMBERS} numbers in '{name}'")
    numbers = set()
    for value in values:
        number = normalise_number(value)
        if number is None:
            raise ApiError(400, None, f"Invalid phone number in '{name}': {value!r}")
        numbers.add(number)
    return numbers


def _date_filter(text: str) -> tuple[datetime | None, datetime | None]:
    gte = lte = None
    for part in (p for p in text.split(";") if p.strip()):
        op, _, value = part.partition(":")
        try:
            when = parse_ist_plain(value)
        except ValueError:
            raise ApiError(
                400, None, f"Bad DateCreated {part!r}; use gte:YYYY-MM-DD HH:MM:SS;lte:..."
            ) from None
        if op.strip() == "gte":
            gte = when
        elif op.strip() == "lte":
            lte = when
        else:
            raise ApiError(400, None, f"Bad DateCreated operator {op!r}; use gte or lte")
    return gte, lte


def _sort_key(call: Call) -> tuple[int, str]:
    stamp = call.start_time.timestamp()
    return (round(stamp * 1_000_000), call.sid)


def encode_cursor(call: Call) -> str:
    """Opaque page cursor: the sort key of a call, so it survives the call's absence."""
    micros, sid = _sort_key(call)
    return base64.urlsafe_b64encode(f"{micros}|{sid}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[int, str]:
    """Inverse of encode_cursor; ApiError 400 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        micros, sid = raw.split("|", 1)
        return int(micros), sid
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, None, f"Invalid cursor {text!r}") from None


FILTER_PARAMS = ("Sid", "To", "From", "PhoneNumber", "Status", "DateCreated")


def calls_list(st: State, account_sid: str, base_url: str, query: dict[str, str]) -> Response:
    """GET /Calls.json: filters, cursor pages sorted by DateCreated then Sid."""
    sids = set(_split(query, "Sid"))
    if len(sids) > MAX_SIDS:
        raise ApiError(400, None, f"At most {MAX_SIDS} Sids per request")
    to_f = _number_filter(query, "To")
    from_f = _number_filter(query, "From")
    any_f = _number_filter(query, "PhoneNumber")
    statuses = set(_split(query, "Status"))
    gte, lte = _date_filter(query.get("DateCreated", ""))
    size_raw = query.get("PageSize", str(DEFAULT_PAGE_SIZE))
    try:
        size = int(size_raw)
    except ValueError:
        raise ApiError(400, None, f"PageSize must be an integer, got {size_raw!r}") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, None, f"PageSize must be between 1 and {MAX_PAGE_SIZE}")
    after = decode_cursor(query["After"]) if query.get("After") else None
    before = decode_cursor(query["Before"]) if query.get("Before") else None
    details = _truthy(query.get("details"))
    mono = time.monotonic()

    def matches(call: Call) -> bool:
        to = normalise_number(call.to) or call.to
        frm = normalise_number(call.from_) or call.from_
        status = call.status if call.is_complete(mono) else "in-progress"
        return (
            (not sids or call.sid in sids)
            and (to_f is None or to in to_f)
            and (from_f is None or frm in from_f)
            and (any_f is None or to in any_f or frm in any_f)
            and (not statuses or status in statuses)
            and (gte is None or call.start_time >= gte)
            and (lte is None or call.start_time <= lte)
        )

    with st.lock:
        matching = sorted((c for c in st.calls.values() if matches(c)), key=_sort_key)
        if after is not None:
            pool = [c for c in matching if _sort_key(c) > after]
            page, has_next, has_prev = pool[:size], len(pool) > size, len(pool) < len(matching)
        elif before is not None:
            pool = [c for c in matching if _sort_key(c) < before]
            page, has_prev, has_next = pool[-size:], len(pool) > size, len(pool) < len(matching)
        else:
            page, has_next, has_prev = matching[:size], len(matching) > size, False
        rendered = [call_json(c, account_sid, base_url, mono, details) for c in page]

    base = f"/v1/Accounts/{account_sid}/Calls.json?"
    kept = [(name, query[name]) for name in (*FILTER_PARAMS, "details") if query.get(name)]

    def uri(cursor: tuple[str, str] | None) -> str:
        return base + urlencode([("PageSize", str(size)), *([cursor] if cursor else []), *kept])

    metadata = {
        "Total": len(matching),
        "PageSize": size,
        "FirstPageUri": uri(None),
        "PrevPageUri": uri(("Before", encode_cursor(page[0]))) if has_prev and page else None,
        "NextPageUri": uri(("After", encode_cursor(page[-1]))) if has_next and page else None,
    }
    return json_response(200, {"Metadata": metadata, "Calls": rendered})


# --- Recordings -------------------------------------------------------------------------------


def s3_error(status: int, code: str, message: str) -> Response:
    """S3-style XML error, as Exotel's recording bucket answers."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    )
    return Response(status, body.encode(), "application/xml")


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(first, last) for one `bytes=` range; None to ignore the header; "unsatisfiable"."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # multi-range and other units: serve the whole file, as RFC 9110 allows
    first_s, dash, last_s = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_s == "":
            suffix = int(last_s)
            if suffix <= 0:
                return "unsatisfiable"
            return max(0, size - suffix), size - 1
        first = int(first_s)
        last = int(last_s) if last_s else size - 1
    except ValueError:
        return None
    if first >= size:
        return "unsatisfiable"
    if last < first:
        return None
    return first, min(last, size - 1)


def recording(
    st: State, account_sid: str, path_account: str, sid: str, range_header: str | None
) -> Response:
    """GET a recording (auth checked by the server): WAV with single-range support."""
    with st.lock:
        call = st.calls.get(sid)
        available = (
            call is not None
            and path_account == account_sid
            and not call.recording_lost
            and call.recording_available(time.monotonic())
        )
        seconds = min(call.duration, RECORDING_SECONDS_CAP) if call else 0
    if not available:
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")
    data = audio.wav_bytes(sid, max(1, seconds))
    headers = {"Accept-Ranges": "bytes"}
    wanted = _parse_range(range_header, len(data)) if range_header else None
    if wanted == "unsatisfiable":
        headers["Content-Range"] = f"bytes */{len(data)}"
        resp = s3_error(416, "InvalidRange", "The requested range is not satisfiable")
        resp.headers.update(headers)
        return resp
    if isinstance(wanted, tuple):
        first, last = wanted
        headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        return Response(206, data[first : last + 1], "audio/wav", headers)
    return Response(200, data, "audio/wav", headers)
