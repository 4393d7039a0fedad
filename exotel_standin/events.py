"""Call events a simulated call pushes to a webhook, and their delivery.

Two shapes: Exotel Voice status callbacks (`voice`, form or JSON) and GreenPin call events
(`greenpin`, always JSON). Delivery is stdlib urllib, retried twice like Exotel, then dropped.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from .formats import ABSENT, display_from, ist_iso, ist_plain, order_reference, recording_url
from .state import Allocation, Call

log = logging.getLogger("exotel_standin")

EVENT_TIMEOUT = 15.0  # Exotel waits 15 s for a 2xx
RETRIES = 2


def _stages(call: Call) -> list[str]:
    stages = ["initiated", "ringing"]
    if call.status == "completed":
        stages.append("answered")
    return [*stages, "terminal"]


def voice_events(
    call: Call, account_sid: str, base_url: str, available: bool
) -> list[dict[str, Any]]:
    """Voice status callbacks: initiated, ringing, answered (connected calls), terminal."""
    end = call.start_time + timedelta(seconds=call.total)
    talk = call.duration if call.status == "completed" else 0
    events = []
    for stage in _stages(call):
        status = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}
        event: dict[str, Any] = {
            "CallSid": call.sid,
            "Status": status.get(stage, call.status),
            "EventType": stage,
            "DateCreated": ist_plain(call.start_time),
            "DateUpdated": ist_plain(end if stage == "terminal" else call.start_time),
            "To": call.to,
            "From": display_from(call),
            "PhoneNumberSid": call.to,
            "StartTime": ist_plain(call.start_time),
            "Direction": "inbound",
            "CustomField": None if call.custom_field is ABSENT else call.custom_field,
        }
        if stage in ("answered", "terminal"):
            event["Legs"] = [
                {"OnCallDuration": call.total, "Status": "completed", "AnsweredBy": None},
                {
                    "OnCallDuration": talk,
                    "Status": "in-progress" if stage == "answered" else call.status,
                    "AnsweredBy": None,
                },
            ]
        if stage == "terminal":
            event["EndTime"] = ist_plain(end)
            event["ConversationDuration"] = talk
            if available:
                event["RecordingUrl"] = recording_url(
                    base_url, account_sid, call.sid, call.recording_at
                )
        events.append(event)
    return events


def greenpin_events(
    call: Call, alloc: Allocation, base_url: str, account_sid: str, available: bool
) -> list[dict[str, Any]]:
    """GreenPin call events (classic docs' fields); durations as strings and ints, like samples."""
    caller = display_from(call)
    other = alloc.to if call.from_ in alloc.from_ else alloc.from_
    end = call.start_time + timedelta(seconds=call.total)
    talk = call.duration if call.status == "completed" else 0
    events = []
    for stage in _stages(call):
        final = stage == "terminal"
        if final:
            call_type = "completed" if call.status == "completed" else "incomplete"
            dial_status = call.status
        else:
            call_type = "call-attempt"
            dial_status = {"answered": "in-progress"}.get(stage, stage)
        url = (
            recording_url(base_url, account_sid, call.sid, call.recording_at)
            if final and available
            else "null"
        )
        events.append(
            {
                "transaction_id": order_reference(call.custom_field),
                "greenpin_id": alloc.greenpin_id,
                "call_sid": call.sid,
                "vn": call.to,
                "from": caller,
                "to": other[0] if other else "",
                "call_type": call_type,
                # The samples mix naive and offset timestamps; so does the stand-in.
                "start_time": ist_plain(call.start_time),
                "current_time": ist_iso(end if final else call.start_time),
                "dial_call_duration": str(call.total if final else 0),
                "on_call_duration": talk if final else 0,
                "direction": "incoming",
                "recording_url": url,
                "dial_call_status": dial_status,
                "source": "greenpin",
            }
        )
    return events


def encode(event: dict[str, Any], encoding: str) -> tuple[bytes, str]:
    """Body and content type; the form encoding drops nulls and `Legs`, as Exotel's does."""
    if encoding == "json":
        return json.dumps(event).encode(), "application/json"
    pairs = [(k, str(v)) for k, v in event.items() if v is not None and k != "Legs"]
    return urlencode(pairs).encode(), "application/x-www-form-urlencoded"


def post(url: str, body: bytes, content_type: str, timeout: float = EVENT_TIMEOUT) -> bool:
    """POST once plus up to two retries; True on a 2xx. Never raises."""
    for attempt in range(1 + RETRIES):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": content_type, "User-Agent": "exotel-standin/1"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                if 200 <= reply.status < 300:
                    return True
                reason = f"HTTP {reply.status}"
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused, bad URL
            reason = repr(exc)
        log.warning("webhook %s attempt %d failed: %s", url, attempt + 1, reason)
        if attempt < RETRIES:
            time.sleep(0.1 * (attempt + 1))
    log.warning("webhook %s: event dropped after %d attempts", url, 1 + RETRIES)
    return False


def deliver(url: str, bodies: Iterable[tuple[bytes, str]], gap: float = 0.0) -> None:
    """Send events one after another, `gap` seconds apart. Never raises."""
    for i, (body, content_type) in enumerate(bodies):
        if i and gap:
            time.sleep(gap)
        try:
            post(url, body, content_type)
        except Exception:  # a webhook must never take the stand-in down
            log.exception("webhook %s: unexpected error", url)
