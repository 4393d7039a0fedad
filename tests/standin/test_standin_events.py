"""simulate_call: the call record and the events pushed to a webhook."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests

from exotel_standin import StandIn

Receiver = Any  # conftest.Receiver; test modules here are not a package


@pytest.fixture
def gid(standin: StandIn) -> str:
    return standin.add_allocation(
        greenpin_id="gp_sim",
        from_=["+919900012345"],
        to=["+918800012345"],
        custom_field="order_id=777",
    )["greenpin_id"]


def test_form_events_in_order(standin: StandIn, receiver: Receiver, gid: str) -> None:
    sid = standin.simulate_call(gid, caller="B", duration=75, webhook_url=receiver.url)
    events = receiver.wait_for(4)
    assert all(ctype == "application/x-www-form-urlencoded" for ctype, _ in events)
    bodies = [body for _, body in events]
    assert [b["EventType"] for b in bodies] == ["initiated", "ringing", "answered", "terminal"]
    assert [b["Status"] for b in bodies] == ["initiated", "ringing", "in-progress", "completed"]
    terminal = bodies[-1]
    assert terminal["CallSid"] == sid
    assert terminal["CustomField"] == "order_id=777"
    assert terminal["From"] in ("+918800012345", "08800012345")
    assert terminal["To"] == terminal["PhoneNumberSid"] == "+914000000001"
    assert terminal["ConversationDuration"] == "75"
    assert terminal["Direction"] == "inbound"
    assert terminal["RecordingUrl"].endswith(f"/exotelrecordings/ACtest/{sid}.wav")
    assert "Legs" not in terminal
    assert "EndTime" not in bodies[0]
    assert standin.state.allocations[gid].call_count == 1


def test_json_busy_call_has_no_recording(
    standin: StandIn, receiver: Receiver, gid: str, voice: requests.Session
) -> None:
    sid = standin.simulate_call(gid, outcome="busy", webhook_url=receiver.url, encoding="json")
    bodies = [body for ctype, body in receiver.wait_for(3)]
    assert [b["EventType"] for b in bodies] == ["initiated", "ringing", "terminal"]
    assert bodies[-1]["Status"] == "busy"
    assert "RecordingUrl" not in bodies[-1]
    assert bodies[-1]["ConversationDuration"] == 0
    assert isinstance(bodies[-1]["Legs"], list)
    call = voice.get(f"{standin.url}/v1/Accounts/ACtest/Calls/{sid}.json").json()["Call"]
    assert call["Status"] == "busy"
    assert call["Duration"] == "0"
    assert call["RecordingUrl"] is None


def test_greenpin_shape(standin: StandIn, receiver: Receiver, gid: str) -> None:
    sid = standin.simulate_call(gid, shape="greenpin", webhook_url=receiver.url, duration=30)
    events = receiver.wait_for(4)
    assert all(ctype == "application/json" for ctype, _ in events)
    bodies = [body for _, body in events]
    assert [b["call_type"] for b in bodies] == [
        "call-attempt",
        "call-attempt",
        "call-attempt",
        "completed",
    ]
    final = bodies[-1]
    assert final["call_sid"] == sid
    assert final["greenpin_id"] == gid
    assert final["transaction_id"] == "777"
    assert final["source"] == "greenpin"
    assert final["direction"] == "incoming"
    assert final["vn"] == "+914000000001"
    assert final["to"] == "+918800012345"
    assert final["on_call_duration"] == 30
    assert final["recording_url"].endswith(".wav")
    assert bodies[0]["recording_url"] == "null"


def test_shuffled_and_duplicated(standin: StandIn, receiver: Receiver, gid: str) -> None:
    standin.simulate_call(
        gid, webhook_url=receiver.url, order="shuffled", duplicate=True, encoding="json"
    )
    types = [b["EventType"] for _, b in receiver.wait_for(8)]
    assert Counter(types) == {"initiated": 2, "ringing": 2, "answered": 2, "terminal": 2}
    assert types != [
        "initiated",
        "initiated",
        "ringing",
        "ringing",
        "answered",
        "answered",
        "terminal",
        "terminal",
    ]


def test_duplicated_in_order(standin: StandIn, receiver: Receiver, gid: str) -> None:
    standin.simulate_call(gid, outcome="no-answer", webhook_url=receiver.url, duplicate=True)
    types = [b["EventType"] for _, b in receiver.wait_for(6)]
    assert types == ["initiated", "initiated", "ringing", "ringing", "terminal", "terminal"]


def test_background_delivery_and_retries(standin: StandIn, receiver: Receiver, gid: str) -> None:
    receiver.fail_first = 2  # the first event succeeds on its third attempt
    standin.simulate_call(gid, outcome="failed", webhook_url=receiver.url, wait=False)
    types = [b["EventType"] for _, b in receiver.wait_for(3)]
    assert types == ["initiated", "ringing", "terminal"]
    assert receiver.attempts == 5


def test_no_webhook_still_creates_the_call(standin: StandIn, gid: str) -> None:
    sid = standin.simulate_call(gid, order="none", webhook_url="http://127.0.0.1:9/x")
    assert sid in standin.call_sids()
    dead = standin.simulate_call(
        gid, outcome="failed", webhook_url="http://127.0.0.1:9/unreachable"
    )
    assert dead in standin.call_sids()  # a dead webhook is dropped, never raised
    with pytest.raises(ValueError, match="no B party"):
        standin.simulate_call(standin.add_allocation()["greenpin_id"], caller="B")
    with pytest.raises(LookupError):
        standin.simulate_call("gp_nope")
