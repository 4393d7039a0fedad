from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_logs_in_searches_an_order_and_sees_pin_and_parties(
    live_server, page, standin, user_in
):
    standin.add_allocation(
        greenpin_id="gp_journey1",
        pin="0482",
        from_=["+919900012345"],
        to=["+918800054321"],
        custom_field="order_id=12345",
    )
    call_command("track", "gp_journey1", stdout=io.StringIO())
    user_in("agent", "Support")

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("pw-agent-1")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("searchbox").fill("12345")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/allocations/gp_journey1/")
    assert page.get_by_role("heading", level=1).inner_text() == "Order 12345"
    facts = page.locator("dl.facts")
    assert "+91 99XXX XX345" in facts.inner_text()  # an agent sees parties masked
    assert "+91 88XXX XX321" in facts.inner_text()
    assert "0482" not in facts.inner_text()
    page.get_by_role("button", name="Show PIN").click()
    assert "0482" in page.locator("dl.facts").inner_text()
