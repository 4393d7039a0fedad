"""The demo day looks like a real one: calls ring before they are answered or given up on,
recordings last as long as the conversation, outcomes come in a realistic mix, and failed
calls carry Exotel's leg statuses (the reason the console shows)."""

from __future__ import annotations

import io
import random
import wave
from collections import Counter
from datetime import UTC, datetime

import requests

from exotel_standin import StandIn
from exotel_standin.demo import seed_demo, seed_showcase


def _calls(standin: StandIn, voice: requests.Session, sids: list[str]) -> list[dict]:
    url = f"{standin.url}/v1/Accounts/ACtest/Calls.json"
    calls = []
    for start in range(0, len(sids), 100):
        chunk = ",".join(sids[start : start + 100])
        body = voice.get(url, params={"Sid": chunk, "PageSize": "100", "details": "true"})
        calls += body.json()["Calls"]
    return calls


def test_calls_ring_talk_and_end_in_a_realistic_mix(standin: StandIn, voice) -> None:
    seed_demo(standin, now=datetime.now(UTC), rng=random.Random(3))
    calls = [c for c in _calls(standin, voice, standin.call_sids()) if c["Status"]]
    outcomes = Counter(c["Status"] for c in calls)
    assert set(outcomes) == {"completed", "no-answer", "busy", "failed"}
    assert 0.5 < outcomes["completed"] / len(calls) < 0.75
    assert 0.12 < outcomes["no-answer"] / len(calls) < 0.32

    rang = {c["Sid"]: int(c["Duration"]) - int(c["Details"]["ConversationDuration"]) for c in calls}
    answered = [c for c in calls if c["Status"] == "completed"]
    unanswered = [c for c in calls if c["Status"] == "no-answer"]
    assert all(rang[c["Sid"]] >= 4 for c in answered)
    assert all(rang[c["Sid"]] >= 28 for c in unanswered)
    assert len({rang[c["Sid"]] for c in answered}) > 10  # not one made-up figure
    talks = sorted(int(c["Details"]["ConversationDuration"]) for c in answered)
    assert 30 <= talks[len(talks) // 2] <= 120  # a minute or so, typically

    failed = [c for c in calls if c["Status"] == "failed"]
    assert all(c["Details"]["Leg2Status"] == "failed" for c in failed)


def test_a_recording_lasts_as_long_as_the_conversation(standin: StandIn, voice) -> None:
    seed_showcase(standin, now=datetime.now(UTC))
    (call,) = _calls(standin, voice, ["demo100002call2"])
    talk = int(call["Details"]["ConversationDuration"])
    assert (talk, int(call["Duration"])) == (127, 136)  # 9 s of ringing, 2 min 7 s of talk

    audio = voice.get(call["RecordingUrl"])
    with wave.open(io.BytesIO(audio.content)) as recording:
        assert recording.getnframes() / recording.getframerate() == talk
