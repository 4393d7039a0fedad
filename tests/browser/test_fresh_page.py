"""A support agent who opens an allocation on stale data sees the fresh data within seconds,
without reloading: a real worker on Redis refreshes it from the stand-in meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from allocations.models import Allocation
from allocations.services import allocation_track
from tests.workers import running_workers

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_stale_allocation_page_updates_itself(
    live_server, page, standin, settings, django_user_model
):
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
    django_user_model.objects.create_user(username="agent", password="a-long-passphrase")

    with running_workers(standin, settings) as workers:
        workers.start()
        log_in(page, live_server, "agent", "a-long-passphrase")
        page.goto(f"{live_server.url}/allocations/gp_stale/")
        assert "1111" in page.locator("dl.facts").inner_text()
        page.evaluate("window.__notReloaded = true")

        page.locator("dl.facts", has_text="4242").wait_for(timeout=5000)

        assert page.evaluate("window.__notReloaded") is True
        assert "Refreshing" not in page.locator("article").inner_text()
