"""Finding what the mirror lacks and many things at once, in a real browser: a GreenPin ID
only Exotel knows opens its page; the results list is counted, marked and a few keys away;
/lookup/ answers line by line; a supervisor tracks a list on /track/ and watches it fetched.
Screenshots under var/screenshots/, axe-core and the Content Security Policy on each page."""

from __future__ import annotations

import pytest

from allocations.models import Allocation
from allocations.services import allocation_refresh
from tests.browser.conftest import axe_violations, describe_violations, log_in, screenshot
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(page.url, violations)


def test_a_search_for_a_greenpin_id_only_exotel_knows_opens_its_page(
    live_server, new_page, standin, user_in
):
    standin.add_allocation(
        greenpin_id="gp_onlyexotel",
        from_=["+919900012345"],
        to=["+918800054321"],
        custom_field="order_id=43101",
    )
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")

    page.get_by_role("searchbox").fill("gp_onlyexotel")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/allocations/gp_onlyexotel/")
    assert page.get_by_role("heading", level=1).inner_text() == "Order 43101"
    assert Allocation.objects.get(greenpin_id="gp_onlyexotel").next_sync_at is not None
    screenshot(page, "search-miss-fetched-from-exotel")
    assert_accessible(page)

    page.get_by_role("searchbox").fill("gp_nowhere")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=gp_nowhere**")
    assert "Exotel has no allocation gp_nowhere" in page.locator("main").inner_text()
    screenshot(page, "search-miss-exotel-has-none")
    assert_accessible(page)
    assert new_page.csp_violations() == []


def test_results_are_counted_marked_and_the_first_is_three_keys_from_the_search_box(
    live_server, new_page, user_in
):
    for n in range(30):
        allocation = AllocationFactory(order_id=f"ORD-{n}", virtual_number="+914071000077")
        PartyFactory(allocation=allocation, side="A", number=f"+91990001{n:04d}")
        PartyFactory(allocation=allocation, side="B", number="+918800054321")
        CallFactory(allocation=allocation, status="no-answer", recording_url="")
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")

    page.get_by_role("searchbox").fill("054321")  # a number's last digits: a list
    page.keyboard.press("Enter")
    page.wait_for_url("**q=054321**")
    main = page.locator("main")
    assert "1\u201325 of 30" in main.inner_text()
    assert page.locator("main mark").count() >= 25
    screenshot(page, "search-results-counted-and-marked")
    assert_accessible(page)

    # The search box has focus; Tab, Tab reaches "Skip to the results", Enter, Tab: the first.
    page.locator("#q").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the results"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "row-link"
    first = page.locator("a.row-link").first.inner_text()
    assert page.evaluate("document.activeElement.textContent") == first
    screenshot(page, "search-results-first-result-focused")

    # The whole row is the link: a click on the outcome cell opens the allocation.
    box = page.locator("main table tbody tr").first.locator("td").last.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/allocations/{first}/")
    assert new_page.csp_violations() == []


def test_a_lookup_of_mixed_lines_answers_each(live_server, new_page, user_in):
    one = AllocationFactory(greenpin_id="gp_lookup1", order_id="ORD-7")
    PartyFactory(allocation=one, side="A", number="+919900012345")
    AllocationFactory.create_batch(2, order_id="ORD-8")
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")

    page.get_by_role("link", name="Look up many").click()
    page.get_by_label("Identifiers, one per line").fill(
        "ord-7\n#ORD-8\nnothing-here\n99000 12345\n012345\ngp_lookup1"
    )
    page.get_by_role("button", name="Look up").click()
    page.wait_for_load_state()

    rows = page.locator("table.lookup tbody tr")
    assert rows.count() == 6
    outcomes = [rows.nth(n).locator("td").nth(1).inner_text() for n in range(6)]
    assert outcomes[0].startswith("Found")
    assert outcomes[1].startswith("Several found")
    assert outcomes[2].startswith("Not found")
    assert outcomes[3].startswith("Found")
    assert outcomes[4].startswith("Found")
    assert "+91 99XXX XX345" in rows.nth(3).inner_text()  # masked, as in the results
    screenshot(page, "lookup-mixed-lines")
    assert_accessible(page)
    assert new_page.csp_violations() == []


def test_a_supervisor_tracks_a_list_and_watches_it_fetched(live_server, new_page, standin, user_in):
    standin.add_allocation(greenpin_id="gp_track1", custom_field="order_id=9001")
    AllocationFactory(greenpin_id="gp_already")
    user_in("boss", "Supervisor")
    page = new_page()
    log_in(page, live_server.url, "boss")

    page.get_by_role("link", name="Track", exact=True).click()
    page.get_by_label("GreenPin IDs, one per line").fill("gp_track1\ngp_already\nnot/valid")
    page.get_by_role("button", name="Track").click()
    page.wait_for_url(f"{live_server.url}/track/")

    table = page.locator("table.tracked")
    assert "Tracked: queued for a fetch" in table.inner_text()
    assert "Already tracked" in table.inner_text()
    assert "Not a GreenPin ID" in table.inner_text()
    assert "Fetching from Exotel" in table.inner_text()
    screenshot(page, "track-queued")

    # A worker fetches it (here, the test itself); the page shows it without a reload.
    allocation_refresh(allocation=Allocation.objects.get(greenpin_id="gp_track1"))
    row = page.locator('tr[data-greenpin-id="gp_track1"]')
    row.locator(".track-fetched").wait_for(timeout=10_000)
    assert "order 9001" in row.inner_text()
    screenshot(page, "track-fetched")
    assert_accessible(page)
    assert new_page.csp_violations() == []


def test_an_agent_has_no_track_page(live_server, new_page, user_in):
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")
    assert page.get_by_role("link", name="Track", exact=True).count() == 0
    response = page.goto(f"{live_server.url}/track/")
    assert response.status == 403
