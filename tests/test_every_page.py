"""Every page, for every role, for every state its data can be in: never a 5xx, never
unescaped input. Then a crawl of every link from the search page, as each role, with
DEBUG off."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from audit.models import AccessLog
from calls.models import CallEvent
from exotel.models import ProviderState
from tests.factories import AllocationFactory, CallFactory, PartyFactory

pytestmark = pytest.mark.django_db

HTML = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","x")'
UNESCAPED = ("<script>alert(", "<img src=x")
DEAD_ORIGIN = "http://127.0.0.1:9"  # nothing listens: Exotel failing to serve a recording


@pytest.fixture
def every_state(settings):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = [DEAD_ORIGIN]
    now = timezone.now()
    active = AllocationFactory(greenpin_id="gp_active")
    PartyFactory(allocation=active, side="A", number="+919900012345")
    PartyFactory(allocation=active, side="B", number="+918800012345")
    AllocationFactory(
        greenpin_id="gp_expired",
        status="expired",
        expires_at=now - timedelta(hours=1),
        next_sync_at=None,
    )
    AllocationFactory(greenpin_id="gp_deleted", status="deleted", deleted_at=now, next_sync_at=None)
    AllocationFactory(
        greenpin_id="gp_never",
        status="pending",
        virtual_number="",
        pin="",
        created_at=None,
        expires_at=None,
        custom_field="",
        order_id="",
        last_synced_at=None,
        next_sync_at=now,
    )
    AllocationFactory(
        greenpin_id="gp_failed",
        status="pending",
        created_at=None,
        last_synced_at=None,
        last_sync_error="HTTP 500: " + HTML,
        last_sync_error_kind="server_error",
        sync_failures=3,
    )
    AllocationFactory(
        greenpin_id="gp_missing", status="missing", last_sync_error="HTTP 404: not found"
    )
    no_b = AllocationFactory(greenpin_id="gp_no_b")
    PartyFactory(allocation=no_b, side="A", number="+919900054321")
    AllocationFactory(greenpin_id="gp_no_cf", custom_field="", order_id="")
    hostile = AllocationFactory(
        greenpin_id="gp_hostile",
        custom_field=f"order_id={HTML}&x={FORMULA}",
        order_id=HTML,
        raw_payload={"custom_field": HTML},
    )
    rec = f"{DEAD_ORIGIN}/exotelrecordings/ACtest/"
    CallFactory(sid="c_linked", allocation=active, recording_url=rec + "c_linked.mp3")
    CallFactory(
        sid="c_hostile",
        allocation=hostile,
        custom_field=HTML,
        recording_url="",
        last_sync_error=HTML,
        raw_payload={"CustomField": HTML},
    )
    CallFactory(sid="c_unmatched", allocation=None, link_state="no_candidate", recording_url="")
    CallFactory(sid="c_ambiguous", allocation=None, link_state="ambiguous", recording_url="")
    CallFactory(
        sid="c_no_answer", allocation=active, status="no-answer", recording_url="", talk_duration=0
    )
    CallFactory(sid="c_pending_rec", allocation=active, status="completed", recording_url="")
    CallFactory(
        sid="c_in_progress",
        allocation=active,
        status="in-progress",
        end_time=None,
        duration=None,
        recording_url="",
    )
    CallFactory(
        sid="c_refused",
        allocation=active,
        recording_url="http://127.0.0.1:9\\@evil.example/exotelrecordings/ACtest/x.mp3",
    )
    CallFactory(sid="c_unfetchable", allocation=active, recording_url=rec + "gone.mp3")
    CallEvent.objects.create(
        call_sid="c_hostile",
        fingerprint="h1",
        shape="voice",
        event_type="ringing",
        status="ringing",
        payload={"CallSid": "c_hostile", "CustomField": HTML},
    )
    CallEvent.objects.create(
        call_sid="c_unapplied",
        fingerprint="h2",
        shape="voice",
        payload={"CallSid": "c_unapplied"},
        apply_error=HTML,
    )
    AccessLog.objects.create(action="export", object_type="search", object_id=HTML, detail=HTML)
    ProviderState.objects.update_or_create(
        api="calls",
        defaults={"last_error": HTML, "last_error_kind": "server_error", "consecutive_failures": 2},
    )


def _clients(django_user_model) -> dict[str, Client]:
    clients = {}
    for role in ("Support", "Supervisor"):
        user = django_user_model.objects.create_user(username=role.lower())
        user.groups.add(Group.objects.get(name=role))
        clients[role] = Client()
        clients[role].force_login(user)
    clients["admin"] = Client()
    clients["admin"].force_login(django_user_model.objects.create_superuser(username="root"))
    return clients


def _pages() -> list[str]:
    from allocations.models import Allocation
    from calls.models import Call

    pages = ["/", "/audit/", "/health/", "/accounts/profile/", "/export.csv", "/admin/"]
    pages += ["/calls/", "/calls/export.csv", "/calls/?link=unmatched&status=in-progress"]
    pages += ["/lookup/", "/track/", "/track/status/"]
    for allocation in Allocation.objects.all():
        base = allocation.get_absolute_url()
        pages += [
            base,
            base + "freshness/",
            f"/?q={allocation.greenpin_id}",
            f"/?q={allocation.order_id}",
        ]
    for call in Call.objects.all():
        pages += [call.get_absolute_url(), f"/?q={call.sid}", f"/calls/?q={call.sid}"]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(f"/admin/{info[0]}/{info[1]}/")
        pages.append(f"/admin/{info[0]}/{info[1]}/add/")
        pages += [
            f"/admin/{info[0]}/{info[1]}/{obj.pk}/change/" for obj in model.objects.all()[:30]
        ]
    return pages


def _assert_safe(response, url):
    assert response.status_code < 500, url
    if response.get("Content-Type", "").startswith("text/html"):
        body = response.content.decode()
        for raw in UNESCAPED:
            assert raw not in body, url


def test_every_page_in_every_state_for_every_role(every_state, django_user_model, settings):
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 100_000
    for role, client in _clients(django_user_model).items():
        for url in _pages():
            response = client.get(url)
            if url.endswith(".csv"):
                assert response.status_code < 500, (role, url)
                if response.status_code == 200:
                    b"".join(response.streaming_content)  # the stream finishes
                continue
            _assert_safe(response, (role, url))


def test_every_recording_answers_without_a_server_error_of_its_own(every_state, django_user_model):
    client = _clients(django_user_model)["Support"]
    from calls.models import Call

    for call in Call.objects.all():
        response = client.get(f"/calls/{call.sid}/recording/")
        # 502 is the gateway's answer when Exotel cannot serve a file or its address is
        # refused; nothing else may be a 5xx.
        assert response.status_code in (200, 206, 404, 502), call.sid
        if response.status_code == 502:
            assert call.sid in ("c_refused", "c_unfetchable", "c_linked")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links += [value for name, value in attrs if name == "href" and value]


def test_a_crawl_from_the_search_page_meets_no_server_error(
    every_state, django_user_model, settings
):
    settings.DEBUG = False
    settings.SEARCH_RATE_LIMIT_PER_MINUTE = 100_000
    for role, client in _clients(django_user_model).items():
        seen, queue = {"/"}, deque(["/"])
        while queue and len(seen) < 400:
            url = queue.popleft()
            response = client.get(url)
            _assert_safe(response, (role, url))
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            parser = _Links()
            parser.feed(response.content.decode())
            for href in parser.links:
                target = urljoin(url, href)
                parts = urlsplit(target)
                if parts.netloc or "logout" in parts.path or parts.path.endswith("/recording/"):
                    continue
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                if path not in seen:
                    seen.add(path)
                    queue.append(path)
        assert len(seen) > 10, role  # the crawl did reach the pages
