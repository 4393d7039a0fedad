"""The Call API client over real HTTP to the stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exotel import call_api as client
from exotel import errors, recordings


def test_one_call_comes_back_as_a_typed_record(standin):
    standin.add_call(
        sid="c1",
        from_="+919900012345",
        to="+914071000001",
        duration=212,
        custom_field="order_id=12345",
        from_format="national",
    )

    record = client.get_call("c1")

    assert record.sid == "c1"
    assert record.from_number == "+919900012345"
    assert record.to_number == "+914071000001"
    assert record.status == "completed"
    assert record.duration == 212
    assert record.talk_duration is not None
    assert record.custom_field == "order_id=12345"
    assert record.recording_url.startswith(standin.url)
    assert record.start_time.tzinfo is not None


def test_details_that_arrive_late_are_empty_at_first(standin):
    standin.add_call(sid="c1", details_delay=60)

    record = client.get_call("c1")

    assert record.status == "in-progress"
    assert record.duration is None
    assert record.recording_url == ""


def test_many_calls_take_one_request_per_hundred(standin):
    sids = [standin.add_call()["Sid"] for _ in range(250)]

    records = client.get_calls(sids)

    assert {r.sid for r in records} == set(sids)
    assert standin.counts()["by_endpoint"]["calls.list"] == 3


def test_listing_a_number_follows_every_page(standin):
    start = datetime.now(UTC) - timedelta(minutes=30)
    for _ in range(120):
        standin.add_call(to="+914071000005", start_time=start)
    standin.add_call(to="+914071000006", start_time=start)

    records = client.list_calls(
        phone_number="+914071000005", since=start - timedelta(minutes=1), until=datetime.now(UTC)
    )

    assert len(records) == 120
    assert all(record.talk_duration is not None for record in records)
    assert standin.counts()["by_endpoint"]["calls.list"] == 2


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(404, errors.NotFound), (429, errors.RateLimited), (500, errors.ServerError)],
)
def test_errors_are_typed(standin, status, error_type):
    standin.add_call(sid="c1")
    standin.script("c1", [{"status": status}])
    with pytest.raises(error_type):
        client.get_call("c1")


def test_the_exobridge_token_does_not_open_the_call_api(standin, settings):
    settings.EXOTEL_API_TOKEN = settings.EXOTEL_EXOBRIDGE_TOKEN
    standin.add_call(sid="c1")
    with pytest.raises(errors.AuthenticationFailed):
        client.get_call("c1")


def test_a_recording_streams_with_range(standin):
    standin.add_call(sid="c1", duration=30)
    url = client.get_call("c1").recording_url

    whole = recordings.open_recording(url)
    body = b"".join(whole.chunks())
    part = recordings.open_recording(url, range_header="bytes=100-199")

    assert whole.status == 200
    assert whole.headers["Content-Type"] == "audio/wav"
    assert part.status == 206
    assert b"".join(part.chunks()) == body[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"


def test_a_recording_outside_the_allowed_origins_is_never_fetched(standin, settings):
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    standin.add_call(sid="c1")
    url = client.get_call("c1").recording_url
    before = standin.counts()["total"]

    with pytest.raises(recordings.RecordingRefused):
        recordings.open_recording(url)

    assert standin.counts()["total"] == before


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/c1.mp3", True),
        ("https://S3-AP-SOUTHEAST-1.amazonaws.com:443/exotelrecordings/ACtest/c1.mp3", True),
        ("https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACother/c1.mp3", False),
        ("https://s3-ap-southeast-1.amazonaws.com/attacker-bucket/x.mp3", False),
        ("https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/../../x/y", False),
        ("https://s3-ap-southeast-1.amazonaws.com.evil.example/exotelrecordings/ACtest/c", False),
        ("http://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/c1.mp3", False),
        ("https://s3-ap-southeast-1.amazonaws.com:8443/exotelrecordings/ACtest/c1.mp3", False),
        ("file:///etc/passwd", False),
        ("", False),
    ],
)
def test_only_this_accounts_recordings_on_listed_origins_are_allowed(settings, url, allowed):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    assert recordings.recording_origin_allowed(url) is allowed
