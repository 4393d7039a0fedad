"""The calls a support agent sees: on the allocation page, the call page and the player."""

from __future__ import annotations

import pytest
import responses as responses_lib
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AccessLog
from calls.models import CallEvent
from exotel import call_api as client
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def player(staff_client, django_user_model):
    user = django_user_model.objects.get(username="agent")
    user.user_permissions.add(Permission.objects.get(codename="play_recording"))
    return staff_client


@pytest.fixture
def recorded_call(standin):
    """A call whose recording the stand-in serves, mirrored with its real provider URL."""
    allocation = AllocationFactory(greenpin_id="gp_1", virtual_number="+914071000001")
    PartyFactory(allocation=allocation, side="A", number="+919900012345")
    PartyFactory(allocation=allocation, side="B", number="+918800012345")
    standin.add_call(sid="c1", duration=30)
    record = client.get_call("c1")
    call = CallFactory(
        sid="c1",
        allocation=allocation,
        from_number="+918800012345",
        recording_url=record.recording_url,
        raw_payload=record.raw,
    )
    CallEvent.objects.create(
        call_sid="c1",
        call=call,
        fingerprint="x",
        shape="voice",
        status="completed",
        payload={"CallSid": "c1", "RecordingUrl": record.recording_url},
    )
    return call


def test_the_allocation_page_lists_its_calls_with_who_called_whom(player, recorded_call):
    page = player.get(reverse("allocations:detail", args=["gp_1"])).content.decode()

    assert "B-party called A-party" in page
    assert "+91 88XXX XX345" in page
    assert "talked 1 min 40 s" in page
    assert "20 s" in page  # rang
    assert "completed" in page
    assert '<audio controls preload="none" src="/calls/c1/recording/"' in page


def test_the_provider_recording_url_never_reaches_a_page(player, admin_client, recorded_call):
    pages = [
        player.get(reverse("allocations:detail", args=["gp_1"])),
        player.get(reverse("calls:detail", args=["c1"])),
        admin_client.get(reverse("admin:calls_call_change", args=[recorded_call.pk])),
        admin_client.get(reverse("admin:calls_call_changelist")),
        admin_client.get(reverse("admin:calls_callevent_changelist")),
        admin_client.get(
            reverse("admin:calls_callevent_change", args=[CallEvent.objects.get().pk])
        ),
    ]
    for response in pages:
        assert response.status_code == 200
        assert recorded_call.recording_url not in response.content.decode()
        assert "exotelrecordings" not in response.content.decode()


def test_the_call_page_shows_its_event_timeline(player, recorded_call):
    CallEvent.objects.all().delete()
    for n, status in enumerate(["ringing", "in-progress", "completed"]):
        CallEvent.objects.create(
            call_sid="c1",
            fingerprint=f"f{n}",
            shape="voice",
            event_type=status,
            status=status,
            payload={},
        )

    page = player.get(reverse("calls:detail", args=["c1"])).content.decode()

    assert page.index("ringing") < page.index("in-progress") < page.rindex("completed")
    assert "Sent by Exotel" in page
    assert "Received" in page


def test_a_recording_not_yet_available_says_so(player):
    allocation = AllocationFactory(greenpin_id="gp_2")
    CallFactory(allocation=allocation, recording_url="", status="completed")
    page = player.get(reverse("allocations:detail", args=["gp_2"])).content.decode()
    assert "No recording yet: Exotel adds it a few minutes after the call." in page


def test_the_recording_plays_whole_and_by_range(player, recorded_call):
    whole = player.get(reverse("calls:recording", args=["c1"]))
    body = b"".join(whole.streaming_content)
    part = player.get(reverse("calls:recording", args=["c1"]), HTTP_RANGE="bytes=1000-1999")

    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/wav"
    assert whole["Accept-Ranges"] == "bytes"
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == body[1000:2000]
    assert part["Content-Range"] == f"bytes 1000-1999/{len(body)}"


def test_each_play_is_in_the_audit_trail_but_seeks_are_not(player, recorded_call):
    url = reverse("calls:recording", args=["c1"])
    player.get(url, HTTP_RANGE="bytes=0-")
    player.get(url, HTTP_RANGE="bytes=5000-")
    player.get(url)

    plays = AccessLog.objects.filter(action="play_recording", object_id="c1")
    assert plays.count() == 2
    assert {log.user.username for log in plays} == {"agent"}


def test_playing_needs_the_permission(client, django_user_model, recorded_call, standin):
    client.force_login(django_user_model.objects.create_user(username="nobody"))
    before = standin.counts()["total"]
    response = client.get(reverse("calls:recording", args=["c1"]))
    assert response.status_code == 403
    assert standin.counts()["total"] == before
    assert not AccessLog.objects.exists()


def test_a_recording_outside_the_allowed_origins_is_refused_unfetched(
    player, recorded_call, standin, settings
):
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    before = standin.counts()["total"]

    response = player.get(reverse("calls:recording", args=["c1"]))

    assert response.status_code == 502
    assert standin.counts()["total"] == before
    assert AccessLog.objects.filter(action="recording_refused", object_id="c1").exists()


def test_unknown_calls_are_404(player):
    assert player.get(reverse("calls:detail", args=["nope"])).status_code == 404
    assert player.get(reverse("calls:recording", args=["nope"])).status_code == 404


@responses_lib.activate
def test_a_recording_that_is_not_audio_is_served_as_an_opaque_download(player, settings):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    url = "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/c7.mp3"
    responses_lib.get(url, body="<script>alert(1)</script>", content_type="text/html")
    CallFactory(sid="c7", allocation=AllocationFactory(), recording_url=url)

    response = player.get(reverse("calls:recording", args=["c7"]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")


def test_an_unmatched_calls_page_renders_and_search_leads_there(player):
    CallFactory(sid="lonely1", allocation=None, link_state="no_candidate")

    landing = player.get("/?q=lonely1", follow=True)

    assert landing.status_code == 200
    assert landing.redirect_chain == [("/calls/lonely1/", 302)]
    assert "Not linked to an allocation" in landing.content.decode()
    assert "+91 99XXX XX345" in landing.content.decode()
