"""A supervisor asked for last week's failed calls: filters the calls list, reads the
picture above it and downloads the CSV; an agent may not export. Screenshots in light, dark
and narrow, each checked with axe-core and under the Content Security Policy."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import axe_violations, describe_violations, log_in, screenshot
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW_400 = {"width": 400, "height": 860}


@pytest.fixture
def a_week_of_calls(settings):
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    now = timezone.now()
    allocation = AllocationFactory(greenpin_id="gp_week", order_id="4242")
    PartyFactory(allocation=allocation, side="A", number="+919900012345")
    PartyFactory(allocation=allocation, side="B", number="+918800054321")

    def call(sid, days_ago, status, **fields):
        fields.setdefault("recording_url", "" if status != "completed" else None)
        if fields["recording_url"] is None:
            del fields["recording_url"]
        return CallFactory(
            sid=sid,
            allocation=allocation,
            status=status,
            start_time=now - timedelta(days=days_ago, minutes=5),
            **fields,
        )

    call("c_failed_1", 1, "failed", talk_duration=0, duration=4)
    call("c_failed_3", 3, "failed", talk_duration=0, duration=6, from_number="+918800054321")
    call("c_failed_old", 12, "failed", talk_duration=0, duration=5)
    for n in range(6):
        call(f"c_done_{n}", n, "completed", talk_duration=60 + n * 10, duration=75 + n * 10)
    call("c_busy", 2, "busy", talk_duration=0, duration=10)
    call("c_noans", 4, "no-answer", talk_duration=0, duration=30)
    CallFactory(
        sid="c_lost", allocation=None, link_state="no_candidate", status="failed", recording_url=""
    )
    return allocation


def test_a_supervisor_finds_last_weeks_failed_calls_reads_the_picture_and_downloads_them(
    live_server, new_page, user_in, a_week_of_calls
):
    user_in("boss", "Supervisor")
    page = new_page()
    log_in(page, live_server.url, "boss")

    page.get_by_role("navigation").get_by_role("link", name="Calls", exact=True).click()
    page.wait_for_url(f"{live_server.url}/calls/")
    page.get_by_role("link", name="Last 7 days").click()
    page.wait_for_url("**started_after=**")
    # A preset is a filter: the panel opens with the dates filled in.
    assert page.locator("details.filters-panel").get_attribute("open") is not None
    today = timezone.localdate()
    assert page.get_by_label("started from").input_value() == str(today - timedelta(days=6))
    page.get_by_role("checkbox", name="failed").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**status=failed**")

    rows = page.locator("main table.calls tbody tr")
    assert rows.count() == 3  # two of the order's, one unmatched; not the one 12 days old
    table = page.locator("main table.calls").inner_text()
    assert "Customer" in table  # c_failed_3 was the customer calling
    assert "did not connect" in table
    assert "+91 99000 12345" not in table

    picture = page.locator("figure.call-picture")
    assert "3 calls" in picture.locator("figcaption").inner_text()
    assert "0% (0 of 3 ended calls)" in picture.inner_text()
    legend = picture.locator("ul.legend").inner_text()
    assert "failed 3" in legend
    assert "completed 0" in legend
    assert picture.locator("svg rect.bar-failed").count() == 3
    assert picture.locator("svg rect.bar-completed").count() == 0
    assert "failed 3" in picture.locator("svg desc").text_content()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export these calls (CSV)").click()
    download = download_info.value
    assert "status=failed" in download.url
    with open(download.path(), newline="", encoding="utf-8") as exported:
        exported_rows = list(csv.DictReader(exported))
    assert sorted(row["sid"] for row in exported_rows) == ["c_failed_1", "c_failed_3", "c_lost"]
    assert {row["status"] for row in exported_rows} == {"failed"}

    shots = [screenshot(page, "calls-light")]
    violations = axe_violations(page)
    assert violations == [], describe_violations(page.url, violations)
    filtered_url = page.url

    dark = new_page(color_scheme="dark")
    log_in(dark, live_server.url, "boss")
    dark.goto(filtered_url.replace("status=failed", "status=failed&status=completed"))
    assert dark.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    shots.append(screenshot(dark, "calls-dark"))
    violations = axe_violations(dark)
    assert violations == [], describe_violations(dark.url, violations)

    narrow = new_page(viewport=NARROW_400)
    log_in(narrow, live_server.url, "boss")
    narrow.goto(
        filtered_url.split("?")[0]
        + "?started_after="
        + filtered_url.split("started_after=")[1].split("&")[0]
    )
    narrow.locator("figure.call-picture").scroll_into_view_if_needed()
    shots.append(screenshot(narrow, "calls-narrow"))
    violations = axe_violations(narrow)
    assert violations == [], describe_violations(narrow.url, violations)
    assert narrow.evaluate("document.documentElement.scrollWidth") <= NARROW_400["width"] + 1 or (
        narrow.locator("figure.call-picture").bounding_box()["width"] <= NARROW_400["width"]
    )

    for shot in shots:
        assert shot.stat().st_size > 10_000, shot
    assert new_page.csp_violations() == []


def test_an_agent_lists_calls_but_gets_403_on_the_export(
    live_server, new_page, user_in, a_week_of_calls
):
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")

    page.goto(f"{live_server.url}/calls/?status=failed")
    assert page.locator("main table.calls tbody tr").count() == 4
    assert page.get_by_role("link", name="Export these calls (CSV)").count() == 0

    response = page.goto(f"{live_server.url}/calls/export.csv?status=failed")
    assert response.status == 403
    violations = axe_violations(page)
    assert violations == [], describe_violations(page.url, violations)


def test_the_search_opens_the_calls_of_its_allocations(
    live_server, new_page, user_in, a_week_of_calls
):
    user_in("boss", "Supervisor")
    page = new_page()
    log_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/?status=active")
    page.get_by_role("link", name="Calls of these allocations").click()
    page.wait_for_url("**/calls/?in_search=**")
    assert page.locator("main table.calls tbody tr").count() == 11  # not the unmatched one
