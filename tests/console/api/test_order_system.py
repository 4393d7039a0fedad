"""The order system's path over real HTTP with a real worker: a token from the command, the
new allocation's ID posted to track, a worker fetching it from Exotel (the stand-in), and the
order found by its ID, without anyone running `track` or `sync`."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import requests
from django.core.management import call_command

from tests.workers import running_workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_allocation_the_order_system_tracks_is_found_by_its_order_id(
    live_server, standin, settings
):
    standin.add_allocation(
        greenpin_id="gp_api_order",
        virtual_number="+914071000077",
        pin="0771",
        from_=["+919900077001"],
        to=["+918800077001"],
        custom_field="order_id=77001",
    )
    out = io.StringIO()
    call_command(
        "create_api_token", "order-system", "--scope", "track", "--scope", "read", stdout=out
    )
    token = out.getvalue().splitlines()[-1]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    base = f"{live_server.url}/api/v1/allocations/"

    with running_workers(standin, settings) as workers:
        workers.start()
        tracked = api.post(f"{base}track/", json={"greenpin_ids": ["gp_api_order"]}, timeout=10)

        def found():
            answer = api.get(base, params={"order_id": "77001"}, timeout=10).json()
            return answer["results"] or None

        results = wait_until(found, timeout=60, interval=0.5)

    assert tracked.status_code == 202
    assert tracked.json() == {"results": [{"greenpin_id": "gp_api_order", "result": "tracked"}]}
    assert results, "the worker never fetched the tracked allocation"
    (allocation,) = results
    assert allocation["greenpin_id"] == "gp_api_order"
    assert allocation["status"] == "active"
    assert allocation["a_parties"] == ["+91 99XXX XX001"]
    assert allocation["pin"] == "••••"
    assert standin.counts()["by_endpoint"].get("greenpin.get", 0) >= 1
    detail = api.get(allocation["url"], timeout=10)
    assert detail.status_code == 200
    assert detail.json()["calls"] == []
    # The token is a secret: no log line of the web process or the worker (whose output
    # joins the run's log when it stops) carries it.
    run_log = Path(os.environ["GREENPIN_TEST_LOG_FILE"])
    assert token not in run_log.read_text(encoding="utf-8")
