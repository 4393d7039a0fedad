from __future__ import annotations

import json

import pytest

from calls.models import CallEvent

pytestmark = pytest.mark.django_db

SECRET = "s3cret-path"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.EXOTEL_WEBHOOK_SECRET = SECRET


def post(client, body, content_type="application/x-www-form-urlencoded", secret=SECRET):
    return client.generic("POST", f"/webhooks/exotel/{secret}/", body, content_type=content_type)


VOICE_FORM = "CallSid=c1&Status=completed&EventType=terminal&From=09900012345&To=04071000001"


def test_a_form_encoded_status_callback_is_stored(client):
    response = post(client, VOICE_FORM)

    assert response.status_code == 200
    event = CallEvent.objects.get()
    assert (event.call_sid, event.status, event.shape) == ("c1", "completed", "voice")
    assert event.payload["From"] == "09900012345"


def test_a_json_greenpin_event_is_stored(client):
    body = {
        "call_sid": "c2",
        "greenpin_id": "gp_1",
        "call_type": "completed",
        "on_call_duration": "42",
        "brand_new_field": {"kept": True},
    }
    response = post(client, json.dumps(body), "application/json")

    assert response.status_code == 200
    event = CallEvent.objects.get()
    assert (event.call_sid, event.shape, event.status) == ("c2", "greenpin", "completed")
    assert event.payload["brand_new_field"] == {"kept": True}


def test_a_redelivery_is_accepted_and_stores_nothing_new(client):
    post(client, VOICE_FORM)
    response = post(client, VOICE_FORM)

    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert CallEvent.objects.count() == 1


def test_a_wrong_secret_is_refused_and_stores_nothing(client):
    response = post(client, VOICE_FORM, secret="guess")
    assert response.status_code == 403
    assert not CallEvent.objects.exists()


@pytest.mark.parametrize("offered", ["anything", "None", "%20", "s3cret-path"])
def test_an_unset_secret_refuses_everything(client, settings, offered):
    settings.EXOTEL_WEBHOOK_SECRET = ""
    response = post(client, VOICE_FORM, secret=offered)
    assert response.status_code == 403
    assert response.content == b"bad webhook secret\n"
    assert not CallEvent.objects.exists()


def test_an_event_without_a_call_sid_is_a_400(client):
    response = post(client, "Status=completed&EventType=terminal")
    assert response.status_code == 400
    assert not CallEvent.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", "\xff\xfe"])
def test_a_body_that_does_not_parse_is_a_400(client, body):
    assert post(client, body, "application/json").status_code == 400
    assert not CallEvent.objects.exists()


def test_an_oversized_body_is_a_413_and_never_reaches_the_database(
    client, django_assert_num_queries
):
    body = "CallSid=c1&Junk=" + "x" * (3 * 1024 * 1024)
    with django_assert_num_queries(0):
        response = post(client, body)
    assert response.status_code == 413


def test_the_webhook_needs_no_login_but_only_post(client):
    assert client.get(f"/webhooks/exotel/{SECRET}/").status_code == 405


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("CallSid=" + "x" * 65 + "&Status=completed", "application/x-www-form-urlencoded"),
        ('{"CallSid": "c1", "Status": "completed\\u0000"}', "application/json"),
        ("CallSid=c1&Status=%00", "application/x-www-form-urlencoded"),
        ("[" * 60000, "application/json"),
    ],
    ids=["sid-too-long", "nul-json", "nul-form", "deeply-nested"],
)
def test_hostile_bodies_are_a_400_and_store_nothing(client, body, content_type):
    assert post(client, body, content_type).status_code == 400
    assert not CallEvent.objects.exists()


def test_overlong_fields_are_cut_to_fit_not_a_database_error(client):
    body = json.dumps({"call_sid": "c1", "greenpin_id": "g" * 64, "call_type": "x" * 300})
    assert post(client, body, "application/json").status_code == 200
    assert CallEvent.objects.get().payload["call_type"] == "x" * 300
