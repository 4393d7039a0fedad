"""Why a call ended and whom it reached, as far as Exotel says: the legs' end statuses and the
party a GreenPin call was bridged to, kept on the call from every source that carries them."""

from __future__ import annotations

import pytest

from calls.events import parse_event
from calls.models import Call
from calls.services import call_apply_record, call_event_apply, call_event_ingest
from exotel.call_api import parse_call

pytestmark = pytest.mark.django_db

BASE = {"Sid": "c_legs", "Status": "failed", "From": "09900012345", "To": "04071000001"}


def test_the_call_api_leg_statuses_are_kept():
    record = parse_call({**BASE, "Details": {"Leg1Status": "completed", "Leg2Status": "No_Answer"}})
    assert (record.leg1_status, record.leg2_status) == ("completed", "no-answer")


@pytest.mark.parametrize(
    "value",
    [
        None,
        7,
        ["failed"],
        {"x": 1},
        "",
        "null",
        "ringing",
        "in-progress",
        "<script>",
        "x" * 500,
        "failed\x00",
        "FAILED; DROP TABLE",
    ],
)
def test_a_leg_status_that_is_not_an_end_is_not_kept(value):
    record = parse_call({**BASE, "Details": {"Leg1Status": value, "Leg2Status": value}})
    assert (record.leg1_status, record.leg2_status) == ("", "")


def test_a_greenpin_event_names_the_bridged_party_and_the_second_leg():
    event = parse_event(
        {
            "call_sid": "c_gp",
            "greenpin_id": "gp_1",
            "vn": "+914071000001",
            "from": "+919900012345",
            "to": "088000 54321",
            "call_type": "incomplete",
            "dial_call_status": "failed",
        }
    )
    assert event.bridged_to == "+918800054321"
    assert event.to_number == "+914071000001"
    assert event.leg2_status == "failed"


@pytest.mark.parametrize("to", ["<b>x</b>", "x" * 300, "null", "+91", "\u202e12345", "", "0"])
def test_a_bridged_number_that_is_not_a_phone_number_is_not_kept(to):
    event = parse_event({"call_sid": "c_gp", "to": to, "call_type": "completed"})
    assert event.bridged_to == ""


def test_a_json_status_callback_names_each_legs_end():
    event = parse_event(
        {
            "CallSid": "c_v",
            "Status": "busy",
            "EventType": "terminal",
            "Legs": [{"Status": "completed"}, {"Status": "busy", "OnCallDuration": 0}],
        }
    )
    assert (event.leg1_status, event.leg2_status) == ("completed", "busy")


@pytest.mark.parametrize("legs", [None, "busy", [], ["busy"], [None, 5], [{}, {"Status": {}}]])
def test_odd_legs_in_a_status_callback_are_ignored(legs):
    event = parse_event({"CallSid": "c_v", "Status": "busy", "Legs": legs})
    assert (event.leg1_status, event.leg2_status) == ("", "")


def test_events_fill_the_legs_and_the_call_api_has_the_last_word():
    event, _ = call_event_ingest(
        payload={
            "call_sid": "c_mix",
            "vn": "+914071000001",
            "from": "+919900012345",
            "to": "+918800054321",
            "call_type": "incomplete",
            "dial_call_status": "no-answer",
        }
    )
    call_event_apply(event=event)
    call = Call.objects.get(sid="c_mix")
    assert (call.bridged_to, call.leg2_status) == ("+918800054321", "no-answer")

    call_apply_record(
        record=parse_call(
            {
                **BASE,
                "Sid": "c_mix",
                "Details": {"Leg1Status": "completed", "Leg2Status": "failed"},
            }
        )
    )
    call.refresh_from_db()
    assert (call.leg1_status, call.leg2_status) == ("completed", "failed")
    assert call.bridged_to == "+918800054321"  # the Call API does not name it; kept
