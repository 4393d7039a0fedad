"""The API's page in a real browser: readable, within the Content Security Policy, and
accessible (axe-core)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, describe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_page_reads_without_a_script_or_a_violation(live_server, new_page, user_in):
    user_in("agent", "Support")
    page = new_page()
    log_in(page, live_server.url, "agent")

    page.goto(f"{live_server.url}/api/docs/")
    screenshot(page, "api-docs-top")
    page.get_by_role("link", name="POST /api/v1/allocations/track/").click()

    assert page.get_by_role("heading", name="POST /api/v1/allocations/track/").is_visible()
    assert page.get_by_text("already_tracked").first.is_visible()
    screenshot(page, "api-docs")
    violations = axe_violations(page)
    assert not violations, describe_violations(page.url, violations)
    assert new_page.csp_violations() == []
