"""The demo's recording and linking cases, fetched from the stand-in over HTTP as `make run`
does: a recording that plays from an `exorecordings` URL, one Exotel answers 404 for, one the
settings refuse, and an unmatched call with two candidates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from allocations.models import Allocation
from audit.models import AccessLog
from calls.models import Call, LinkState, RecordingProblem
from calls.selectors import LinkReason, call_link_candidates, call_recording_refusals
from calls.services import allocation_backfill_calls
from exotel_standin.demo import seed_recording_and_linking_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(standin, settings):
    # The demo's settings: recordings only from the stand-in, the default folders.
    settings.RECORDING_ALLOWED_PATH_PREFIXES = [
        "/exotelrecordings/{account_sid}/",
        "/exorecordings/",
    ]
    ids = seed_recording_and_linking_cases(standin)
    call_command("track", *ids, stdout=StringIO())
    for allocation in Allocation.objects.filter(call_count__gt=0):
        allocation_backfill_calls(allocation=allocation)
    return standin


@pytest.fixture
def player(staff_client, django_user_model):
    user = django_user_model.objects.get(username="agent")
    user.user_permissions.add(Permission.objects.get(codename="play_recording"))
    return staff_client


def test_the_exorecordings_recording_plays(demo, player):
    call = Call.objects.get(sid="demo100005call0")
    assert "/exorecordings/" in call.recording_url

    response = player.get(reverse("calls:recording", args=[call.sid]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    assert AccessLog.objects.filter(action="play_recording", object_id=call.sid).exists()


def test_the_lost_recording_says_exotel_answered_404(demo, player):
    response = player.get(reverse("calls:recording", args=["demo100006call0"]))

    assert response.status_code == 404
    assert Call.objects.get(sid="demo100006call0").recording_error == RecordingProblem.NOT_FOUND


def test_the_refused_recording_is_marked_on_arrival_and_shown_on_health(demo):
    call = Call.objects.get(sid="demo100007call0")

    assert call.recording_error == RecordingProblem.REFUSED
    (refused,) = call_recording_refusals()
    assert refused.folder == "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/"
    assert refused.setting == "RECORDING_ALLOWED_ORIGINS"


def test_the_unmatched_call_has_two_candidates_one_with_the_caller_as_party(demo):
    call = Call.objects.get(sid="demo100008unmatched")

    assert call.allocation is None
    assert call.link_state == LinkState.NO_CANDIDATE
    candidates = {c.allocation.order_id: c for c in call_link_candidates(call=call)}
    assert set(candidates) == {"100008", "100009"}
    assert all(c.possible for c in candidates.values())
    assert all(c.reasons == (LinkReason.CUSTOM_FIELD_DIFFERS,) for c in candidates.values())
    assert candidates["100008"].caller_is_party
    assert not candidates["100009"].caller_is_party


def test_the_other_demo_orders_are_linked(demo):
    for order in ("100005", "100006", "100007"):
        assert Call.objects.get(sid=f"demo{order}call0").allocation.order_id == order
