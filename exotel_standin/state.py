"""In-memory state: allocations, calls, request counts, fault scripts and settings.

One lock guards everything (`State.lock`). It is re-entrant so that the handler can hold it
across several state calls to render a consistent answer; nothing slow (sleeps, webhook
POSTs) ever runs while it is held.
"""

from __future__ import annotations

import math
import secrets
import string
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .formats import ABSENT, aware, now_utc

SHAPES = ("seed", "classic")
STORED_STATUSES = ("active", "expired", "deleted")
CALL_STATUSES = ("completed", "busy", "no-answer", "failed")
STEP_KEYS = {"status", "retry_after", "delay", "body"}
BODY_FAULTS = {"truncated", "malformed", "html"}
REQUEST_LOG_LIMIT = 20_000  # the demo runs for hours; keep the log bounded
DEFAULT_VN = "+914000000001"


class ApiError(Exception):
    """An error the wire reports: HTTP status, ExoBridge code and message."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Allocation:
    """One GreenPin allocation as stored (status `active` may read as `expired`)."""

    greenpin_id: str
    tenant_id: str
    virtual_number: str
    pin: str
    from_: list[str]
    to: list[str]
    status: str
    created_at: datetime
    expires_at: datetime
    call_count: int
    custom_field: object  # str | None | ABSENT
    record: bool = True
    max_pin_attempts: int = 3
    deleted_at: datetime | None = None

    def status_at(self, now: datetime) -> str:
        """Status as read at `now`: expiry is computed, never stored."""
        if self.status == "active" and self.expires_at <= now:
            return "expired"
        return self.status


@dataclass
class Call:
    """One Call Details record; its late fields appear after monotonic delays."""

    sid: str
    from_: str
    to: str
    status: str
    start_time: datetime
    duration: int
    custom_field: object
    greenpin_id: str | None
    created_mono: float
    details_delay: float = 0.0
    recording_delay: float = 0.0
    recording: bool = True
    from_format: str = "auto"
    # Where RecordingUrl points (formats.recording_url), and whether the file is missing there
    # (a 404 for a URL Exotel gave, as for a recording past its retention).
    recording_at: str = "exotelrecordings"
    recording_lost: bool = False
    # Seconds it rang before it was answered (or given up on); `duration` is the talk time
    # of a connected call. Exotel's `Duration` counts both.
    ring: int = 0

    @property
    def total(self) -> int:
        return self.ring + self.duration

    def is_complete(self, mono: float) -> bool:
        """Whether EndTime/Duration/Price and the final status are visible yet."""
        return mono >= self.created_mono + self.details_delay

    def recording_available(self, mono: float) -> bool:
        """Only connected, recorded calls ever get a recording, and only after its delay."""
        return (
            self.recording
            and self.status == "completed"
            and self.is_complete(mono)
            and mono >= self.created_mono + self.recording_delay
        )


@dataclass
class Script:
    """A fault script: each matching request consumes the next step."""

    steps: list[dict[str, Any]]
    repeat: bool = False
    index: int = 0

    def next_step(self) -> dict[str, Any] | None:
        if self.index >= len(self.steps):
            if not self.repeat or not self.steps:
                return None
            self.index = 0
        step = self.steps[self.index]
        self.index += 1
        return step


def validate_steps(steps: Any) -> list[dict[str, Any]]:
    """Check a fault script's steps; raises ValueError with a readable reason."""
    if not isinstance(steps, list):
        raise ValueError("steps must be a list of dicts")
    checked = []
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            raise ValueError(f"step {i} must be a dict")
        unknown = set(step) - STEP_KEYS
        if unknown:
            raise ValueError(f"step {i}: unknown keys {sorted(unknown)}")
        status = step.get("status")
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
        ):
            raise ValueError(f"step {i}: status must be an int 100..599")
        for key in ("retry_after", "delay"):
            value = step.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            ):
                raise ValueError(f"step {i}: {key} must be a non-negative number")
        if step.get("body") is not None and step["body"] not in BODY_FAULTS:
            raise ValueError(f"step {i}: body must be one of {sorted(BODY_FAULTS)}")
        checked.append(dict(step))
    return checked


