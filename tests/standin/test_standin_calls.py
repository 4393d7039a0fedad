"""Call Details (single and bulk) and recordings."""

from __future__ import annotations

import io
import time
import wave
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import requests

from exotel_standin import StandIn

IST = timezone(timedelta(hours=5, minutes=30))


def call_url(s: StandIn, sid: str, account: str = "ACtest") -> str:
    return f"{s.url}/v1/Accounts/{account}/Calls/{sid}.json"


def list_url(s: StandIn) -> str:
    return f"{s.url}/v1/Accounts/ACtest/Calls.json"


def test_single_call_with_details(standin: StandIn, voice: requests.Session) -> None:
    start = datetime(2030, 6, 15, 10, 45, tzinfo=IST)
    standin.add_call(
        sid="b8f3c1d2e4a5",
        from_="+918800012345",
        start_time=start,
        duration=212,
        from_format="national",
    )
    r = voice.get(call_url(standin, "b8f3c1d2e4a5"))
    assert r.status_code == 200
    call = r.json()["Call"]
    assert "Details" not in call
    assert call["From"] == "08800012345"
    assert call["To"] == "+914000000001"
    assert call["PhoneNumberSid"] == "+914000000001"
    assert call["Status"] == "completed"
    assert call["Direction"] == "inbound"
    assert (call["StartTime"], call["EndTime"]) == ("2030-06-15 10:45:00", "2030-06-15 10:48:32")
    assert call["DateCreated"] == "2030-06-15 10:45:00"
    assert call["Duration"] == "212"
    assert call["Price"] == "2.40"
    assert call["ParentCallSid"] is None
    assert call["AnsweredBy"] is None
    assert call["CustomField"] == "order_id=12345"
    assert call["Uri"] == "/v1/Accounts/ACtest/Calls/b8f3c1d2e4a5.json"
    assert call["RecordingUrl"] == f"{standin.url}/exotelrecordings/ACtest/b8f3c1d2e4a5.wav"
    details = voice.get(call_url(standin, "b8f3c1d2e4a5"), params={"details": "true"}).json()
    assert details["Call"]["Details"] == {
        "ConversationDuration": 212,
        "Leg1Status": "completed",
        "Leg2Status": "completed",
        "Legs": [
            {"Leg": {"Id": 1, "OnCallDuration": 212}},
            {"Leg": {"Id": 2, "OnCallDuration": 212}},
        ],
    }


def test_from_is_national_for_about_half(standin: StandIn) -> None:
    froms = [standin.add_call()["From"] for _ in range(60)]
    national = sum(f == "09900012345" for f in froms)
    assert 10 < national < 50
    assert set(froms) == {"09900012345", "+919900012345"}


def test_unanswered_call_has_no_recording(standin: StandIn, voice: requests.Session) -> None:
    sid = standin.add_call(status="busy", duration=0)["Sid"]
    call = voice.get(call_url(standin, sid), params={"details": "true"}).json()["Call"]
    assert call["Status"] == "busy"
    assert call["RecordingUrl"] is None
    assert call["Details"]["Leg2Status"] == "busy"
    rec = voice.get(f"{standin.url}/exotelrecordings/ACtest/{sid}.wav")
    assert rec.status_code == 404


def test_errors(standin: StandIn, voice: requests.Session) -> None:
    sid = standin.add_call()["Sid"]
    r = voice.get(call_url(standin, "nope"))
    assert r.status_code == 404
    assert r.json()["RestException"]["Status"] == 404
    assert voice.get(call_url(standin, sid, account="ACother")).status_code == 401
    assert requests.get(call_url(standin, sid), auth=("ACtest", "xb-secret")).status_code == 401
    assert requests.get(call_url(standin, sid)).status_code == 401


def test_incomplete_then_complete(standin: StandIn, voice: requests.Session) -> None:
    sid = standin.add_call(duration=30, details_delay=0.3, recording_delay=0.6)["Sid"]
    early = voice.get(call_url(standin, sid)).json()["Call"]
    assert early["Status"] == "in-progress"
    assert early["EndTime"] is None
    assert early["Duration"] is None
    assert early["Price"] is None
    assert early["RecordingUrl"] is None
    time.sleep(0.35)
    later = voice.get(call_url(standin, sid)).json()["Call"]
    assert later["Status"] == "completed"
    assert later["Duration"] == "30"
    assert later["RecordingUrl"] is None
    time.sleep(0.3)
    assert voice.get(call_url(standin, sid)).json()["Call"]["RecordingUrl"]


