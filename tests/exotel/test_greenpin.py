"""The GreenPin client over real HTTP to the stand-in: every status and broken body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exotel import errors
from exotel import greenpin as client


def test_it_returns_a_typed_record_in_the_seeds_shape(standin):
    created = datetime(2024, 6, 15, 5, 0, tzinfo=UTC)
    standin.add_allocation(
        greenpin_id="gp_abc123xyz",
        virtual_number="+914071000001",
        pin="0482",
        from_=["+919900012345"],
        to=["08800012345"],
        created_at=created,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        call_count=2,
        custom_field="order_id=12345",
    )

    record = client.get_allocation("gp_abc123xyz")

    assert record.greenpin_id == "gp_abc123xyz"
    assert record.pin == "0482"
    assert record.virtual_number == "+914071000001"
    assert record.a_numbers == ("+919900012345",)
    assert record.b_numbers == ("+918800012345",)
    assert record.status == "active"
    assert record.created_at == created
    assert record.call_count == 2
    assert record.custom_field == "order_id=12345"


def test_it_reads_the_classic_envelope_too(standin):
    standin.set_shape("classic")
    standin.add_allocation(
        greenpin_id="gp_classic1",
        pin="0099",
        from_=["+919900012345"],
        to=[],
        custom_field="order_id=777",
    )

    record = client.get_allocation("gp_classic1")

    assert record.pin == "0099"
    assert record.a_numbers == ("+919900012345",)
    assert record.b_numbers == ()
    assert record.status == "active"
    assert record.transaction_id


def test_an_allocation_past_its_expiry_reads_as_expired(standin):
    standin.add_allocation(
        greenpin_id="gp_old",
        created_at=datetime.now(UTC) - timedelta(hours=2),
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    assert client.get_allocation("gp_old").status == "expired"


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (401, errors.AuthenticationFailed),
        (403, errors.PermissionDenied),
        (404, errors.NotFound),
        (429, errors.RateLimited),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (499, errors.ServerError),
    ],
)
def test_each_error_status_raises_its_typed_error(standin, status, error_type):
    standin.add_allocation(greenpin_id="gp_x")
    standin.script(
        "gp_x", [{"status": status, "retry_after": 7} if status == 429 else {"status": status}]
    )

    with pytest.raises(error_type) as caught:
        client.get_allocation("gp_x")

    assert caught.value.status == status
    if status == 429:
        assert caught.value.retry_after == 7


def test_unknown_ids_are_not_found_and_other_tenants_ids_are_forbidden(standin):
    standin.add_allocation(greenpin_id="gp_theirs", tenant_id="ACother")
    with pytest.raises(errors.NotFound):
        client.get_allocation("gp_nobody")
    with pytest.raises(errors.PermissionDenied):
        client.get_allocation("gp_theirs")


def test_wrong_credentials_fail_without_showing_them(standin, settings):
    settings.EXOTEL_EXOBRIDGE_TOKEN = "wrong-secret-token"
    standin.add_allocation(greenpin_id="gp_y")
    with pytest.raises(errors.AuthenticationFailed) as caught:
        client.get_allocation("gp_y")
    assert "wrong-secret-token" not in str(caught.value)


def test_the_call_api_token_is_refused_by_greenpin(standin, settings):
    settings.EXOTEL_EXOBRIDGE_TOKEN = settings.EXOTEL_API_TOKEN
    standin.add_allocation(greenpin_id="gp_y")
    with pytest.raises(errors.AuthenticationFailed):
        client.get_allocation("gp_y")


@pytest.mark.parametrize("body", ["truncated", "malformed", "html"])
def test_bodies_that_do_not_parse_are_bad_responses(standin, body):
    standin.add_allocation(greenpin_id="gp_z")
    standin.script("gp_z", [{"body": body, **({"status": 502} if body == "html" else {})}])
    expected = errors.ServerError if body == "html" else errors.BadResponse
    with pytest.raises(expected):
        client.get_allocation("gp_z")


def test_a_slow_answer_is_a_timeout(standin, settings):
    settings.EXOTEL_READ_TIMEOUT = 0.2
    standin.add_allocation(greenpin_id="gp_slow")
    standin.script("gp_slow", [{"delay": 1.0}])
    with pytest.raises(errors.Timeout):
        client.get_allocation("gp_slow")


def test_nobody_listening_is_a_connection_failure(settings):
    settings.EXOTEL_GREENPIN_URL = "http://127.0.0.1:9"
    with pytest.raises(errors.ConnectionFailed):
        client.get_allocation("gp_any")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pin", 482),
        ("status", "paused"),
        ("from", "+919900012345"),
        ("to", ["not a number"]),
        ("created_at", "yesterday"),
        ("call_count", "many"),
        ("greenpin_id", None),
    ],
)
def test_a_body_that_does_not_validate_is_a_bad_response(field, value):
    data = {
        "greenpin_id": "gp_1",
        "virtual_number": "+914071000001",
        "pin": "4821",
        "from": ["+919900012345"],
        "to": [],
        "status": "active",
        "created_at": "2024-06-15T10:30:00+05:30",
        "expires_at": "2024-06-15T11:30:00+05:30",
        "call_count": 2,
        "custom_field": "order_id=12345",
    }
    data[field] = value
    with pytest.raises(errors.BadResponse):
        client.parse_allocation({"response": data})


def test_requests_share_one_connection(standin, monkeypatch):
    """No new TCP (in production TLS) handshake per request: one keep-alive connection."""
    import socket
    from urllib.parse import urlsplit

    standin.add_allocation(greenpin_id="gp_a")
    client.get_allocation("gp_a")  # whatever this process opened before does not count
    port = urlsplit(standin.url).port
    opened = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        if address[1] == port:
            opened.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    for _ in range(3):
        assert client.get_allocation("gp_a").greenpin_id == "gp_a"

    assert opened == []
