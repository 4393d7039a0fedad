"""The HTTP server and the `StandIn` class the project's fixtures, demo and CLI drive.

Request flow for the Exotel endpoints: route → count → rate limit → fault script → auth →
handler (api.py). The control API under `/_standin/` skips all of that and is not counted.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import api, events
from .api import Response, json_response
from .formats import (
    ABSENT,
    call_json,
    calls_error_body,
    greenpin_error_body,
    now_utc,
    parse_datetime,
    seed_allocation,
)
from .state import CALL_STATUSES, DEFAULT_VN, ApiError, State

log = logging.getLogger("exotel_standin")

MAX_BODY = 1_000_000
OUTCOMES = CALL_STATUSES
GATEWAY_HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
REASONS = {499: "Client Closed Request"}
GREENPIN_CODES = {400: 5, 401: 7, 403: 8, 404: 1, 409: 18, 410: 22, 413: 17, 422: 5, 452: 4}
FAULT_MESSAGES = {
    429: "Too many requests",
    499: "Response timeout",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}

# (pattern, {method: endpoint name}, family); family picks the error shape.
ROUTES: list[tuple[re.Pattern[str], dict[str, str], str]] = [
    (
        re.compile(r"/v1/tenants/(?P<tenant>[^/]+)/greenpin/?"),
        {"POST": "greenpin.create", "PUT": "greenpin.bulk_update"},
        "greenpin",
    ),
    (
        re.compile(r"/v1/tenants/(?P<tenant>[^/]+)/greenpin/(?P<gid>[^/]+)"),
        {"GET": "greenpin.get", "PUT": "greenpin.update", "DELETE": "greenpin.delete"},
        "greenpin",
    ),
    (re.compile(r"/v1/Accounts/(?P<account>[^/]+)/Calls\.json"), {"GET": "calls.list"}, "calls"),
    (
        re.compile(r"/v1/Accounts/(?P<account>[^/]+)/Calls/(?P<sid>[^/]+)\.json"),
        {"GET": "calls.get"},
        "calls",
    ),
    (
        re.compile(r"/(?:exotelrecordings|exorecordings)/(?P<account>[^/]+)/(?P<sid>[^/]+)\.wav"),
        {"GET": "recording", "HEAD": "recording"},
        "recording",
    ),
]


def route(method: str, path: str) -> tuple[str, str, dict[str, str], bool]:
    """(endpoint, family, path params, path known). Unknown routes are endpoint `unknown`."""
    for pattern, methods, family in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            return methods.get(method, "unknown"), family, params, True
    if path.startswith("/v1/tenants/"):
        return "unknown", "greenpin", {}, False
    if path.startswith("/v1/Accounts/"):
        return "unknown", "calls", {}, False
    return "unknown", "other", {}, False


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from a Basic Authorization header, or None."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _same(given: tuple[str, str] | None, expected: tuple[str, str]) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given[0].encode(), expected[0].encode()) & hmac.compare_digest(
        given[1].encode(), expected[1].encode()
    )


class StandIn:
    """A fake Exotel (GreenPin + Call Details + recordings) served over real HTTP."""

    def __init__(
        self,
        account_sid: str = "ACtest",
        exobridge_token: str = "xb-secret",  # noqa: S107 - fake credentials of a test double
        api_key: str = "key",
        api_token: str = "tok",  # noqa: S107
        tenant_id: str | None = None,
        *,
        shape: str = "seed",
        rate_limit_per_minute: int | None = None,
        seed: int | None = None,
        on_request: Callable[[str, str, int, float], None] | None = None,
        pin_prefix: str = "",
    ) -> None:
        """`shape` and `rate_limit_per_minute` are the defaults `reset()` returns to;
        `seed` makes shuffles repeatable; `on_request(method, path, status, ms)` sees
        every request (the CLI logs with it); `pin_prefix` starts every PIN it picks (a
        test run's log scan tells a PIN from a row ID by its leading zero)."""
        self.account_sid = account_sid
        self.exobridge_token = exobridge_token
        self.api_key = api_key
        self.api_token = api_token
        self.tenant_id = tenant_id or account_sid
        self.state = State(self.tenant_id, shape, rate_limit_per_minute, pin_prefix=pin_prefix)
        self.state.set_shape(shape)
        self.on_request = on_request
        self._rng = random.Random(seed)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url = "http://127.0.0.1"

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> StandIn:
        """Serve in a daemon thread; port 0 picks a free port (see `url`)."""
        if self._server is not None:
            raise RuntimeError("already started")
        server = _Server((host, port), _Handler)
        server.standin = self
        self._server = server
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self._base_url = f"http://{shown}:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="exotel-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StandIn:
        return self if self._server else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash)."""
        return self._base_url

    # --- configuration ----------------------------------------------------------------------

    def script(self, key: str, steps: list[dict[str, Any]], repeat: bool = False) -> None:
        """Fault script for `*`, an endpoint name, a greenpin_id or a CallSid; [] clears it."""
        self.state.set_script(key, steps, repeat)

    def set_shape(self, shape: str) -> None:
        """GreenPin response shape: `seed` (default) or `classic`."""
        self.state.set_shape(shape)

    def set_rate_limit(self, per_minute: int | None) -> None:
        """Answer 429 past `per_minute` requests in any trailing 60 s; None switches it off."""
        self.state.set_rate_limit(per_minute)

    def reset(self) -> None:
        """Clear data, counts and scripts; settings back to the constructor's defaults."""
        self.state.reset()

    def counts(self) -> dict[str, Any]:
        """{"total", "by_endpoint": {name: n}, "by_minute": {"YYYY-MM-DDTHH:MM" (UTC): n}}."""
        return self.state.counts()

    def requests(self) -> list[dict[str, Any]]:
        """Every counted request: {"t", "method", "path", "endpoint", "status"}, oldest first."""
        return self.state.requests()

    def request_times(self, endpoint: str) -> list[float]:
        """When each counted request to `endpoint` was received, in order."""
        return sorted(r["t"] for r in self.state.requests() if r["endpoint"] == endpoint)

    def busiest_window(self, endpoint: str, seconds: float) -> int:
        """The most requests to `endpoint` received within any `seconds`-long window: what a
        client's rate limit must keep at or under Exotel's."""
        times = self.request_times(endpoint)
        most, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= seconds:
                start += 1
            most = max(most, end - start + 1)
        return most

    # --- data -------------------------------------------------------------------------------

    def add_allocation(
        self,
        greenpin_id: str | None = None,
        virtual_number: str = DEFAULT_VN,
        pin: str | None = None,
        from_: list[str] | None = None,
        to: list[str] | None = None,
        status: str = "active",
        created_at: datetime | None = None,
        expires_at: datetime | None = None,
        duration: int = 3600,
        call_count: int = 0,
        custom_field: object = "order_id=12345",
        tenant_id: str | None = None,
        record: bool = True,
        *,
        max_pin_attempts: int = 3,
        deleted_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Store an allocation as given (custom_field=ABSENT omits the key); returns the seed
        shape. Missing IDs and PINs are generated; naive datetimes are taken as IST."""
        if pin is not None and not isinstance(pin, str):
            raise ValueError("pin must be a string (leading zeros matter)")
        with self.state.lock:
            alloc = self.state.add_allocation(
                greenpin_id=greenpin_id,
                virtual_number=virtual_number,
                pin=pin,
                from_=["+919900012345"] if from_ is None else from_,
                to=[] if to is None else to,
                status=status,
                created_at=created_at,
                expires_at=expires_at,
                duration=duration,
                call_count=call_count,
                custom_field=custom_field,
                tenant_id=tenant_id,
                record=record,
                max_pin_attempts=max_pin_attempts,
                deleted_at=deleted_at,
            )
            return seed_allocation(alloc, now_utc())

    def add_call(
        self,
        sid: str | None = None,
        from_: str = "+919900012345",
        to: str = DEFAULT_VN,
        status: str = "completed",
        start_time: datetime | None = None,
        duration: int = 42,
        custom_field: object = "order_id=12345",
        greenpin_id: str | None = None,
        details_delay: float = 0,
        recording_delay: float = 0,
        recording: bool = True,
        *,
        from_format: str = "auto",
        recording_at: str = "exotelrecordings",
        recording_lost: bool = False,
        ring: int = 0,
    ) -> dict[str, Any]:
        """Store a Call Details record; returns its `Call` object as the API shows it now.
        `from_format` auto|e164|national: how `From` is shown (auto: national for ~half).
        `duration` is the talk time of a connected call, `ring` the seconds it rang first.
        `recording_at`: the bucket its RecordingUrl names (`exotelrecordings`, `exorecordings`)
        or a URL elsewhere; `recording_lost`: that URL answers 404."""
        with self.state.lock:
            call = self.state.add_call(
                sid=sid,
                from_=from_,
                to=to,
                status=status,
                start_time=start_time,
                duration=duration,
                custom_field=custom_field,
                greenpin_id=greenpin_id,
                details_delay=details_delay,
                recording_delay=recording_delay,
                recording=recording,
                from_format=from_format,
                recording_at=recording_at,
                recording_lost=recording_lost,
                ring=ring,
            )
            return call_json(call, self.account_sid, self.url, time.monotonic(), False)

    def greenpin_ids(self) -> list[str]:
        """Every stored greenpin_id, in insertion order."""
        with self.state.lock:
            return list(self.state.allocations)

    def call_sids(self) -> list[str]:
        """Every stored CallSid, in insertion order."""
        with self.state.lock:
            return list(self.state.calls)

    def simulate_call(
        self,
        greenpin_id: str,
        caller: str = "A",
        outcome: str = "completed",
        duration: int = 60,
        webhook_url: str | None = None,
        order: str = "in-order",
        duplicate: bool = False,
        encoding: str = "form",
        shape: str = "voice",
        details_delay: float = 0,
        recording_delay: float = 0,
        wait: bool = True,
        ring: int = 0,
    ) -> str:
        """Create a call through an allocation (bumping call_count) and push its events to
        `webhook_url`. Returns the CallSid. LookupError for an unknown allocation."""
        checks = {
            "caller": (caller, ("A", "B")),
            "outcome": (outcome, OUTCOMES),
            "order": (order, ("in-order", "shuffled", "none")),
            "encoding": (encoding, ("form", "json")),
            "shape": (shape, ("voice", "greenpin")),
        }
        for name, (value, allowed) in checks.items():
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}")
        for name, value in (("duration", duration), ("ring", ring)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int")
        with self.state.lock:
            alloc = self.state.allocations.get(greenpin_id)
            if alloc is None:
                raise LookupError(f"no allocation {greenpin_id}")
            party = alloc.from_ if caller == "A" else alloc.to
            if not party:
                raise ValueError(f"allocation {greenpin_id} has no {caller} party")
            call = self.state.add_call(
                sid=None,
                from_=party[0],
                to=alloc.virtual_number,
                status=outcome,
                start_time=None,
                duration=duration if outcome == "completed" else 0,
                custom_field=None if alloc.custom_field is ABSENT else alloc.custom_field,
                greenpin_id=greenpin_id,
                details_delay=details_delay,
                recording_delay=recording_delay,
                recording=alloc.record,
                ring=ring,
            )
            alloc.call_count += 1
            available = call.recording_available(time.monotonic())
            if shape == "voice":
                payloads = events.voice_events(call, self.account_sid, self.url, available)
            else:
                payloads = events.greenpin_events(
                    call, alloc, self.url, self.account_sid, available
                )
            bodies = [
                events.encode(p, "json" if shape == "greenpin" else encoding) for p in payloads
            ]
            if duplicate:
                bodies = [body for body in bodies for _ in (0, 1)]
            if order == "shuffled":
                original = list(bodies)
                # "shuffled" promises out of order, so a shuffle that changed nothing is redone.
                while bodies == original and len(set(original)) > 1:
                    self._rng.shuffle(bodies)
        if webhook_url and order != "none":
            if wait:
                events.deliver(webhook_url, bodies)
            else:
                threading.Thread(
                    target=events.deliver,
                    args=(webhook_url, bodies, 0.2),
                    name=f"events-{call.sid[:8]}",
                    daemon=True,
                ).start()
        return call.sid

    # --- request handling (called from handler threads) ---------------------------------------

    def _error(self, family: str, status: int, code: int | None, message: str) -> Response:
        if family == "greenpin":
            return json_response(
                status, greenpin_error_body(self.state.shape, status, code, message)
            )
        if family == "calls":
            return json_response(status, calls_error_body(status, message))
        if family == "recording":
            names = {401: "InvalidAccessKeyId", 403: "AccessDenied", 404: "NoSuchKey"}
            return api.s3_error(status, names.get(status, "InternalError"), message)
        return json_response(status, {"error": {"status": status, "message": message}})

    def _fault(self, family: str, step: dict[str, Any], normal: Callable[[], Response]) -> Response:
        status = step.get("status")
        kind = step.get("body")
        if kind == "html":
            resp = Response(status or 502, GATEWAY_HTML, "text/html; charset=utf-8")
        elif kind == "malformed":
            opener = b'{"Call": ' if family == "calls" else b'{"response": '
            resp = Response(status or 200, opener + b'{"greenpin_id": ,,]} <<garbage')
        elif status is not None:
            message = FAULT_MESSAGES.get(status) or HTTPStatus(status).phrase
            resp = self._error(family, status, GREENPIN_CODES.get(status, 0), message)
        else:
            resp = normal()
        if kind == "truncated":
            resp.body = resp.body[: len(resp.body) // 2]
        if step.get("retry_after") is not None:
            wait = int(step["retry_after"])
            resp.headers["Retry-After"] = str(wait)
            limit = self.state.rate_limit or 200
            resp.headers.update(
                {
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(time.time()) + wait),
                }
            )
        return resp

    def _dispatch(
        self,
        method: str,
        endpoint: str,
        family: str,
        params: dict[str, str],
        known: bool,
        query: dict[str, str],
        headers: Message,
        body: bytes,
    ) -> Response:
        try:
            if endpoint == "unknown":
                if known:
                    raise ApiError(405, 5, f"Method {method} not allowed here")
                raise ApiError(404, 1, "No such endpoint")
            creds = basic_credentials(headers.get("Authorization"))
            if family == "greenpin":
                if not _same(creds, (self.account_sid, self.exobridge_token)):
                    raise ApiError(401, 7, "Authentication failed")
                if params["tenant"] != self.tenant_id:
                    raise ApiError(403, 8, "Not permitted for this tenant")
                gid = params.get("gid", "")
                if endpoint == "greenpin.get":
                    return api.greenpin_get(self.state, gid)
                if endpoint == "greenpin.create":
                    return api.greenpin_create(self.state, body)
                if endpoint == "greenpin.update":
                    return api.greenpin_update(self.state, gid, body)
                if endpoint == "greenpin.bulk_update":
                    return api.greenpin_bulk_update(self.state, body)
                return api.greenpin_delete(self.state, gid)
            if family == "calls":
                if not _same(creds, (self.api_key, self.api_token)):
                    raise ApiError(401, None, "Authentication failed")
                if params["account"] != self.account_sid:
                    raise ApiError(401, None, "Authentication failed for this account")
                if endpoint == "calls.get":
                    return api.call_get(
                        self.state, self.account_sid, self.url, params["sid"], query
                    )
                return api.calls_list(self.state, self.account_sid, self.url, query)
            # Recordings: private S3 objects, so no credentials at all is 403, wrong ones 401.
            if creds is None:
                raise ApiError(403, None, "Access Denied")
            if not _same(creds, (self.api_key, self.api_token)):
                raise ApiError(401, None, "The credentials are not valid")
            return api.recording(
                self.state,
                self.account_sid,
                params["account"],
                params["sid"],
                headers.get("Range"),
            )
        except ApiError as err:
            return self._error(family, err.status, err.code, err.message)
        except Exception:
            log.exception("error answering %s %s", method, endpoint)
            return self._error(family, 500, 0, "Internal server error")

    def _api(
        self, method: str, path: str, query: dict[str, str], headers: Message, body: bytes
    ) -> tuple[str, Response]:
        endpoint, family, params, known = route(method, path)
        self.state.count(endpoint, time.time())
        admitted, limit_headers = self.state.admit(time.monotonic())
        if not admitted:
            resp = self._error(family, 429, 0, "Too many requests")
            resp.headers.update(limit_headers)
            return endpoint, resp
        ids = [params[k] for k in ("gid", "sid") if params.get(k)]
        if endpoint == "calls.list":
            ids += [s.strip() for s in query.get("Sid", "").split(",") if s.strip()]
        step = self.state.next_step([*ids, endpoint, "*"])

        def normal() -> Response:
            return self._dispatch(method, endpoint, family, params, known, query, headers, body)

        if step is None:
            resp = normal()
        else:
            if step.get("delay"):
                time.sleep(float(step["delay"]))
            resp = self._fault(family, step, normal)
        for name, value in limit_headers.items():
            resp.headers.setdefault(name, value)
        return endpoint, resp

    def _control(self, method: str, path: str, body: bytes) -> Response:
        """The `/_standin/` API: JSON mirrors of the Python methods, no auth, not counted."""
        name = path[len("/_standin/") :].strip("/")
        try:
            payload = json.loads(body or b"{}") if method == "POST" else {}
            if not isinstance(payload, dict):
                raise ValueError("body must be a JSON object")
            result = self._control_call(method, name, payload)
        except KeyError as exc:
            return json_response(400, {"error": f"missing {exc}"})
        except LookupError as exc:
            return json_response(404, {"error": str(exc)})
        except (ValueError, TypeError) as exc:
            return json_response(400, {"error": str(exc)})
        if result is _NOT_FOUND:
            return json_response(404, {"error": f"no control endpoint {method} {path}"})
        return json_response(200, result)

    def _control_call(self, method: str, name: str, payload: dict[str, Any]) -> Any:
        if method == "GET":
            getters: dict[str, Callable[[], Any]] = {
                "counts": self.counts,
                "requests": self.requests,
                "allocations": self.greenpin_ids,
                "calls": self.call_sids,
                "health": lambda: {"ok": True, "url": self.url},
            }
            return getters[name]() if name in getters else _NOT_FOUND
        if method != "POST":
            return _NOT_FOUND
        if name == "reset":
            self.reset()
            return {"ok": True}
        if name == "script":
            self.script(payload["key"], payload.get("steps", []), payload.get("repeat", False))
            return {"ok": True}
        if name == "config":
            if "shape" in payload:
                self.set_shape(payload["shape"])
            if "rate_limit_per_minute" in payload:
                self.set_rate_limit(payload["rate_limit_per_minute"])
            return {"shape": self.state.shape, "rate_limit_per_minute": self.state.rate_limit}
        if name == "allocations":
            return self.add_allocation(
                **_kwargs(payload, ("created_at", "expires_at", "deleted_at"))
            )
        if name == "calls":
            return self.add_call(**_kwargs(payload, ("start_time",)))
        if name == "simulate-call":
            return {"sid": self.simulate_call(**payload)}
        return _NOT_FOUND


_NOT_FOUND = object()


def _kwargs(payload: dict[str, Any], datetime_keys: tuple[str, ...]) -> dict[str, Any]:
    """JSON → Python API kwargs: `from` → `from_`, ISO strings → datetimes, ABSENT flag."""
    kwargs = dict(payload)
    if "from" in kwargs:
        kwargs["from_"] = kwargs.pop("from")
    if kwargs.pop("custom_field_absent", False):
        kwargs["custom_field"] = ABSENT
    for key in datetime_keys:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = parse_datetime(kwargs[key])
    return kwargs


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once
    standin: StandIn


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients' sessions reuse connections
    server_version = "ExotelStandIn/1"
    sys_version = ""
    timeout = 300  # reap idle keep-alive connections eventually
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every request on a keep-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: StandIn.on_request does the logging, without headers."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise _BodyError(411, "Chunked request bodies are not supported; send Content-Length")
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise _BodyError(400, f"Bad Content-Length {length!r}") from None
        if size < 0 or size > MAX_BODY:
            raise _BodyError(413, f"Request body larger than {MAX_BODY} bytes")
        return self.rfile.read(size)

    def _handle(self, method: str) -> None:
        started, wall = time.monotonic(), time.time()
        standin = self.server.standin
        parts = urlsplit(self.path)
        path = parts.path
        endpoint = None
        try:
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            body = self._read_body()
            if path.startswith("/_standin/"):
                resp = standin._control(method, path, body)
            else:
                endpoint, resp = standin._api(method, path, query, self.headers, body)
        except _BodyError as exc:
            self.close_connection = True  # the unread body would poison the connection
            resp = json_response(exc.status, {"error": {"status": exc.status, "message": str(exc)}})
        except Exception:
            log.exception("unexpected error on %s %s", method, path)
            resp = json_response(500, {"error": {"status": 500, "message": "internal error"}})
        self._send(resp, head=method == "HEAD")
        if endpoint is not None:
            standin.state.record(wall, method, self.path, endpoint, resp.status)
        if standin.on_request is not None:
            standin.on_request(method, self.path, resp.status, (time.monotonic() - started) * 1000)

    def _send(self, resp: Response, head: bool) -> None:
        try:
            self.send_response(resp.status, REASONS.get(resp.status))
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
            for name, value in resp.headers.items():
                self.send_header(name, value)
            if resp.status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="Exotel"')
            self.end_headers()
            if not head:
                self.wfile.write(resp.body)
        except OSError:  # the client gave up (e.g. its timeout fired during a delay step)
            self.close_connection = True
