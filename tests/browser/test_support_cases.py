"""Each support case in a real browser, with a screenshot for reviewers, the accessibility
check and the Content Security Policy: parties by their labels and who called whom, each
outcome explained (legend, tooltip, a failed call's reason), the allocation page's one list
of calls with one recording playing at a time, a reveal's countdown, Copy and Hide, the 400 px
layout, and admin's name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from exotel import call_api as client
from tests.browser.conftest import axe_violations, describe_violations, log_in, screenshot
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENT, CUSTOMER = "+919900012345", "+918800054321"
NARROW_400 = {"width": 400, "height": 860}
LONG_SID = "c" + "0123456789abcdef" * 3 + "0123456789abcde"  # 64 characters, the most


@pytest.fixture
def order(standin, settings):
    """Order 4254 (its custom field URL-encoded): the customer called and failed to reach the
    agent, then the agent called three times; two calls are recorded in the stand-in."""
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    settings.ORDER_URL_TEMPLATE = "https://shop.example/orders/{order_id}"
    now = timezone.now()
    allocation = AllocationFactory(
        greenpin_id="gp_case",
        order_id="ORD/4254",
        custom_field="order_id=ORD%2F4254",
        call_count=4,
        created_at=now - timedelta(hours=1),
        expires_at=now + timedelta(hours=2),
    )
    PartyFactory(allocation=allocation, side="A", number=AGENT)
    PartyFactory(allocation=allocation, side="B", number=CUSTOMER)

    def call(sid, minutes_ago, from_number, status, **fields):
        return CallFactory(
            sid=sid,
            allocation=allocation,
            from_number=from_number,
            status=status,
            start_time=now - timedelta(minutes=minutes_ago),
            **fields,
        )

    call(
        "c_failed",
        50,
        CUSTOMER,
        "failed",
        duration=2,
        talk_duration=0,
        recording_url="",
        leg1_status="completed",
        leg2_status="failed",
    )
    call(
        "c_noanswer",
        40,
        AGENT,
        "no-answer",
        duration=38,
        talk_duration=0,
        recording_url="",
        leg1_status="completed",
        leg2_status="no-answer",
    )
    for sid, minutes_ago, talk in (("c_first", 30, 30), ("c_second", 10, 45)):
        standin.add_call(sid=sid, duration=talk, ring=8)
        record = client.get_call(sid)
        call(
            sid,
            minutes_ago,
            AGENT,
            "completed",
            duration=talk + 8,
            talk_duration=talk,
            recording_url=record.recording_url,
            bridged_to=CUSTOMER,
        )
    # Exotel reported the whole call but not its talk time.
    call("c_untimed", 5, CUSTOMER, "completed", duration=212, talk_duration=None, recording_url="")
    return allocation


def check(page, name: str):
    shot = screenshot(page, name)
    assert shot.stat().st_size > 10_000, shot
    violations = axe_violations(page)
    assert violations == [], describe_violations(page.url, violations)


def test_an_agent_reads_who_called_whom_and_what_each_outcome_means(
    live_server, new_page, user_in, order
):
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")
    page.goto(f"{live_server.url}/allocations/gp_case/")

    facts = page.locator("dl.facts")
    assert facts.get_by_text("Delivery agent", exact=True).count() == 1
    assert facts.get_by_text("Customer", exact=True).count() == 1
    assert "(from)" not in facts.inner_text()
    assert "order_id=ORD/4254" in facts.inner_text()
    link = page.get_by_role("link", name="Open in the order system")
    assert link.get_attribute("href") == "https://shop.example/orders/ORD%2F4254"
    assert "every call Exotel put through this number and PIN" in facts.inner_text()

    calls = page.get_by_role("region", name="Calls, newest first")
    text = calls.inner_text()
    assert "Customer called Delivery agent" in text
    assert "Delivery agent called Customer" in text
    assert "Delivery agent could not be reached" in text  # why the failed call failed
    assert "3 min 32 s in all, talk time not reported" in text
    assert "talked —" not in text
    assert "rang 38 s" in text

    legend = page.get_by_role("group", name="What each outcome means")
    assert "rang, nobody answered" in legend.inner_text()
    badge = calls.locator(".status-failed").first
    assert badge.get_attribute("title") == "did not connect: unreachable, wrong PIN or network"
    summary = page.locator("section.case-summary").inner_text()
    assert "failed: Delivery agent could not be reached" in summary
    check(page, "case-parties-and-outcomes")

    page.goto(f"{live_server.url}/calls/")
    table = page.locator("main table.calls")
    assert "Who called whom" in table.inner_text()
    assert "Customer called Delivery agent" in table.inner_text()
    # The picture's legend says what each outcome means; no second legend repeats it.
    assert "(rang, nobody answered)" in page.locator("figure.call-picture").inner_text()
    assert page.get_by_role("group", name="What each outcome means").count() == 0
    row = table.locator("tbody tr", has_text="Customer called Delivery agent").first
    assert "3 min 32 s in all, talk time not reported" in row.inner_text()
    check(page, "case-calls-outcomes")
    assert new_page.csp_violations() == []


def test_each_call_is_listed_once_and_one_recording_plays_at_a_time(
    live_server, new_page, user_in, order
):
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")
    page.goto(f"{live_server.url}/allocations/gp_case/")

    calls = page.get_by_role("region", name="Calls, newest first")
    links = calls.locator("a[href^='/calls/c_']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == [
        f"/calls/{sid}/" for sid in ("c_untimed", "c_second", "c_first", "c_noanswer", "c_failed")
    ]
    assert page.locator("audio").count() == 2  # one player per recording

    first = page.locator('audio[src="/calls/c_first/recording/"]')
    second = page.locator('audio[src="/calls/c_second/recording/"]')
    first.evaluate("audio => { audio.muted = true; return audio.play(); }")
    page.wait_for_function("audio => audio.currentTime > 0.2", arg=first.element_handle())
    second.evaluate("audio => { audio.muted = true; return audio.play(); }")
    page.wait_for_function("audio => audio.currentTime > 0.2", arg=second.element_handle())
    assert first.evaluate("audio => audio.paused")
    assert not second.evaluate("audio => audio.paused")
    second.evaluate("audio => audio.pause()")
    calls.scroll_into_view_if_needed()
    page.mouse.wheel(0, 300)
    check(page, "case-one-list-of-calls")
    assert new_page.csp_violations() == []


def test_a_supervisor_reveals_copies_and_hides_the_numbers(live_server, new_page, user_in, order):
    user_in("boss", "Supervisor")
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/allocations/gp_case/")

    reveal = page.get_by_role("button", name="Show full numbers")
    facts = page.locator("dl.facts")
    # Beside the numbers, not below the page's facts.
    beside = facts.locator("div.reveal-numbers").bounding_box()
    created = facts.locator("div", has_text="Created").last.bounding_box()
    assert beside["y"] <= created["y"]
    assert beside["x"] < created["x"]
    reveal.click()
    page.locator("dl.facts", has_text="+91 99000 12345").wait_for()

    timer = page.locator(".reveal-timer").first
    first = timer.inner_text()
    assert first.startswith("visible for 4:5") or first == "visible for 5:00"
    page.wait_for_function(
        "start => document.querySelector('.reveal-timer').innerText !== start", arg=first
    )

    page.get_by_role("button", name="Copy Customer number").click()
    assert page.evaluate("navigator.clipboard.readText()") == CUSTOMER
    check(page, "case-reveal-countdown")

    page.locator("dd.reveal-controls").get_by_role("button", name="Hide").click()
    page.locator("dl.facts", has_text="+91 99XXX XX345").wait_for()
    assert "+91 99000 12345" not in page.locator("dl.facts").inner_text()
    assert page.get_by_role("button", name="Show full numbers").count() == 1
    assert new_page.csp_violations() == []


def test_at_400_px_the_calls_table_and_the_call_page_fit_without_scrolling_sideways(
    live_server, new_page, user_in, order
):
    CallFactory(sid=LONG_SID, allocation=order, from_number=AGENT, recording_url="")
    user_in("boss", "Supervisor")
    page = new_page(viewport=NARROW_400)
    log_in(page, live_server.url, "boss")

    page.goto(f"{live_server.url}/calls/")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_400["width"]
    row = page.locator("main table.calls tbody tr").first
    for label in ("Outcome", "Recording"):
        cell = row.locator(f'td[data-label="{label}"]')
        box = cell.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= NARROW_400["width"], label
    row.scroll_into_view_if_needed()
    check(page, "case-400px-calls")

    page.goto(f"{live_server.url}/calls/{LONG_SID}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_400["width"]
    heading = page.get_by_role("heading", level=1)
    assert heading.bounding_box()["width"] <= NARROW_400["width"]
    check(page, "case-400px-call")

    page.goto(f"{live_server.url}/allocations/gp_case/")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_400["width"]
    check(page, "case-400px-allocation")
    assert new_page.csp_violations() == []


def test_admin_is_branded_and_lists_access_logs_once(
    live_server, new_page, django_user_model, order
):
    django_user_model.objects.create_superuser(username="root", password="pw-root-1")
    page = new_page()
    log_in(page, live_server.url, "root")
    page.goto(f"{live_server.url}/admin/")
    assert page.title() == "Administration | GreenPin Admin"
    assert page.get_by_role("link", name="GreenPin Admin").count() == 1
    assert page.get_by_role("link", name="Access logs", exact=True).count() == 1
    assert page.get_by_role("link", name="Audit trail", exact=True).count() >= 1
    check(page, "case-admin-index")

    page.goto(f"{live_server.url}/admin/calls/call/")
    text = page.locator("#result_list").inner_text()
    assert "Customer called Delivery agent" in text
    assert " IST" in text
    assert "a.m." not in text
    assert "p.m." not in text
    check(page, "case-admin-calls")
