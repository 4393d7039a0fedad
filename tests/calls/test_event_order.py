"""Events arrive late, twice and out of order: whatever the order, a call ends the same."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calls.models import Call, CallEvent
from calls.services import call_event_apply, call_event_ingest

pytestmark = pytest.mark.django_db

BASE = {"CallSid": "c-prop", "From": "09900012345", "To": "04071000001", "Direction": "inbound"}
RECORDING = "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/AC/c-prop.mp3"


def voice_events(outcome: str) -> list[dict]:
    answered = outcome == "completed"
    events = [
        {
            **BASE,
            "EventType": "initiated",
            "Status": "initiated",
            "DateUpdated": "2026-11-29 10:00:00",
        },
        {**BASE, "EventType": "ringing", "Status": "ringing", "DateUpdated": "2026-11-29 10:00:02"},
    ]
    if answered:
        events.append(
            {
                **BASE,
                "EventType": "answered",
                "Status": "in-progress",
                "StartTime": "2026-11-29 10:00:00",
                "DateUpdated": "2026-11-29 10:00:09",
            }
        )
    terminal = {
        **BASE,
        "EventType": "terminal",
        "Status": outcome,
        "StartTime": "2026-11-29 10:00:00",
        "EndTime": "2026-11-29 10:01:40",
        "ConversationDuration": "91" if answered else "0",
        "DateUpdated": "2026-11-29 10:01:41",
    }
    if answered:
        terminal["RecordingUrl"] = RECORDING
    events.append(terminal)
    return events


def final_state(payloads: list[dict]) -> tuple:
    Call.objects.all().delete()
    CallEvent.objects.all().delete()
    for payload in payloads:
        event, _ = call_event_ingest(payload=payload)
        call_event_apply(event=event)
    call = Call.objects.get()
    return (
        call.status,
        call.start_time,
        call.end_time,
        call.talk_duration,
        call.recording_url,
        call.from_number,
        call.to_number,
        CallEvent.objects.count(),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), outcome=st.sampled_from(["completed", "busy", "no-answer", "failed"]))
def test_any_order_and_duplication_of_events_ends_in_the_same_state(data, outcome):
    events = voice_events(outcome)
    expected = final_state(events)
    deliveries = data.draw(
        st.lists(st.sampled_from(events), min_size=len(events), max_size=3 * len(events)).filter(
            lambda chosen: all(e in chosen for e in events)
        ),
        label="deliveries",
    )
    assert final_state(deliveries) == expected
    assert expected[0] == outcome


def test_a_terminal_status_is_final(db):
    completed, late_ringing = voice_events("completed")[-1], voice_events("completed")[1]
    assert final_state([completed, late_ringing])[0] == "completed"
