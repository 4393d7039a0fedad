"""A support agent who opens an allocation on stale data sees the fresh data within seconds,
without reloading: a real worker on Redis refreshes it from the stand-in meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from allocations.models import Allocation
from allocations.services import allocation_track
from tests.browser.conftest import log_in
from tests.workers import running_workers

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_stale_allocation_page_updates_itself(live_server, page, standin, settings, user_in):
    standin.add_allocation(greenpin_id="gp_stale", pin="4242", custom_field="order_id=777")
    (allocation,) = allocation_track(greenpin_ids=["gp_stale"])
    Allocation.objects.filter(pk=allocation.pk).update(
        pin="1111",
        status="active",
        order_id="777",
        last_synced_at=timezone.now() - timedelta(hours=1),
        last_sync_attempt_at=timezone.now() - timedelta(hours=1),
        next_sync_at=timezone.now() + timedelta(hours=1),
    )
    user_in("agent", "Support")  # may view allocations

    with running_workers(standin, settings) as workers:
        log_in(page, live_server.url, "agent")
        page.goto(f"{live_server.url}/allocations/gp_stale/")
        # PINs are masked until revealed; revealing reloads the page, so it happens before
        # the worker starts and the refresh it was asked for can land.
        page.get_by_role("button", name="Show PIN").click()
        assert "1111" in page.locator("dl.facts").inner_text()
        page.evaluate("window.__notReloaded = true")
        workers.start()

        page.locator("dl.facts", has_text="4242").wait_for(timeout=20000)

        assert page.evaluate("window.__notReloaded") is True
        assert "Refreshing" not in page.locator("article").inner_text()
