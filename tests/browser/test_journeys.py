"""The support console's journeys in a real browser: an agent finds an order and plays its
recording, a supervisor filters, exports, reveals and audits; screenshots for reviewers, the
accessibility check and the Content Security Policy on every page visited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessLog
from calls.models import Call, CallEvent
from exotel import call_api as client
from tests.browser.conftest import (
    NARROW,
    axe_violations,
    describe_violations,
    log_in,
    screenshot,
)
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def allocation_with_parties(greenpin_id: str, status: str, a: str, b: str, **fields):
    allocation = AllocationFactory(greenpin_id=greenpin_id, status=status, **fields)
    PartyFactory(allocation=allocation, side="A", number=a)
    PartyFactory(allocation=allocation, side="B", number=b)
    return allocation


@pytest.fixture
def recorded_order(standin):
    """Order 12345 with one answered call whose recording the stand-in serves, plus two
    other orders so the search page has a table to show."""
    allocation = allocation_with_parties(
        "gp_order1",
        "active",
        "+919900012345",
        "+918800054321",
        order_id="12345",
        custom_field="order_id=12345",
        call_count=1,
    )
    standin.add_call(sid="c_recorded", duration=40)
    record = client.get_call("c_recorded")
    call = CallFactory(
        sid="c_recorded",
        allocation=allocation,
        from_number="+918800054321",
        duration=40,
        talk_duration=30,
        recording_url=record.recording_url,
        raw_payload=record.raw,
    )
    CallEvent.objects.create(
        call_sid=call.sid,
        call=call,
        fingerprint="f1",
        shape="voice",
        status="completed",
        payload={"CallSid": call.sid},
    )
    allocation_with_parties("gp_order2", "active", "+919900022222", "+918800022222")
    allocation_with_parties(
        "gp_order3",
        "expired",
        "+919900033333",
        "+918800033333",
        expires_at=timezone.now() - timedelta(hours=1),
    )
    AccessLog.objects.create(action="play_recording", object_type="call", object_id=call.sid)
    return allocation


def recording_responses(page) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda response: (
            seen.append((response.url, response.status)) if "/recording/" in response.url else None
        ),
    )
    return seen


# --- 1. an agent ---------------------------------------------------------------------------


def test_an_agent_finds_an_order_by_a_spaced_phone_number_and_plays_and_seeks_its_recording(
    live_server, new_page, standin, webhook_url, eager_celery, user_in
):
    standin.add_allocation(
        greenpin_id="gp_agent",
        pin="0482",
        from_=["+919900012345"],
        to=["+918800054321"],
        custom_field="order_id=12345",
    )
    call_command("track", "gp_agent", stdout=io.StringIO())
    sid = standin.simulate_call("gp_agent", caller="B", duration=60, webhook_url=webhook_url)
    assert Call.objects.get(sid=sid).recording_url  # webhook → apply → pull ran inline
    user_in("agent", "Support")
    page = new_page()
    recordings = recording_responses(page)

    log_in(page, live_server.url, "agent")
    page.get_by_role("searchbox").fill("99000 12345")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/allocations/gp_agent/")

    calls = page.get_by_role("region", name="Calls, newest first")
    audio = calls.locator(f'audio[src="/calls/{sid}/recording/"]')
    audio.evaluate("audio => { audio.muted = true; return audio.play(); }")
    page.wait_for_function("audio => audio.currentTime > 0.2", arg=audio.element_handle())
    seeked_to = audio.evaluate(
        """audio => new Promise((resolve, reject) => {
            audio.addEventListener("seeked", () => resolve(audio.currentTime), {once: true});
            setTimeout(() => reject(new Error("no seeked event within 10 s")), 10000);
            audio.currentTime = audio.duration * 0.75;
        })"""
    )

    assert seeked_to > 10
    recording_url = f"{live_server.url}/calls/{sid}/recording/"
    assert (recording_url, 206) in recordings, recordings
    assert AccessLog.objects.filter(
        action=AccessLog.Action.PLAY_RECORDING, object_id=sid, user__username="agent"
    ).exists()
    assert new_page.csp_violations() == []


# --- 2. a supervisor -----------------------------------------------------------------------


def test_a_supervisor_filters_exports_reveals_and_finds_both_in_the_audit_trail(
    live_server, new_page, user_in
):
    allocation_with_parties("gp_active1", "active", "+919900000001", "+918800000001")
    allocation_with_parties("gp_active2", "active", "+919900000002", "+918800000002")
    allocation_with_parties(
        "gp_expired",
        "expired",
        "+919900000003",
        "+918800000003",
        expires_at=timezone.now() - timedelta(hours=1),
    )
    allocation_with_parties("gp_deleted", "deleted", "+919900000004", "+918800000004")
    user_in("boss", "Supervisor")
    page = new_page()
    log_in(page, live_server.url, "boss")

    # Filter with the form in the page.
    page.goto(f"{live_server.url}/")
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Status", exact=True).select_option(label="Active")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**status=active**")
    rows = page.locator("main table tbody tr")
    assert sorted(rows.locator("td:first-child").all_inner_texts()) == ["gp_active1", "gp_active2"]

    # Export what is shown.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export these results (CSV)").click()
    download = download_info.value
    assert "status=active" in download.url
    with open(download.path(), newline="", encoding="utf-8") as exported:
        exported_rows = list(csv.DictReader(exported))
    assert sorted(row["greenpin_id"] for row in exported_rows) == ["gp_active1", "gp_active2"]
    assert {row["status"] for row in exported_rows} == {"active"}
    by_id = {row["greenpin_id"]: row for row in exported_rows}
    # a supervisor's CSV is unmasked; the leading "+" is neutralised for spreadsheets
    assert by_id["gp_active1"]["a_party_numbers"] == "'+919900000001"
    assert by_id["gp_active1"]["b_party_numbers"] == "'+918800000001"

    # Reveal the full numbers of one allocation.
    page.get_by_role("link", name="gp_active1").click()
    page.wait_for_url(f"{live_server.url}/allocations/gp_active1/")
    facts = page.locator("dl.facts")
    assert "+91 99XXX XX001" in facts.inner_text()
    page.get_by_role("button", name="Show full numbers").click()
    page.locator("dl.facts", has_text="+91 99000 00001").wait_for()
    assert "XX001" not in page.locator("dl.facts").inner_text()

    # Both are in the audit trail, and the trail filters by action.
    page.get_by_role("link", name="Audit trail").click()
    page.wait_for_url(f"{live_server.url}/audit/")
    trail = page.locator("main table tbody")
    assert "Exported data" in trail.inner_text()
    assert "Revealed a full number" in trail.inner_text()
    assert "gp_active1" in trail.inner_text()
    page.get_by_label("Action").select_option(label="Revealed a full number")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**action=reveal_number**")
    assert page.locator("main table tbody tr").count() == 1
    assert "Revealed a full number" in trail.inner_text()
    assert "Exported data" not in trail.inner_text()
    assert new_page.csp_violations() == []


# --- 3. screenshots for reviewers ----------------------------------------------------------


def test_screenshots_of_the_main_pages_light_dark_and_narrow(
    live_server, new_page, recorded_order, user_in, django_user_model
):
    user_in("boss", "Supervisor")
    django_user_model.objects.create_superuser(username="root", password="pw-root-1")
    allocation_url = f"{live_server.url}/allocations/gp_order1/"
    shots = []

    page = new_page()
    log_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/")
    page.locator("main table").wait_for()
    shots.append(screenshot(page, "search-results"))
    page.goto(allocation_url)
    shots.append(screenshot(page, "allocation-light"))

    dark = new_page(color_scheme="dark")
    log_in(dark, live_server.url, "boss")
    dark.goto(allocation_url)
    assert dark.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    shots.append(screenshot(dark, "allocation-dark"))

    narrow = new_page(viewport=NARROW)
    log_in(narrow, live_server.url, "boss")
    narrow.goto(allocation_url)
    shots.append(screenshot(narrow, "allocation-narrow"))

    staff = new_page()
    log_in(staff, live_server.url, "root")
    staff.goto(f"{live_server.url}/health/")
    shots.append(screenshot(staff, "health"))

    for shot in shots:
        assert shot.stat().st_size > 10_000, shot  # a real picture, not a blank page
    assert new_page.csp_violations() == []


# --- 4. accessibility ----------------------------------------------------------------------

MAIN_PAGES = [
    ("login", "/accounts/login/", "light"),
    ("search", "/", "light"),
    ("search", "/", "dark"),
    ("allocation", "/allocations/gp_order1/", "light"),
    ("allocation", "/allocations/gp_order1/", "dark"),
    ("call", "/calls/c_recorded/", "light"),
    ("audit", "/audit/", "light"),
    ("health", "/health/", "light"),
]


@pytest.mark.parametrize(
    ("name", "path", "scheme"), MAIN_PAGES, ids=[f"{n}-{s}" for n, _, s in MAIN_PAGES]
)
def test_the_main_pages_have_no_serious_accessibility_violations(
    live_server, new_page, recorded_order, user_in, name, path, scheme
):
    user_in("boss", "Supervisor")  # sees every page: audit trail and health too
    page = new_page(color_scheme=scheme)
    if name != "login":
        log_in(page, live_server.url, "boss")

    response = page.goto(f"{live_server.url}{path}")

    assert response.status == 200
    violations = axe_violations(page)
    assert violations == [], describe_violations(page.url, violations)
    assert new_page.csp_violations() == []


# --- 5. the Content Security Policy in Django admin ----------------------------------------


def test_admin_works_under_the_content_security_policy(
    live_server, new_page, recorded_order, django_user_model
):
    django_user_model.objects.create_superuser(username="root", password="pw-root-1")
    page = new_page()
    log_in(page, live_server.url, "root")

    for path in [
        "/admin/",
        "/admin/allocations/allocation/",
        f"/admin/allocations/allocation/{recorded_order.pk}/change/",
        "/admin/calls/call/",
        f"/admin/calls/call/{Call.objects.get(sid='c_recorded').pk}/change/",
        "/admin/audit/accesslog/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")

    assert new_page.csp_violations() == []
