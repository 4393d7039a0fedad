"""An agent copies an order's case summary for the helpdesk and pastes it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from allocations.models import Allocation
from tests.browser.conftest import VIEWPORT, log_in
from tests.factories import CallFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_copy_for_the_ticket_puts_the_summary_on_the_clipboard(
    live_server, browser, standin, user_in, settings
):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    standin.add_allocation(
        greenpin_id="gp_ticket1",
        from_=["+919900012345"],
        to=["+918800054321"],
        custom_field="order_id=12345",
        created_at=timezone.now() - timedelta(minutes=10),
    )
    call_command("track", "gp_ticket1", stdout=io.StringIO())
    allocation = Allocation.objects.get(greenpin_id="gp_ticket1")
    started = timezone.now() - timedelta(seconds=30)
    CallFactory(
        allocation=allocation,
        from_number="+919900012345",
        status="no-answer",
        start_time=started,
        talk_duration=0,
    )
    CallFactory(
        allocation=allocation,
        from_number="+918800054321",
        status="completed",
        start_time=started + timedelta(seconds=10),
        talk_duration=127,
    )
    user_in("agent", "Support")
    context = browser.new_context(
        viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"]
    )
    try:
        page = context.new_page()
        log_in(page, live_server.url, "agent")
        page.goto(f"{live_server.url}/allocations/gp_ticket1/")
        summary = page.locator("section.case-summary")
        assert "Delivery agent called Customer once" in summary.inner_text()

        button = page.get_by_role("button", name="Copy for the ticket")
        button.click()
        page.get_by_role("button", name="Copied").wait_for()
        pasted = page.evaluate("() => navigator.clipboard.readText()")
        button.wait_for()  # the label comes back

        lines = pasted.splitlines()
        assert lines[0] == "Order 12345, GreenPin ID gp_ticket1"
        assert "Delivery agent +91 99XXX XX345; Customer +91 88XXX XX321" in lines[1]
        assert "IST (UTC+05:30)" in lines[2]
        assert lines[3].startswith("Delivery agent called Customer once, ")
        assert lines[3].endswith(" IST, no answer.")
        assert lines[4].startswith("Customer called back once, ")
        assert lines[4].endswith(" IST, talked 2 min 7 s (recorded).")
        assert "9900012345" not in pasted
    finally:
        context.close()
