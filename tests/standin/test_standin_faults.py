"""Fault scripts, the rate limit, and request counting."""

from __future__ import annotations

import json

import pytest
import requests

from exotel_standin import StandIn


def get_url(s: StandIn, gid: str) -> str:
    return f"{s.url}/v1/tenants/ACtest/greenpin/{gid}"


def test_script_500_then_normal(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    other = standin.add_allocation()["greenpin_id"]
    standin.script(gid, [{"status": 500}, {"status": 503}, {}])
    first = gp.get(get_url(standin, gid))
    assert first.status_code == 500
    assert first.json() == {"error": {"status": 500, "code": 0, "message": "Internal server error"}}
    assert gp.get(get_url(standin, other)).status_code == 200  # other IDs unaffected
    assert [gp.get(get_url(standin, gid)).status_code for _ in range(3)] == [503, 200, 200]


def test_script_repeat_and_endpoint_keys(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    standin.script("greenpin.get", [{"status": 502}, {}], repeat=True)
    codes = [gp.get(get_url(standin, gid)).status_code for _ in range(4)]
    assert codes == [502, 200, 502, 200]
    standin.script("greenpin.get", [])
    standin.script("*", [{"status": 499}])
    assert gp.get(get_url(standin, gid)).status_code == 499
    assert gp.get(get_url(standin, gid)).status_code == 200


def test_calls_script_uses_rest_exception(standin: StandIn, voice: requests.Session) -> None:
    sid = standin.add_call()["Sid"]
    standin.script(sid, [{"status": 500}])
    r = voice.get(f"{standin.url}/v1/Accounts/ACtest/Calls/{sid}.json")
    assert r.status_code == 500
    assert r.json()["RestException"]["Status"] == 500


def test_rate_limit_429(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    standin.set_rate_limit(3)
    first = [gp.get(get_url(standin, gid)) for _ in range(3)]
    assert [r.status_code for r in first] == [200, 200, 200]
    assert first[-1].headers["X-RateLimit-Remaining"] == "0"
    limited = gp.get(get_url(standin, gid))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > 0
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 4  # refusals count too
    standin.set_rate_limit(None)
    assert gp.get(get_url(standin, gid)).status_code == 200


def test_scripted_429_with_retry_after(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    standin.script(gid, [{"status": 429, "retry_after": 7}])
    r = gp.get(get_url(standin, gid))
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "7"
    assert r.headers["X-RateLimit-Remaining"] == "0"


@pytest.mark.parametrize("kind", ["truncated", "malformed"])
def test_broken_json_bodies(standin: StandIn, gp: requests.Session, kind: str) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    standin.script(gid, [{"body": kind}])
    r = gp.get(get_url(standin, gid))
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    if kind == "truncated":
        assert r.text.startswith('{"response": {"greenpin_id": ')
    assert gp.get(get_url(standin, gid)).json()["response"]["greenpin_id"] == gid


def test_html_gateway_page(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    standin.script(gid, [{"body": "html"}])
    r = gp.get(get_url(standin, gid))
    assert r.status_code == 502
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in r.text


def test_delay_step_beats_a_client_timeout(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    standin.script(gid, [{"delay": 0.5}, {"delay": 0.2, "status": 503}])
    with pytest.raises(requests.exceptions.ReadTimeout):
        gp.get(get_url(standin, gid), timeout=0.2)
    assert gp.get(get_url(standin, gid), timeout=2).status_code == 503
    assert gp.get(get_url(standin, gid), timeout=2).status_code == 200


def test_bad_script_is_refused(standin: StandIn) -> None:
    with pytest.raises(ValueError, match="body"):
        standin.script("*", [{"body": "weird"}])
    with pytest.raises(ValueError, match="unknown keys"):
        standin.script("*", [{"stauts": 500}])


def test_counts_and_request_log(standin: StandIn, gp: requests.Session) -> None:
    gid = standin.add_allocation()["greenpin_id"]
    gp.get(get_url(standin, gid))
    gp.get(get_url(standin, "gp_missing"))
    gp.delete(get_url(standin, gid))
    requests.get(f"{standin.url}/_standin/counts")  # control calls are not counted
    counts = standin.counts()
    assert counts["total"] == 3
    assert counts["by_endpoint"] == {"greenpin.get": 2, "greenpin.delete": 1}
    assert sum(counts["by_minute"].values()) == 3
    log = standin.requests()
    assert [(e["method"], e["endpoint"], e["status"]) for e in log] == [
        ("GET", "greenpin.get", 200),
        ("GET", "greenpin.get", 404),
        ("DELETE", "greenpin.delete", 200),
    ]
    assert log[0]["path"] == f"/v1/tenants/ACtest/greenpin/{gid}"
    standin.reset()
    assert standin.counts()["total"] == 0
    assert standin.greenpin_ids() == []
