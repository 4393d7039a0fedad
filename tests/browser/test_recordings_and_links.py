"""Every recording and every unmatched call has an answer, in a real browser, on the demo's
own cases fetched from the stand-in as `make run` does: a recording that plays from an
`exorecordings` address (and only one plays at a time), one Exotel answers 404 for (the
player says so), one the settings refuse (the page and /health/ say so), and an unmatched call
a supervisor links (an agent sees no button). Screenshots under var/screenshots/; axe-core and
the Content Security Policy on every page visited."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from allocations.models import Allocation
from audit.models import AccessLog
from calls.models import Call, LinkState
from calls.services import allocation_backfill_calls
from exotel_standin.demo import seed_recording_and_linking_cases
from tests.browser.conftest import (
    NARROW,
    axe_violations,
    describe_violations,
    log_in,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_cases(standin, settings):
    """The demo's recording and linking orders, tracked and their calls backfilled."""
    settings.RECORDING_ALLOWED_PATH_PREFIXES = [
        "/exotelrecordings/{account_sid}/",
        "/exorecordings/",
    ]
    settings.A_PARTY_LABEL, settings.B_PARTY_LABEL = "Delivery agent", "Customer"
    ids = seed_recording_and_linking_cases(standin)
    call_command("track", *ids, stdout=StringIO())
    for allocation in Allocation.objects.filter(call_count__gt=0):
        allocation_backfill_calls(allocation=allocation)
    return standin


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(page.url, violations)


def play(audio) -> None:
    audio.evaluate("audio => { audio.muted = true; audio.play().catch(() => {}); }")


def test_a_recording_at_an_exorecordings_address_plays_and_only_one_plays_at_a_time(
    live_server, new_page, demo_cases, user_in
):
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")

    page.goto(f"{live_server.url}/calls/demo100005call0/")
    player = page.locator(".recording", has=page.locator("audio"))
    assert "3 min 32 s" in player.inner_text()  # the length, before anything is fetched
    audio = page.locator('audio[src="/calls/demo100005call0/recording/"]')
    play(audio)
    page.wait_for_function("audio => audio.currentTime > 0.2", arg=audio.element_handle())
    assert AccessLog.objects.filter(
        action=AccessLog.Action.PLAY_RECORDING, object_id="demo100005call0"
    ).exists()
    screenshot(page, "recording-exorecordings-playing")
    assert_accessible(page)

    # The calls list shows several players: starting one pauses the one playing.
    page.goto(f"{live_server.url}/calls/")
    first = page.locator('audio[src="/calls/demo100005call0/recording/"]').first
    second = page.locator('audio[src="/calls/demo100008unmatched/recording/"]').first
    play(first)
    page.wait_for_function("audio => audio.currentTime > 0.1", arg=first.element_handle())
    play(second)
    page.wait_for_function("audio => audio.currentTime > 0.1", arg=second.element_handle())
    assert first.evaluate("audio => audio.paused")
    assert not second.evaluate("audio => audio.paused")
    assert new_page.csp_violations() == []


def test_a_recording_exotel_answers_404_for_says_why_where_the_player_is(
    live_server, new_page, demo_cases, user_in
):
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")
    page.goto(f"{live_server.url}/calls/demo100006call0/")
    message = page.locator("[data-recording-message]")
    assert message.is_hidden()

    play(page.locator("audio"))

    message.filter(has_text="does not exist (HTTP 404)").wait_for()
    assert "Exotel answered that this recording does not exist" in message.inner_text()
    assert not AccessLog.objects.filter(action=AccessLog.Action.PLAY_RECORDING).exists()
    screenshot(page, "recording-404-reason")
    assert_accessible(page)

    # Reloaded, the page says it before anyone presses play again.
    page.reload()
    assert "does not exist (HTTP 404)" in page.locator(".recording").inner_text()
    assert new_page.csp_violations() == []


def test_a_refused_recording_says_why_and_health_names_the_setting(
    live_server, new_page, demo_cases, user_in
):
    user_in("boss", "Supervisor")
    page = new_page()
    log_in(page, live_server.url, "boss")

    page.goto(f"{live_server.url}/calls/demo100007call0/")
    recording = page.locator(".recording")
    assert "refused by the recording settings" in recording.inner_text()
    assert recording.locator("audio").count() == 0
    screenshot(page, "recording-refused-reason")
    assert_accessible(page)

    recording.get_by_role("link", name="Health").click()
    page.wait_for_url(f"{live_server.url}/health/")
    refused = page.get_by_role("region", name="Recordings refused by the settings")
    text = refused.inner_text()
    assert "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/" in text
    assert "RECORDING_ALLOWED_ORIGINS" in text
    refused.scroll_into_view_if_needed()
    screenshot(page, "health-refused-recordings")
    assert_accessible(page)

    narrow = new_page(viewport=NARROW)
    log_in(narrow, live_server.url, "boss")
    narrow.goto(f"{live_server.url}/calls/demo100007call0/")
    screenshot(narrow, "recording-refused-narrow")
    assert new_page.csp_violations() == []


def test_a_supervisor_links_an_unmatched_call_and_an_agent_has_no_button(
    live_server, new_page, demo_cases, user_in
):
    user_in("agent", "Support")
    user_in("boss", "Supervisor")
    url = f"{live_server.url}/calls/demo100008unmatched/"

    agent = new_page()
    log_in(agent, live_server.url, "agent")
    agent.goto(url)
    candidates = agent.get_by_role("region", name="Which allocation took this call?")
    assert "order 100008" in candidates.inner_text()
    assert "order 100009" in candidates.inner_text()
    assert candidates.get_by_role("button").count() == 0
    screenshot(agent, "unmatched-call-agent")

    boss = new_page()
    log_in(boss, live_server.url, "boss")
    boss.goto(f"{live_server.url}/health/")
    boss.get_by_role("link", name="1", exact=True).click()
    boss.wait_for_url("**/calls/?link=unmatched")
    boss.locator('a[href="/calls/demo100008unmatched/"]').first.click()
    boss.wait_for_url(url)
    candidates = boss.get_by_role("region", name="Which allocation took this call?")
    assert candidates.get_by_role("button").count() == 2
    screenshot(boss, "unmatched-call-candidates")
    assert_accessible(boss)

    candidates.get_by_role("button", name="Link to order 100008").click()
    boss.wait_for_url(url)
    assert "Linked to order 100008." in boss.locator(".messages").inner_text()
    assert "linked by hand by boss" in boss.locator("article").inner_text()
    assert boss.get_by_role("region", name="Which allocation took this call?").count() == 0
    screenshot(boss, "unmatched-call-linked")
    assert_accessible(boss)

    call = Call.objects.get(sid="demo100008unmatched")
    assert (call.allocation.order_id, call.link_state) == ("100008", LinkState.MANUAL)
    assert AccessLog.objects.filter(action=AccessLog.Action.LINK_CALL, user__username="boss")
    assert new_page.csp_violations() == []