def new_greenpin_id() -> str:
    """`gp_` and ten lowercase letters or digits."""
    alphabet = string.ascii_lowercase + string.digits
    return "gp_" + "".join(secrets.choice(alphabet) for _ in range(10))


def new_call_sid() -> str:
    """Exotel call SIDs are 32 hex characters."""
    return secrets.token_hex(16)


class State:
    """Everything the stand-in knows; every method takes the lock."""

    def __init__(
        self,
        tenant_id: str,
        default_shape: str = "seed",
        default_rate: int | None = None,
        *,
        pin_prefix: str = "",
    ) -> None:
        self.lock = threading.RLock()
        self.pin_prefix = pin_prefix
        self.tenant_id = tenant_id
        self.default_shape = default_shape
        self.default_rate = default_rate
        self.reset()

    def reset(self) -> None:
        """Forget data, counts, scripts, and return settings to their defaults."""
        with self.lock:
            self.allocations: dict[str, Allocation] = {}
            self.calls: dict[str, Call] = {}
            self.total = 0
            self.by_endpoint: Counter[str] = Counter()
            self.by_minute: Counter[str] = Counter()
            self.log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
            self.scripts: dict[str, Script] = {}
            self.shape = self.default_shape
            self.rate_limit = self.default_rate
            self.window: deque[float] = deque()

    # --- settings ---------------------------------------------------------------------------

    def set_shape(self, shape: str) -> None:
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}")
        with self.lock:
            self.shape = shape

    def set_rate_limit(self, per_minute: int | None) -> None:
        if per_minute is not None and (
            isinstance(per_minute, bool) or not isinstance(per_minute, int) or per_minute < 1
        ):
            raise ValueError("rate limit must be a positive int or None")
        with self.lock:
            self.rate_limit = per_minute
            self.window.clear()

    def set_script(self, key: str, steps: Any, repeat: bool = False) -> None:
        checked = validate_steps(steps)
        with self.lock:
            if checked:
                self.scripts[key] = Script(checked, bool(repeat))
            else:
                self.scripts.pop(key, None)

    # --- counting, rate limit, faults --------------------------------------------------------

    def count(self, endpoint: str, wall: float) -> None:
        with self.lock:
            self.total += 1
            self.by_endpoint[endpoint] += 1
            minute = datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%dT%H:%M")
            self.by_minute[minute] += 1

    def record(self, wall: float, method: str, path: str, endpoint: str, status: int) -> None:
        with self.lock:
            self.log.append(
                {"t": wall, "method": method, "path": path, "endpoint": endpoint, "status": status}
            )

    def admit(self, mono: float) -> tuple[bool, dict[str, str]]:
        """Sliding 60 s window. Returns (admitted, X-RateLimit headers); refusals don't fill it."""
        with self.lock:
            if self.rate_limit is None:
                return True, {}
            while self.window and self.window[0] <= mono - 60:
                self.window.popleft()
            limit = self.rate_limit
            if len(self.window) >= limit:
                wait = max(1, math.ceil(self.window[0] + 60 - mono))
                return False, {
                    "Retry-After": str(wait),
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(time.time()) + wait),
                }
            self.window.append(mono)
            reset = max(1, math.ceil(self.window[0] + 60 - mono))
            return True, {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(limit - len(self.window)),
                "X-RateLimit-Reset": str(int(time.time()) + reset),
            }

    def next_step(self, keys: list[str]) -> dict[str, Any] | None:
        """The most specific live script among `keys` (IDs, then endpoint, then `*`) steps."""
        with self.lock:
            for key in keys:
                script = self.scripts.get(key)
                if script is not None:
                    step = script.next_step()
                    if step is not None:
                        return step
            return None

    # --- data ---------------------------------------------------------------------------------

    def pin_in_use(self, vn: str, now: datetime) -> set[str]:
        with self.lock:
            return {
                a.pin
                for a in self.allocations.values()
                if a.virtual_number == vn and a.status_at(now) == "active"
            }

    def new_pin(self, vn: str, now: datetime) -> str:
        """A 4-digit PIN (leading zeros allowed) unused among the VN's active allocations."""
        with self.lock:
            used = self.pin_in_use(vn, now)
            free_digits = 4 - len(self.pin_prefix)
            if len([p for p in used if p.startswith(self.pin_prefix)]) >= 10**free_digits:
                raise ApiError(452, 4, f"No free PIN left on {vn}")
            while True:
                pin = self.pin_prefix + f"{secrets.randbelow(10**free_digits):0{free_digits}d}"
                if pin not in used:
                    return pin

    def add_allocation(
        self,
        *,
        greenpin_id: str | None,
        virtual_number: str,
        pin: str | None,
        from_: list[str],
        to: list[str],
        status: str,
        created_at: datetime | None,
        expires_at: datetime | None,
        duration: int,
        call_count: int,
        custom_field: object,
        tenant_id: str | None,
        record: bool,
        max_pin_attempts: int = 3,
        deleted_at: datetime | None = None,
    ) -> Allocation:
        """Store an allocation; generates missing IDs and PINs. Raises ValueError."""
        if status not in STORED_STATUSES:
            raise ValueError(f"status must be one of {STORED_STATUSES}")
        now = now_utc()
        created = aware(created_at) if created_at else now
        expires = aware(expires_at) if expires_at else created + timedelta(seconds=duration)
        with self.lock:
            gid = greenpin_id or new_greenpin_id()
            if gid in self.allocations:
                raise ValueError(f"greenpin_id {gid} already exists")
            alloc = Allocation(
                greenpin_id=gid,
                tenant_id=tenant_id or self.tenant_id,
                virtual_number=virtual_number,
                pin=pin if pin is not None else self.new_pin(virtual_number, now),
                from_=list(from_),
                to=list(to),
                status=status,
                created_at=created,
                expires_at=expires,
                call_count=call_count,
                custom_field=custom_field,
                record=record,
                max_pin_attempts=max_pin_attempts,
                deleted_at=(aware(deleted_at) if deleted_at else now)
                if status == "deleted"
                else None,
            )
            self.allocations[gid] = alloc
            return alloc

    def find_allocation(self, greenpin_id: str) -> Allocation:
        """Ours, or ApiError 404 (unknown) / 403 (another tenant's)."""
        with self.lock:
            alloc = self.allocations.get(greenpin_id)
            if alloc is None:
                raise ApiError(404, 1, "GreenPin not found")
            if alloc.tenant_id != self.tenant_id:
                raise ApiError(403, 8, "GreenPin belongs to another tenant")
            return alloc

    def add_call(
        self,
        *,
        sid: str | None,
        from_: str,
        to: str,
        status: str,
        start_time: datetime | None,
        duration: int,
        custom_field: object,
        greenpin_id: str | None,
        details_delay: float,
        recording_delay: float,
        recording: bool,
        from_format: str = "auto",
        recording_at: str = "exotelrecordings",
        recording_lost: bool = False,
        ring: int = 0,
    ) -> Call:
        """Store a Call Details record. Raises ValueError."""
        if status not in CALL_STATUSES:
            raise ValueError(f"status must be one of {CALL_STATUSES}")
        if from_format not in ("auto", "e164", "national"):
            raise ValueError("from_format must be auto, e164 or national")
        if duration < 0:
            raise ValueError("duration must be >= 0")
        if ring < 0:
            raise ValueError("ring must be >= 0")
        with self.lock:
            call_sid = sid or new_call_sid()
            if call_sid in self.calls:
                raise ValueError(f"call {call_sid} already exists")
            call = Call(
                sid=call_sid,
                from_=from_,
                to=to,
                status=status,
                start_time=aware(start_time) if start_time else now_utc(),
                duration=int(duration),
                custom_field=custom_field,
                greenpin_id=greenpin_id,
                created_mono=time.monotonic(),
                details_delay=float(details_delay),
                recording_delay=float(recording_delay),
                recording=bool(recording),
                from_format=from_format,
                recording_at=str(recording_at),
                recording_lost=bool(recording_lost),
                ring=int(ring),
            )
            self.calls[call_sid] = call
            return call

    def counts(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": self.total,
                "by_endpoint": dict(self.by_endpoint),
                "by_minute": dict(self.by_minute),
            }

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(entry) for entry in self.log]


__all__ = ["ABSENT", "Allocation", "ApiError", "Call", "State"]
