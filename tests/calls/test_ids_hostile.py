"""IDs from outside end up in URLs, headers and file names: only Exotel's shape gets in."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from allocations.models import Allocation
from calls.models import Call, CallEvent
from exotel import errors

pytestmark = pytest.mark.django_db

BAD_IDS = [
    "slash/call-1",
    "gp/slash",
    "../etc",
    "dot.id",
    "space id",
    "%2Fencoded",
    "new\nline",
    "x" * 65,
    "ünïcode",
    "<script>",
]


@pytest.fixture
def webhook(client, settings):
    settings.EXOTEL_WEBHOOK_SECRET = "s3cret"

    def post(payload, **extra):
        return client.post(
            "/webhooks/exotel/s3cret/",
            json.dumps(payload),
            content_type="application/json",
            **extra,
        )

    return post


@pytest.mark.parametrize("bad", BAD_IDS)
def test_the_webhook_refuses_an_id_of_another_shape(webhook, bad):
    as_sid = webhook({"CallSid": bad, "Status": "ringing"})
    as_greenpin = webhook({"CallSid": "okcall1", "Status": "ringing", "GreenPinId": bad})

    assert as_sid.status_code == 400
    assert as_greenpin.status_code == 400
    assert not CallEvent.objects.exists()


@pytest.mark.parametrize("bad", ["slash/call-1", "x" * 65])
def test_the_call_api_answering_a_strange_sid_is_a_bad_response(standin, bad):
    from exotel import call_api as client

    with pytest.raises(errors.BadResponse):
        client.parse_call({"Sid": bad, "Status": "completed"})


def test_track_refuses_a_strange_greenpin_id_and_writes_nothing():
    with pytest.raises(CommandError, match="not a GreenPin ID"):
        call_command("track", "gp_fine", "gp/slash")
    assert not Allocation.objects.exists()


def test_admin_refuses_a_strange_greenpin_id(admin_client):
    response = admin_client.post("/admin/allocations/allocation/add/", {"greenpin_id": "gp/x"})
    assert response.status_code == 200
    assert "Letters, digits" in response.content.decode()
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"CallSid": "c1", "Duration": NaN}',
        '{"CallSid": "c1", "Duration": Infinity}',
        '{"CallSid": "c1", "Duration": -Infinity}',
        '{"CallSid": "c1", "Duration": 1e400}',
    ],
)
def test_json_numbers_no_store_accepts_are_a_400(client, settings, body):
    settings.EXOTEL_WEBHOOK_SECRET = "s3cret"
    response = client.post("/webhooks/exotel/s3cret/", body, content_type="application/json")
    assert response.status_code == 400
    assert not CallEvent.objects.exists()


def test_a_chunked_body_is_read(client, settings):
    settings.EXOTEL_WEBHOOK_SECRET = "s3cret"
    body = "CallSid=chunked1&Status=ringing"
    # What gunicorn hands over for `Transfer-Encoding: chunked`: the decoded body, no length.
    response = client.post(
        "/webhooks/exotel/s3cret/",
        body,
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body.encode())},
    )
    assert response.status_code == 200
    assert CallEvent.objects.get().call_sid == "chunked1"


def test_a_post_without_the_trailing_slash_is_accepted(client, settings):
    settings.EXOTEL_WEBHOOK_SECRET = "s3cret"
    response = client.post(
        "/webhooks/exotel/s3cret",
        "CallSid=noslash1&Status=ringing",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Call.objects.count() + CallEvent.objects.count() >= 1