def test_bulk_limits(standin: StandIn, voice: requests.Session) -> None:
    sids = ",".join(f"{i:032x}" for i in range(101))
    r = voice.get(list_url(standin), params={"Sid": sids})
    assert r.status_code == 400
    assert "100" in r.json()["RestException"]["Message"]
    assert voice.get(list_url(standin), params={"PageSize": 101}).status_code == 400
    assert voice.get(list_url(standin), params={"PageSize": "x"}).status_code == 400
    assert (
        voice.get(list_url(standin), params={"To": ",".join(["9900012345"] * 6)}).status_code == 400
    )
    assert voice.get(list_url(standin), params={"DateCreated": "gte:yesterday"}).status_code == 400


def test_cursor_paging_over_120_calls(standin: StandIn, voice: requests.Session) -> None:
    base = datetime(2030, 1, 1, 9, 0, tzinfo=IST)
    for i in range(120):
        standin.add_call(start_time=base + timedelta(minutes=i // 2))  # ties sort by Sid
    seen: list[dict] = []
    next_uri: str | None = "/v1/Accounts/ACtest/Calls.json?PageSize=50"
    pages = 0
    while next_uri:
        body = voice.get(standin.url + next_uri).json()
        pages += 1
        assert body["Metadata"]["Total"] == 120
        assert body["Metadata"]["PageSize"] == 50
        seen += body["Calls"]
        next_uri = body["Metadata"]["NextPageUri"]
        if pages == 2:
            assert body["Metadata"]["PrevPageUri"]
    assert pages == 3
    assert len(seen) == 120
    keys = [(c["DateCreated"], c["Sid"]) for c in seen]
    assert keys == sorted(keys)
    assert len(set(keys)) == 120
    assert body["Metadata"]["NextPageUri"] is None


def test_bulk_filters_keep_through_pages(standin: StandIn, voice: requests.Session) -> None:
    base = datetime(2030, 1, 1, 9, 0, tzinfo=IST)
    for i in range(5):
        standin.add_call(from_="+919811100000", start_time=base + timedelta(hours=i))
    standin.add_call(from_="+919822200000", start_time=base)
    standin.add_call(status="no-answer", duration=0, start_time=base)
    r = voice.get(
        list_url(standin),
        params={
            "PhoneNumber": "09811100000",
            "PageSize": 2,
            "DateCreated": "gte:2030-01-01 10:00:00;lte:2030-01-01 13:00:00",
        },
    ).json()
    assert r["Metadata"]["Total"] == 4
    query = parse_qs(urlsplit(r["Metadata"]["NextPageUri"]).query)
    assert query["PhoneNumber"] == ["09811100000"]
    assert query["PageSize"] == ["2"]
    page2 = voice.get(standin.url + r["Metadata"]["NextPageUri"]).json()
    assert len(page2["Calls"]) == 2
    assert page2["Metadata"]["NextPageUri"] is None
    assert (
        voice.get(list_url(standin), params={"Status": "no-answer"}).json()["Metadata"]["Total"]
        == 1
    )
    sid = r["Calls"][0]["Sid"]
    only = voice.get(list_url(standin), params={"Sid": sid}).json()
    assert [c["Sid"] for c in only["Calls"]] == [sid]


def test_recording_auth_range_and_wav(standin: StandIn, voice: requests.Session) -> None:
    sid = standin.add_call(duration=90)["Sid"]
    rec_url = f"{standin.url}/exotelrecordings/ACtest/{sid}.wav"
    assert requests.get(rec_url).status_code == 403
    assert requests.get(rec_url, auth=("key", "wrong")).status_code == 401
    full = voice.get(rec_url)
    assert full.status_code == 200
    assert full.headers["Content-Type"] == "audio/wav"
    assert full.headers["Accept-Ranges"] == "bytes"
    with wave.open(io.BytesIO(full.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert wav.getnframes() == 90 * 8000  # as long as the conversation
    assert voice.get(rec_url).content == full.content  # deterministic per SID
    size = len(full.content)
    part = voice.get(rec_url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert part.content == full.content[100:200]
    tail = voice.get(rec_url, headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206
    assert tail.content == full.content[1000:]
    bad = voice.get(rec_url, headers={"Range": f"bytes={size}-"})
    assert bad.status_code == 416
    assert bad.headers["Content-Range"] == f"bytes */{size}"


def test_recording_appears_after_delay(standin: StandIn, voice: requests.Session) -> None:
    sid = standin.add_call(recording_delay=0.3)["Sid"]
    rec_url = f"{standin.url}/exotelrecordings/ACtest/{sid}.wav"
    assert voice.get(rec_url).status_code == 404
    time.sleep(0.35)
    assert voice.get(rec_url).status_code == 200
