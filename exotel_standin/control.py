"""`Control`: drive a stand-in running in another process through its `/_standin/` API.

Same method names as `StandIn`; stdlib urllib only, so any test or script can use it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from .formats import ABSENT


class ControlError(RuntimeError):
    """The control API refused a request (status and its message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def _jsonable(kwargs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key == "from_":
            key = "from"
        if key == "custom_field" and value is ABSENT:
            out["custom_field_absent"] = True
            continue
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


class Control:
    """HTTP client for a stand-in's control API at `base_url` (e.g. `http://127.0.0.1:8081`)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, name: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/_standin/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", exc.reason)
            except ValueError:
                message = exc.reason
            raise ControlError(exc.code, str(message)) from None

    def health(self) -> dict[str, Any]:
        """{"ok": true, "url"}; raises URLError while the server is not up yet."""
        return dict(self._call("GET", "health"))

    def counts(self) -> dict[str, Any]:
        """Request counts, as `StandIn.counts()`."""
        return dict(self._call("GET", "counts"))

    def requests(self) -> list[dict[str, Any]]:
        """The request log, as `StandIn.requests()`."""
        return list(self._call("GET", "requests"))

    def reset(self) -> None:
        """As `StandIn.reset()`."""
        self._call("POST", "reset", {})

    def script(self, key: str, steps: list[dict[str, Any]], repeat: bool = False) -> None:
        """As `StandIn.script()`."""
        self._call("POST", "script", {"key": key, "steps": steps, "repeat": repeat})

    def set_shape(self, shape: str) -> None:
        """As `StandIn.set_shape()`."""
        self._call("POST", "config", {"shape": shape})

    def set_rate_limit(self, per_minute: int | None) -> None:
        """As `StandIn.set_rate_limit()`."""
        self._call("POST", "config", {"rate_limit_per_minute": per_minute})

    def add_allocation(self, **kwargs: Any) -> dict[str, Any]:
        """As `StandIn.add_allocation()` (keyword arguments only)."""
        return dict(self._call("POST", "allocations", _jsonable(kwargs)))

    def add_call(self, **kwargs: Any) -> dict[str, Any]:
        """As `StandIn.add_call()` (keyword arguments only)."""
        return dict(self._call("POST", "calls", _jsonable(kwargs)))

    def simulate_call(self, greenpin_id: str, **kwargs: Any) -> str:
        """As `StandIn.simulate_call()`; returns the CallSid."""
        reply = self._call("POST", "simulate-call", {"greenpin_id": greenpin_id, **kwargs})
        return str(reply["sid"])

    def greenpin_ids(self) -> list[str]:
        """Every stored greenpin_id."""
        return list(self._call("GET", "allocations"))

    def call_sids(self) -> list[str]:
        """Every stored CallSid."""
        return list(self._call("GET", "calls"))
