"""A recording that cannot be played says why, in words, where the player would be: refused by
the settings (and then on /health/ with the setting to change), Exotel's 404 or 5xx, not yet
available, past the deadline. A failed fetch is never audited as a play."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from calls.models import Call, RecordingProblem
from calls.selectors import call_recording_refusals, call_recording_state
from calls.services import call_apply_record
from exotel import call_api as client
from tests.factories import AllocationFactory, CallFactory

pytestmark = pytest.mark.django_db

ELSEWHERE = "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/c1.mp3"


@pytest.fixture
def player(staff_client, django_user_model):
    user = django_user_model.objects.get(username="agent")
    user.user_permissions.add(Permission.objects.get(codename="play_recording"))
    return staff_client


@pytest.fixture
def recorded(standin):
    """Call c1 with a recording the stand-in serves (its talk time 100 s)."""
    standin.add_call(sid="c1", duration=30)
    return CallFactory(
        sid="c1",
        allocation=AllocationFactory(greenpin_id="gp_1"),
        recording_url=client.get_call("c1").recording_url,
    )


def _page(client, sid="c1") -> str:
    return client.get(reverse("calls:detail", args=[sid])).content.decode()


def _status(client, sid="c1") -> dict:
    response = client.get(reverse("calls:recording-status", args=[sid]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return json.loads(response.content)


def _plays() -> int:
    return AccessLog.objects.filter(action=AccessLog.Action.PLAY_RECORDING).count()


# --- a player, with the recording's length before play ---------------------------------------


def test_a_playable_recording_offers_one_player_with_its_length(player, recorded):
    page = _page(player)

    assert page.count("<audio ") == 1
    assert 'preload="none"' in page
    assert 'data-recording-status-url="/calls/c1/recording/status/"' in page
    assert '<span class="recording-length muted">1 min 40 s long</span>' in page
    assert "1 min 40 s" in page.split("<audio ", 1)[1].split(">", 1)[0]  # in its label too
    assert "data-recording-message" in page
    assert _status(player)["state"] == "playable"


def test_without_the_permission_the_length_shows_without_a_player(
    client, django_user_model, recorded
):
    viewer = django_user_model.objects.create_user(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_call"))
    client.force_login(viewer)

    page = _page(client)

    assert "<audio " not in page
    assert "recorded, 1 min 40 s (you may not play it)" in page


def test_the_length_falls_back_to_the_calls_duration(player, standin):
    CallFactory(
        sid="c2",
        allocation=None,
        talk_duration=None,
        duration=75,
        recording_url="https://x.example/a",
    )
    assert call_recording_state(call=Call.objects.get(sid="c2")).kind == "refused"
    assert Call.objects.get(sid="c2").recording_length == 75


# --- refused by the settings ------------------------------------------------------------------


def test_a_refused_recording_says_so_instead_of_a_player_and_fetches_nothing(
    player, recorded, settings, standin
):
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    before = standin.counts()["total"]

    page = _page(player)
    stream = player.get(reverse("calls:recording", args=["c1"]))

    assert "<audio " not in page
    assert "is not set to fetch from (refused by the recording settings)" in page
    assert stream.status_code == 502
    assert standin.counts()["total"] == before
    assert _plays() == 0
    call = Call.objects.get(sid="c1")
    assert call.recording_error == RecordingProblem.REFUSED
    assert call.recording_error_detail == f"{standin.url}/exotelrecordings/ACtest/"
    assert _status(player)["state"] == "refused"


def test_a_refused_recording_shows_on_health_with_the_setting_to_change(
    player, recorded, settings, supervisor_client, standin
):
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    player.get(reverse("calls:recording", args=["c1"]))

    health = supervisor_client.get(reverse("health")).content.decode()

    assert "Recordings refused by the settings" in health
    assert f"{standin.url}/exotelrecordings/ACtest/" in health
    assert "add its origin to <code>RECORDING_ALLOWED_ORIGINS</code>" in health
    assert recorded.recording_url not in health  # the folder, never the file

    # Allowing the origin takes effect at once: a player again, and Health is clear.
    settings.RECORDING_ALLOWED_ORIGINS = [standin.url]
    assert "<audio " in _page(player)
    assert call_recording_refusals() == []
    assert "No recording is refused" in supervisor_client.get(reverse("health")).content.decode()


def test_a_recording_in_a_folder_not_allowed_names_the_folder_setting(settings, supervisor_client):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3.ap-south-1.amazonaws.com"]
    settings.RECORDING_ALLOWED_PATH_PREFIXES = ["/exotelrecordings/{account_sid}/"]
    record = _record("c3", "https://s3.ap-south-1.amazonaws.com/exorecordings/c3.mp3")

    call = call_apply_record(record=record)

    assert call.recording_error == RecordingProblem.REFUSED
    (refused,) = call_recording_refusals()
    assert refused.folder == "https://s3.ap-south-1.amazonaws.com/exorecordings/"
    assert refused.setting == "RECORDING_ALLOWED_PATH_PREFIXES"
    assert refused.calls == 1
    assert "add its folder to <code>RECORDING_ALLOWED_PATH_PREFIXES</code>" in (
        supervisor_client.get(reverse("health")).content.decode()
    )


def test_a_refused_url_is_marked_when_it_arrives_before_anyone_plays_it(settings):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3.ap-south-1.amazonaws.com"]

    call = call_apply_record(record=_record("c4", ELSEWHERE))
    assert call.recording_error == RecordingProblem.REFUSED
    assert call.recording_checked_at is not None

    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    call = call_apply_record(record=_record("c4", ELSEWHERE))
    assert call.recording_error == ""


def test_a_hostile_url_is_described_never_echoed_on_health(settings, supervisor_client):
    hostile = "https://s3.ap-south-1.amazonaws.com/exorecordings/../<script>x</script>"
    CallFactory(
        sid="c5",
        allocation=None,
        recording_url=hostile,
        recording_error=RecordingProblem.REFUSED,
        recording_error_detail="not a plain scheme://host/path URL",
    )

    health = supervisor_client.get(reverse("health")).content.decode()

    assert "nothing to allow: not a plain recording URL" in health
    assert "<script>x" not in health


def test_health_groups_refused_recordings_by_folder(settings):
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3.ap-south-1.amazonaws.com"]
    for n in range(3):
        call_apply_record(record=_record(f"r{n}", f"https://other.example/bucket/r{n}.mp3"))
    call_apply_record(record=_record("s1", "https://third.example/s1.mp3"))

    refused = call_recording_refusals()

    assert [(r.folder, r.calls) for r in refused] == [
        ("https://other.example/bucket/", 3),
        ("https://third.example/", 1),
    ]


# --- Exotel's answers -------------------------------------------------------------------------


def test_exotels_404_says_so_and_is_not_a_play(player, recorded, standin):
    standin.script("c1", [{"status": 404}])

    stream = player.get(reverse("calls:recording", args=["c1"]))

    assert stream.status_code == 404
    assert _plays() == 0
    call = Call.objects.get(sid="c1")
    assert (call.recording_error, call.recording_error_detail) == ("not_found", "HTTP 404")
    status = _status(player)
    assert status["state"] == "not_found"
    assert "Exotel answered that this recording does not exist (HTTP 404)" in status["message"]
    page = _page(player)
    assert "<audio " in page  # offered again, to try again
    assert "does not exist (HTTP 404) when it was last fetched" in page


def test_exotels_5xx_says_so_and_a_later_fetch_that_serves_it_clears_it(player, recorded, standin):
    standin.script("c1", [{"status": 503}])

    failed = player.get(reverse("calls:recording", args=["c1"]))

    assert failed.status_code == 502
    assert _plays() == 0
    status = _status(player)
    assert status["state"] == "exotel_error"
    assert "Exotel did not serve the recording" in status["message"]
    assert "(HTTP 503)" in status["message"]
    assert "<" not in status["message"]  # words, not markup

    served = player.get(reverse("calls:recording", args=["c1"]))
    b"".join(served.streaming_content)

    assert served.status_code == 200
    assert _plays() == 1
    assert Call.objects.get(sid="c1").recording_error == ""
    assert _status(player)["state"] == "playable"


def test_an_unreachable_exotel_is_said_in_words(player, settings):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["http://127.0.0.1:9"]
    CallFactory(
        sid="c6", allocation=None, recording_url="http://127.0.0.1:9/exotelrecordings/ACtest/c6.wav"
    )

    assert player.get(reverse("calls:recording", args=["c6"])).status_code == 502

    assert Call.objects.get(sid="c6").recording_error_detail == "could not connect"
    assert "(could not connect)" in _status(player, "c6")["message"]


def test_a_fetch_that_serves_nothing_new_writes_nothing(player, recorded):
    player.get(reverse("calls:recording", args=["c1"]), HTTP_RANGE="bytes=100-199")
    assert Call.objects.get(sid="c1").recording_checked_at is None


# --- no recording (yet) -----------------------------------------------------------------------


def test_an_answered_call_without_a_recording_yet_says_until_when_it_is_looked_for(player):
    CallFactory(
        sid="c7", allocation=None, recording_url="", end_time=timezone.now() - timedelta(minutes=2)
    )

    page = _page(player, "c7")

    assert "No recording yet: Exotel adds it a few minutes after the call." in page
    assert "Looked for until" in page
    assert "<audio " not in page


def test_past_the_deadline_it_says_none_came(player, settings):
    settings.CALL_RECORDING_DEADLINE = 3600
    CallFactory(
        sid="c8", allocation=None, recording_url="", end_time=timezone.now() - timedelta(hours=2)
    )

    assert "No recording: Exotel had sent none by" in _page(player, "c8")
    assert _status(player, "c8")["state"] == "none_sent"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("no-answer", "No recording: the call was not answered."),
        ("busy", "No recording: the call was not answered."),
        ("ringing", "No recording yet: the call is in progress."),
    ],
)
def test_calls_that_were_never_answered_say_so(player, status, words):
    CallFactory(sid="c9", allocation=None, recording_url="", status=status)
    assert words in _page(player, "c9")


# --- the status endpoint is outside input too -------------------------------------------------


@pytest.mark.parametrize(
    "sid", ["nope", "%00", "..%2f..%2fadmin", "a" * 300, "%E2%80%AE", "c1%0D%0AX:%20y"]
)
def test_the_status_of_unknown_or_hostile_sids_is_a_404(player, recorded, sid):
    for url in (f"/calls/{sid}/recording/status/", f"/calls/{sid}/recording/", f"/calls/{sid}/"):
        assert player.get(url).status_code in (400, 404), url


def test_the_status_needs_a_login_and_the_permission(client, django_user_model, recorded):
    url = reverse("calls:recording-status", args=["c1"])
    assert client.get(url).status_code == 302
    client.force_login(django_user_model.objects.create_user(username="nobody"))
    assert client.get(url).status_code == 403


def _record(sid: str, url: str) -> client.CallRecord:
    return client.parse_call(
        {
            "Sid": sid,
            "Status": "completed",
            "From": "+919900012345",
            "To": "+914071000001",
            "StartTime": "2024-06-15 10:45:00",
            "EndTime": "2024-06-15 10:48:32",
            "Duration": "212",
            "RecordingUrl": url,
        }
    )


def test_every_page_showing_the_recording_offers_the_same_player(player, recorded):
    """The call page, the allocation page and the calls list (whose table renders each row
    without the request) use one include."""
    for url in ("/calls/c1/", "/allocations/gp_1/", "/calls/"):
        page = player.get(url).content.decode()
        assert '<audio controls preload="none" src="/calls/c1/recording/"' in page, url
        assert "1 min 40 s" in page, url
