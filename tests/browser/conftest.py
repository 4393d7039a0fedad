"""A real browser (Debian's chromium driven by Playwright) against the live test server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


# --- helpers for the journeys ---------------------------------------------------------------

AXE_JS = "node_modules/axe-core/axe.min.js"
SERIOUS = {"serious", "critical"}
CSP_WORDS = ("Content Security Policy", "Refused to")
VIEWPORT = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


class ConsoleLog:
    """Every console message and page error of one browser context, with the page's URL."""

    def __init__(self, context) -> None:
        self.messages: list[str] = []
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)

    def _watch(self, page) -> None:
        page.on("console", lambda message: self.messages.append(f"{page.url}: {message.text}"))
        page.on("pageerror", lambda error: self.messages.append(f"{page.url}: {error}"))

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if any(word in m for word in CSP_WORDS)]


@pytest.fixture
def new_page(browser):
    """Open pages in contexts of their own (a viewport, a colour scheme), each watched for
    console messages; `new_page.console` lists the messages of every page opened."""
    contexts = []

    def open_page(viewport=VIEWPORT, color_scheme="light"):
        context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        open_page.logs.append(ConsoleLog(context))
        return page

    open_page.logs = []
    open_page.csp_violations = lambda: [v for log in open_page.logs for v in log.csp_violations()]
    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def user_in(django_user_model):
    """Create a user in the Support or Supervisor group, whose password is `pw-<username>-1`.

    A transactional test's flush empties auth_group, so the groups the data migration made
    are created again here, with the migration's own permission lists."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission

    migration = import_module("console.migrations.0002_support_groups")
    added = import_module("console.migrations.0004_supervisors_export_calls")
    added_track = import_module("console.migrations.0006_supervisors_track_allocations")
    linking = import_module("console.migrations.0007_supervisors_link_call")

    def create(username: str, group: str, **extra):
        wanted = {
            "Support": migration.SUPPORT,
            "Supervisor": [
                *migration.SUPERVISOR,
                *added.SUPERVISOR_ADDED,
                *added_track.SUPERVISOR_ADDED,
                *linking.SUPERVISOR_ADDED,
            ],
        }[group]
        group_row, created = Group.objects.get_or_create(name=group)
        if created:
            for app_label, codename in wanted:
                group_row.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
        user = django_user_model.objects.create_user(
            username=username, password=f"pw-{username}-1", **extra
        )
        user.groups.add(group_row)
        return user

    return create


def log_in(page, base_url: str, username: str, password: str | None = None) -> None:
    """Through the login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or f"pw-{username}-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"login as {username} failed"


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now.

    The source is evaluated over the DevTools protocol: a <script> tag (inline or injected)
    would be refused by the site's Content Security Policy, as it should be."""
    from django.conf import settings

    source = (Path(settings.BASE_DIR) / AXE_JS).read_text()
    page.evaluate(source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in SERIOUS]


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core on {url}:"]
    for violation in violations:
        targets = [" ".join(node["target"]) for node in violation["nodes"]]
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']}; targets {targets}"
        )
    return "\n".join(lines)


def screenshot(page, name: str) -> Path:
    """A viewport screenshot under var/screenshots/ for reviewers. Not full-page: headless
    chromium was seen to hang on full-page shots of pages with <audio> elements."""
    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=False, timeout=15_000)
    except Exception:  # a second try without animations before giving up
        page.screenshot(path=str(path), full_page=False, timeout=15_000, animations="disabled")
    return path
