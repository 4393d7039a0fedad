"""Demo seeding, the control API over HTTP, and the command line."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
import requests

from exotel_standin import ABSENT, Control, StandIn
from exotel_standin.control import ControlError
from exotel_standin.demo import seed_demo, traffic_tick

REPO = Path(__file__).resolve().parents[2]


def test_seed_demo(standin: StandIn) -> None:
    now = datetime.now(UTC)
    ids = seed_demo(standin, now=now, rng=random.Random(1))
    assert len(ids) == 300
    assert len(set(ids)) == 300
    allocs = [standin.state.allocations[g] for g in ids]
    states = Counter(a.status_at(now) for a in allocs)
    assert 0.3 < states["active"] / 300 < 0.5
    assert 0.35 < states["expired"] / 300 < 0.55
    assert 0.08 < states["deleted"] / 300 < 0.22
    assert sum(a.pin.startswith("0") for a in allocs) >= 10
    assert 5 <= len({a.virtual_number for a in allocs}) <= 12
    assert len({a.from_[0] for a in allocs}) <= 40
    assert 10 < sum(not a.to for a in allocs) < 60
    assert all(now - timedelta(hours=24) <= a.created_at <= now for a in allocs)
    fields = [a.custom_field for a in allocs]
    assert any(f is ABSENT for f in fields)
    assert None in fields
    assert "" in fields
    assert any(isinstance(f, str) and "%2F" in f for f in fields)
    assert any(isinstance(f, str) and f and "=" not in f for f in fields)
    assert any(isinstance(f, str) and len(f) == 256 for f in fields)
    # call_count matches the calls made through each allocation, within its lifetime
    by_gid = Counter(c.greenpin_id for c in standin.state.calls.values() if c.greenpin_id)
    assert all(a.call_count == by_gid[a.greenpin_id] for a in allocs)
    assert 0.5 < sum(a.call_count > 0 for a in allocs) / 300 < 0.7
    for call in standin.state.calls.values():
        if call.greenpin_id:
            a = standin.state.allocations[call.greenpin_id]
            assert a.created_at <= call.start_time < min(a.expires_at, a.deleted_at or now)
            assert call.to == a.virtual_number
            assert call.from_ in a.from_ + a.to
            expected = None if a.custom_field is ABSENT else a.custom_field
            assert call.custom_field == expected
    statuses = Counter(c.status for c in standin.state.calls.values())
    assert statuses["completed"] > statuses["busy"] + statuses["no-answer"] > 0
    # the same seed gives the same day
    other = StandIn()
    assert seed_demo(other, now=now, rng=random.Random(1)) == ids


def test_traffic_tick(standin: StandIn) -> None:
    rng = random.Random(5)
    seed_demo(standin)
    before = len(standin.call_sids())
    sid = traffic_tick(standin, "http://127.0.0.1:9/", rng, fresh=True)
    assert sid in standin.call_sids()
    assert len(standin.call_sids()) == before + 1
    assert len(standin.greenpin_ids()) == 301


def test_control_api(standin: StandIn) -> None:
    control = Control(standin.url)
    assert control.health()["ok"] is True
    made = control.add_allocation(
        greenpin_id="gp_ctl",
        from_=["+919900000001"],
        pin="0042",
        custom_field=ABSENT,
        expires_at=datetime.now(UTC) + timedelta(hours=2),
    )
    assert made["pin"] == "0042"
    assert "custom_field" not in made
    assert control.greenpin_ids() == ["gp_ctl"]
    call = control.add_call(sid="cafe", from_="+919900000001", duration=5)
    assert call["Sid"] == "cafe"
    assert control.call_sids() == ["cafe"]
    sid = control.simulate_call("gp_ctl", outcome="no-answer")
    assert sid in control.call_sids()

    control.set_shape("classic")
    control.script("gp_ctl", [{"status": 503}])
    with requests.Session() as gp:
        gp.auth = ("ACtest", "xb-secret")
        url = f"{standin.url}/v1/tenants/ACtest/greenpin/gp_ctl"
        assert gp.get(url).json()["status"] == 503
        body = gp.get(url).json()
        assert body["success"] is True
        assert body["data"]["a"]["pin"] == "0042"
        control.set_rate_limit(1)
        assert gp.get(url).status_code == 200
        assert gp.get(url).status_code == 429
    counts = control.counts()
    assert counts["total"] == 4
    assert counts["by_endpoint"] == {"greenpin.get": 4}
    assert [r["status"] for r in control.requests()] == [503, 200, 200, 429]

    with pytest.raises(ControlError) as err:
        control.simulate_call("gp_missing")
    assert err.value.status == 404
    with pytest.raises(ControlError) as err:
        control.add_allocation(colour="red")
    assert err.value.status == 400
    control.reset()
    assert control.greenpin_ids() == []
    assert control.counts()["total"] == 0
    assert standin.state.shape == "seed"
    assert standin.state.rate_limit is None


def test_cli_demo(tmp_path: Path) -> None:
    ids_file = tmp_path / "var" / "ids.txt"
    env = {**os.environ, "STANDIN_EXOBRIDGE_TOKEN": "xb-env", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exotel_standin",
            "--port",
            "0",
            "--account-sid",
            "ACdemo",
            "--demo",
            "--demo-ids-file",
            str(ids_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Exotel stand-in on http://127.0.0.1:" in line
        base = line.split(" on ")[1].split()[0]
        deadline = time.monotonic() + 10
        while not ids_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        ids = ids_file.read_text().split()
        # The seeded day and the orders showing each kind of case summary.
        assert len(ids) == 300 + 4 + 5
        assert ids[-9:] == [f"gp_demo10000{n}" for n in range(1, 10)]
        r = requests.get(f"{base}/v1/tenants/ACdemo/greenpin/{ids[0]}", auth=("ACdemo", "xb-env"))
        assert r.status_code == 200
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert f"GET /v1/tenants/ACdemo/greenpin/{ids[0]} 200" in out
        assert "xb-env" not in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_order_reference_decoding() -> None:
    from exotel_standin.formats import order_reference

    assert order_reference("order_id=ORD%2F7781&city=BLR") == "ORD/7781"
    assert order_reference("PX-1") == "PX-1"
    assert order_reference("city=BLR") == "city=BLR"
    assert order_reference(None) is None
    assert unquote_plus("ORD%2F7781") == order_reference("order_id=ORD%2F7781")
