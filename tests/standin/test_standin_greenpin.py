"""GreenPin endpoints: shapes, auth, tenants, expiry, create/update/delete."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from exotel_standin import ABSENT, StandIn

SEED_KEYS = [
    "greenpin_id",
    "virtual_number",
    "pin",
    "from",
    "to",
    "status",
    "created_at",
    "expires_at",
    "call_count",
    "custom_field",
]
IST_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$")


def url(s: StandIn, gid: str = "", tenant: str = "ACtest") -> str:
    return f"{s.url}/v1/tenants/{tenant}/greenpin" + (f"/{gid}" if gid else "")


def test_get_in_seed_shape(standin: StandIn, gp: requests.Session) -> None:
    created = datetime(2030, 6, 15, 5, 0, tzinfo=UTC)
    standin.add_allocation(
        greenpin_id="gp_abc123xyz",
        pin="0482",
        to=["+918800012345"],
        created_at=created,
        expires_at=created + timedelta(hours=1),
        call_count=2,
    )
    r = gp.get(url(standin, "gp_abc123xyz"))
    assert r.status_code == 200
    body = r.json()["response"]
    assert list(body) == SEED_KEYS
    assert body == {
        "greenpin_id": "gp_abc123xyz",
        "virtual_number": "+914000000001",
        "pin": "0482",
        "from": ["+919900012345"],
        "to": ["+918800012345"],
        "status": "active",
        "created_at": "2030-06-15T10:30:00+05:30",
        "expires_at": "2030-06-15T11:30:00+05:30",
        "call_count": 2,
        "custom_field": "order_id=12345",
    }


@pytest.mark.parametrize("value", [ABSENT, None, "", "x" * 256])
def test_custom_field_is_stored_as_given(
    standin: StandIn, gp: requests.Session, value: object
) -> None:
    gid = standin.add_allocation(custom_field=value)["greenpin_id"]
    body = gp.get(url(standin, gid)).json()["response"]
    if value is ABSENT:
        assert "custom_field" not in body
    else:
        assert body["custom_field"] == value
    assert body["to"] == []


def test_get_in_classic_shape(standin: StandIn, gp: requests.Session) -> None:
    standin.add_allocation(
        greenpin_id="gp_c",
        pin="0007",
        to=["+918800012345"],
        custom_field="city=BLR&order_id=ORD%2F7781",
        expires_at=datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    standin.set_shape("classic")
    body = gp.get(url(standin, "gp_c")).json()
    assert body["success"] is True
    assert body["status"] == 200
    assert body["code"] is None
    assert body["data"] == {
        "transaction_id": "ORD/7781",
        "greenpin_id": "gp_c",
        "a": {"vns": ["+914000000001"], "numbers": ["9900012345"], "pin": "0007"},
        "b": {"vns": ["+914000000001"], "numbers": ["8800012345"]},
        "usage": "twoway",
        "state": "active",
        "deallocation_time": "2031-01-02 08:34:05",
    }
    missing = gp.get(url(standin, "gp_nope"))
    assert missing.status_code == 404
    assert missing.json() == {
        "success": False,
        "status": 404,
        "code": 1,
        "message": "GreenPin not found",
        "data": None,
    }


def test_auth_tenant_and_not_found(standin: StandIn, gp: requests.Session) -> None:
    standin.add_allocation(greenpin_id="gp_mine")
    standin.add_allocation(greenpin_id="gp_theirs", tenant_id="other")
    assert requests.get(url(standin, "gp_mine")).status_code == 401
    assert requests.get(url(standin, "gp_mine"), auth=("ACtest", "wrong")).status_code == 401
    wrong_api = requests.get(url(standin, "gp_mine"), auth=("ACtest", "tok"))
    assert wrong_api.status_code == 401
    assert wrong_api.json()["error"]["code"] == 7
    assert gp.get(url(standin, "gp_theirs")).status_code == 403
    assert gp.get(url(standin, "gp_mine", tenant="other")).status_code == 403
    r = gp.get(url(standin, "gp_unknown"))
    assert r.status_code == 404
    assert r.json() == {"error": {"status": 404, "code": 1, "message": "GreenPin not found"}}


def test_expiry_is_computed_from_the_clock(standin: StandIn, gp: requests.Session) -> None:
    past = standin.add_allocation(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert gp.get(url(standin, past["greenpin_id"])).json()["response"]["status"] == "expired"
    soon = standin.add_allocation(expires_at=datetime.now(UTC) + timedelta(seconds=0.3))[
        "greenpin_id"
    ]
    assert gp.get(url(standin, soon)).json()["response"]["status"] == "active"
    time.sleep(0.35)
    assert gp.get(url(standin, soon)).json()["response"]["status"] == "expired"
    deleted = standin.add_allocation(status="deleted")["greenpin_id"]
    assert gp.get(url(standin, deleted)).json()["response"]["status"] == "deleted"


def test_create(standin: StandIn, gp: requests.Session) -> None:
    r = gp.post(
        url(standin),
        json={
            "caller_id_number": "+914000000002",
            "from": ["09900011111"],
            "to": [],
            "duration": 600,
            "custom_field": "order_id=1",
        },
    )
    assert r.status_code == 201
    body = r.json()["response"]
    assert re.fullmatch(r"gp_[a-z0-9]{10}", body["greenpin_id"])
    assert re.fullmatch(r"\d{4}", body["pin"])
    assert body["from"] == ["+919900011111"]
    assert body["to"] == []
    assert body["status"] == "active"
    assert IST_ISO.match(body["expires_at"])
    got = gp.get(url(standin, body["greenpin_id"])).json()["response"]
    assert got == body
    no_cf = gp.post(url(standin), json={"from": ["+919900011111"]}).json()["response"]
    assert "custom_field" not in no_cf


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"to": ["+918800012345"]}, 400, 3),
        ({"from": ["12"]}, 400, 16),
        ({"from": ["+919900011111"], "duration": 299}, 422, 5),
        ({"from": ["+919900011111"], "duration": 14_688_001}, 422, 5),
        ({"from": ["+919900011111"], "duration": "soon"}, 400, 5),
        ({"from": ["+919900011111"], "custom_field": "x" * 257}, 400, 5),
        ({"from": ["+919900011111"], "to": ["9900011111"]}, 409, 14),
    ],
)
def test_create_errors(
    standin: StandIn, gp: requests.Session, payload: dict, status: int, code: int
) -> None:
    r = gp.post(url(standin), json=payload)
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


def test_create_rejects_bad_json(standin: StandIn, gp: requests.Session) -> None:
    r = gp.post(url(standin), data=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "JSON" in r.json()["error"]["message"]


def test_update_and_delete(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation(duration=300)["greenpin_id"]
    r = gp.put(
        url(standin, gid),
        json={
            "to": ["+918800099999"],
            "duration": 7200,
            "custom_field": "order_id=2",
        },
    )
    assert r.status_code == 200
    body = r.json()["response"]
    assert body["to"] == ["+918800099999"]
    assert body["custom_field"] == "order_id=2"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=119) < expires - datetime.now(UTC) <= timedelta(hours=2)
    assert gp.put(url(standin, gid), json={"to": ["+919900012345"]}).status_code == 409

    r = gp.delete(url(standin, gid))
    assert r.status_code == 200
    assert r.json()["response"]["status"] == "deleted"
    assert IST_ISO.match(r.json()["response"]["deleted_at"])
    again = gp.delete(url(standin, gid))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == 22
    assert gp.put(url(standin, gid), json={"to": []}).status_code == 409

    expired = standin.add_allocation(expires_at=datetime.now(UTC) - timedelta(minutes=1))[
        "greenpin_id"
    ]
    assert gp.put(url(standin, expired), json={"duration": 600}).status_code == 409


def test_bulk_update(standin: StandIn, gp: requests.Session) -> None:
    a = standin.add_allocation()["greenpin_id"]
    b = standin.add_allocation(status="deleted")["greenpin_id"]
    r = gp.put(
        url(standin),
        json={
            "allocations": [
                {"greenpin_id": a, "custom_field": "order_id=9"},
                {"greenpin_id": b, "custom_field": "order_id=9"},
                {"greenpin_id": "gp_unknown", "to": []},
            ]
        },
    )
    assert r.status_code == 200
    body = r.json()["response"]
    assert (body["succeeded"], body["failed"]) == (1, 2)
    assert [item["status"] for item in body["results"]] == [200, 409, 404]
    assert body["results"][0]["response"]["custom_field"] == "order_id=9"
    too_many = [{"greenpin_id": a, "to": []}] * 101
    r = gp.put(url(standin), json={"allocations": too_many})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == 17
