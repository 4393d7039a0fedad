"""A real Celery worker, consuming from Redis, turns a webhook delivery into a pulled, linked
call without anyone running `sync`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from calls.models import Call, LinkState
from tests.workers import running_workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_webhook_delivery_becomes_a_pulled_linked_call(standin, webhook_url, settings):
    for n in (1, 2):
        standin.add_allocation(
            greenpin_id=f"gp_w{n}",
            virtual_number="+914071000011",
            from_=[f"+9199000{n}1111"],
            to=[f"+9188000{n}1111"],
            custom_field=f"order_id=9000{n}",
        )
    call_command("track", "gp_w1", "gp_w2", stdout=io.StringIO())

    with running_workers(standin, settings) as workers:
        workers.start()
        sid = standin.simulate_call(
            "gp_w2",
            caller="B",
            duration=64,
            webhook_url=webhook_url,
            order="shuffled",
            duplicate=True,
        )
        call = wait_until(
            lambda: (
                Call.objects.filter(
                    sid=sid, link_state=LinkState.LINKED, last_synced_at__isnull=False
                )
                .exclude(recording_url="")
                .first()
            ),
            timeout=60,
        )

    assert call is not None, "the worker never pulled the call"
    assert call.allocation.greenpin_id == "gp_w2"
    assert call.status == "completed"
    assert call.duration == 64
    assert standin.counts()["by_endpoint"].get("calls.get", 0) >= 1
